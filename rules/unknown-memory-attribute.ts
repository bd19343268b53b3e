import { memoryArea, schemaQuote, suggestName, walkMemoryArea, type AreaVisit, type ElementSpec } from '../src/domain/schema-table.js';
import type { Rule } from '../src/engine/types.js';
import { attr, textOf, type XAttr, type XElement } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';

/** What libvirt does without the attribute the misspelt one was meant to be. */
function consequence(el: XElement, spec: ElementSpec, intended: string | null, a: XAttr): string {
  if (spec.content === 'empty') {
    return `: <${el.name}/> is a switch that takes no attributes, being there turns it on, so ${a.name}='${a.value}' changes nothing`;
  }
  const so = (s: string): string => `, so ${s}`;
  switch (intended) {
    case 'unit': {
      if (spec.content === 'number') {
        const n = textOf(el).trim();
        return so(`the number is read in KiB${n ? ` (${n} KiB, not ${n} ${a.value})` : ''}`);
      }
      const sizeAttr = attr(el, 'size') ?? attr(el, 'memory') ?? attr(el, 'value');
      return so(`the ${sizeAttr ? `${sizeAttr.name} ` : ''}value is read in KiB${sizeAttr ? ` (${sizeAttr.value} KiB, not ${sizeAttr.value} ${a.value})` : ''}`);
    }
    case 'nodeset':
      return so(el.name === 'page' ? 'the page has no nodeset and applies to every guest NUMA cell' : 'no nodes are named');
    case 'memAccess':
      return so('the cell gets the default memory access');
    case 'discard':
      return so('the default discard setting applies');
    case 'slots':
      return so('<maxMemory> has no slot count');
    case 'mode':
      return so('the default mode applies');
    case null:
      return '';
    default:
      return so(`its value is not read`);
  }
}

export const rule: Rule = {
  meta: {
    id: 'unknown-memory-attribute',
    description: 'Unknown or misspelt attributes on memory elements, which plain virsh define ignores (units=, nodeSet=, memaccess=…)',
    severity: 'error',
    stage: 'schema',
    fixable: true,
    drivers: anyDriver('libvirt\'s domain schema (domain.rng); virDomainDefParseXML (src/conf/domain_conf.c) reads only the attributes it knows'),
    docs: 'rules/unknown-memory-attribute.md',
  },
  check(ctx) {
    // Indexed loops: every element of the memory area of every file, and a for…of allocates per
    // step until V8 optimises it.
    const visits = walkMemoryArea(ctx.domain.root, memoryArea(ctx.profile.id));
    for (let v = 0; v < visits.length; v++) {
      const { el, spec, path } = visits[v] as AreaVisit;
      if (spec.partial) continue;
      const attributes = el.attributes;
      for (let i = 0; i < attributes.length; i++) {
        const a = attributes[i] as XAttr;
        if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
        if (Object.hasOwn(spec.attrs, a.name)) continue;
        const known = Object.keys(spec.attrs);
        const q = schemaQuote(path[0] as string);
        if (a.name.includes(':')) {
          ctx.report({
            node: a,
            message: `attribute ${a.name}= (another namespace) on <${el.name}>: libvirt ignores it, and the schema allows no foreign attributes here; keep such notes in <metadata> ${q}`,
          });
          continue;
        }
        const { best, sure } = suggestName(a.name, known);
        const clash = sure ? attr(el, sure.name) : undefined;
        const intended = sure?.name ?? null;
        let hint: string;
        if (sure) hint = `; did you mean ${sure.name}=?${clash ? ` (${sure.name}= is set too)` : ''}`;
        else if (best.length) hint = `; did you mean ${best.map((b) => `${b.name}=`).join(' or ')}?`;
        else if (spec.content === 'empty') hint = '';
        else if (known.length) hint = ` (<${el.name}> takes ${known.map((k) => `${k}=`).join(', ')})`;
        else hint = ` (<${el.name}> takes no attributes)`;
        ctx.report({
          node: a,
          message: `unknown attribute ${a.name}= on <${el.name}>: plain virsh define ignores it${consequence(el, spec, intended, a)}${hint} ${q}`,
          ...(sure && !clash ? { fix: (f) => f.replaceRange(a.nameRange, sure.name) } : {}),
          ...(!sure && best.length
            ? { suggestions: best.filter((b) => !attr(el, b.name)).map((b) => ({ desc: `Rename to ${b.name}=`, fix: (f) => f.replaceRange(a.nameRange, b.name) })) }
            : {}),
        });
      }
    }
  },
};
