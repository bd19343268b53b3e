import { schemaErrorFor, sizeSites, type SizeSite } from '../src/domain/memory.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'size-schema',
    description: "Sizes libvirt's parser accepts but its schema rejects: leading whitespace, a '+' sign, an empty unit",
    severity: 'warn',
    stage: 'schema',
    fixable: true,
    drivers: anyDriver('libvirt\'s domain schema (domain.rng), applied by virDomainDefParse with VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA'),
    docs: 'rules/size-schema.md',
  },
  check(ctx) {
    // Indexed: every size of every file, and a for…of allocates per step until V8 optimises it.
    const sites = sizeSites(ctx.domain);
    for (let i = 0; i < sites.length; i++) {
      const site = sites[i] as SizeSite;
      const v = site.value;
      const r = v.result;
      if (!r.ok || r.schemaValid) continue;
      const text = v.text ?? '';
      const plain = r.value.toString();
      const problems: string[] = [];
      if (/^[ \t\r\n]/.test(text)) problems.push('leading whitespace');
      if (/^[ \t\r\n]*\+/.test(text)) problems.push("a '+' sign");
      else if (!/^[ \t\r\n]*[0-9]+$/.test(text)) problems.push('a number the schema does not accept');
      const emptyUnit = v.unitAttr !== null && v.unitAttr.value === '';
      if (emptyUnit) problems.push("an empty unit=''");
      const numberNeedsFix = text !== plain && /^[ \t\r\n]*\+?0*[0-9]+$/.test(text);
      const el = v.el;
      const textOnly = v.valueAttr !== null || (el.content !== null && el.children.every((c) => c.kind === 'text'));
      ctx.report({
        // When the empty unit is all that is wrong, point at it.
        node: emptyUnit && problems.length === 1 ? v.unitAttr! : (v.valueAttr ?? el),
        message: `${site.label} has ${problems.join(' and ')}: plain virsh define accepts it (as ${r.kib} KiB), but virsh define --validate, virsh edit and virt-xml-validate reject the document; write ${emptyUnit ? "no unit (KiB) or a real one" : 'plain digits'}${emptyUnit && numberNeedsFix ? ' and plain digits' : ''} (libvirt, with --validate: ${schemaErrorFor(el)})`,
        fix: (fixer) => {
          const edits = [];
          if (numberNeedsFix && textOnly) {
            const stripped = text.replace(/^[ \t\r\n]*\+?/, '');
            edits.push(v.valueAttr ? fixer.setAttrValue(v.valueAttr, stripped) : fixer.replaceText(el, stripped));
          }
          if (emptyUnit) edits.push(fixer.removeAttr(v.unitAttr!));
          return edits;
        },
      });
    }
  },
};
