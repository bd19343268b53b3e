import type { SizeValue } from '../src/domain/model.js';
import { MEMTUNE_LIMITS } from '../src/domain/values.js';
import { KIB_UNLIMITED } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import { childElements, type XElement } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';

const ORDER: readonly string[] = MEMTUNE_LIMITS;

/**
 * The limit as libvirt stores it, when it can be written back in that form without changing
 * what libvirt stores: the element is the one libvirt reads, its `unit` is its own (not borrowed
 * from a second `<memtune>`), the value parsed, and the element holds nothing but the number.
 */
function canonicalForm(v: SizeValue): { text: string; rewrite: boolean } | null {
  const r = v.result;
  if (!r.ok) return null;
  if (v.unitAttr && v.unitAttr.owner !== v.el) return null;
  if (v.el.content === null || !v.el.children.every((c) => c.kind === 'text')) return null;
  // libvirt drops these from dumpxml altogether (memtune-sentinel's business).
  if (r.kib === KIB_UNLIMITED || (r.kib === 0 && v.el.name === 'min_guarantee')) return null;
  const text = String(r.kib);
  return { text, rewrite: v.text !== text || v.unitAttr?.value !== 'KiB' };
}

export const rule: Rule = {
  meta: {
    id: 'memtune-order',
    description: '<memtune> children in the order libvirt writes them: hard_limit, soft_limit, min_guarantee, swap_hard_limit (optionally also each value in KiB, as libvirt stores it)',
    severity: 'warn',
    stage: 'style',
    fixable: true,
    needs: ['memtune'],
    drivers: anyDriver('virDomainMemtuneFormat (src/conf/domain_conf.c) writes the order'),
    docs: 'rules/memtune-order.md',
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        units: {
          type: 'boolean',
          description: "Also report limits not written as libvirt stores them (unit='KiB', whole KiB) and rewrite them so",
        },
      },
    },
    defaultOptions: { units: false },
  },
  check(ctx) {
    const memtune = ctx.domain.memtune;
    if (!memtune) return;
    if (ctx.options['units'] === true) {
      for (const name of MEMTUNE_LIMITS) {
        const v = memtune.limits[name];
        if (!v) continue;
        const form = canonicalForm(v);
        if (!form?.rewrite) continue;
        const written = `${v.text?.trim() ?? ''}${v.unitAttr ? ` ${v.unitAttr.value}` : ' (no unit: KiB)'}`;
        ctx.report({
          node: v.el,
          message: `<${name}> ${written} is stored by libvirt as <${name} unit='KiB'>${form.text}</${name}>${v.result.ok && !v.result.exact ? ' (rounded up to a whole KiB)' : ''}: write it that way so the file matches virsh dumpxml (the value does not change)`,
          fix: (fixer) => [fixer.replaceText(v.el, form.text), fixer.setAttr(v.el, 'unit', 'KiB')],
        });
      }
    }
    for (const el of memtune.all) {
      // Only libvirt's own children, in no namespace: any other stays where it is.
      const known = childElements(el).filter((c) => c.namespace === null && ORDER.includes(c.name));
      const sorted = [...known].sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
      const firstOut = known.find((c, i) => c !== sorted[i]);
      if (!firstOut) continue;
      const expected = sorted.map((c) => c.name).join(', ');
      ctx.report({
        node: firstOut,
        message: `<${firstOut.name}> is out of order: libvirt writes <memtune> children as ${expected} (virsh dumpxml reorders them; the values are unchanged)`,
        fix: (fixer) => fixer.reorderChildren(el, sorted as XElement[]),
      });
    }
  },
};
