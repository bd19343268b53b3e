import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { formatNodeset } from '../src/domain/nodeset.js';
import type { NodesetAttr } from '../src/domain/model.js';
import type { Rule } from '../src/engine/types.js';
import { escapeAttr } from '../src/xml/edit.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

const SAID = renderLibvirtError(libvirt.schemaExtraElement('numatune'));

export const rule: Rule = {
  meta: {
    id: 'numatune-schema',
    description: "<numatune> forms plain virsh define accepts but the schema (virsh edit, define --validate) rejects",
    severity: 'warn',
    stage: 'schema',
    fixable: true,
    needs: ['numatune'],
    drivers: anyDriver('libvirt\'s domain schema (domain.rng), applied by virDomainDefParse with VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA'),
    docs: 'rules/numatune-schema.md',
  },
  check(ctx) {
    const nt = ctx.domain.numatune;
    if (!nt) return;
    const spacedNodeset = (ns: NodesetAttr | null): void => {
      if (!ns || !ns.parsed.ok || ns.parsed.schemaValid) return;
      const canon = formatNodeset(ns.parsed.ids);
      ctx.report({
        node: ns.attr,
        message: `nodeset '${ns.attr.value}' is accepted by virsh define but not by the schema (no spaces, no trailing comma): write '${canon}', the same nodes in libvirt's form (libvirt: ${SAID})`,
        fix: (fixer) => fixer.setAttrValue(ns.attr, canon),
      });
    };
    const mem = nt.memory;
    if (mem) {
      if (mem.placement?.value === 'default') {
        const p = mem.placement;
        ctx.report({
          node: p,
          message: `placement='default' is libvirt's internal "not set" value: virsh define treats it as absent, the schema rejects it; remove it (libvirt: ${SAID})`,
          fix: (fixer) => fixer.removeAttr(p),
        });
      }
      spacedNodeset(mem.nodeset);
    }
    for (const m of nt.memnodes) {
      if (!m.mode) {
        const el = m.el;
        const after = m.cellid;
        ctx.report({
          node: el,
          message: `<memnode> without mode: virsh define assumes mode='strict', the schema requires the attribute; write mode='strict' (libvirt: ${SAID})`,
          fix: (fixer) => {
            if (!after) return fixer.setAttr(el, 'mode', 'strict');
            const q = after.quote;
            return fixer.replaceRange({ start: after.range.end, end: after.range.end }, ` mode=${q}${escapeAttr('strict', q)}${q}`);
          },
        });
      }
      spacedNodeset(m.nodeset);
    }
  },
};
