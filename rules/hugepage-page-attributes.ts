import { effectivePages } from '../src/domain/hugepages.js';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { formatNodeset } from '../src/domain/nodeset.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';
import { schemaQuote } from '../src/domain/schema-table.js';

export const rule: Rule = {
  meta: {
    id: 'hugepage-page-attributes',
    description: '<page> needs a non-zero size and a valid, non-empty nodeset in the schema\'s syntax',
    severity: 'error',
    stage: 'define',
    fixable: true,
    needs: ['memoryBacking'],
    drivers: anyDriver('virDomainHugepagesParseXML (src/conf/domain_conf.c)'),
    docs: 'rules/hugepage-page-attributes.md',
  },
  check(ctx) {
    for (const page of effectivePages(ctx.domain)) {
      const def = page.def;
      if (!def) continue;
      // Missing or unreadable sizes and unknown units are size-value's business.
      if (page.sizeProblem === 'zero') {
        ctx.report({
          node: def.size.valueAttr ?? def.el,
          message: `size='${def.size.text}' is zero: give the page a real size (2 MiB or 1 GiB on x86_64), or drop the <page> and write <hugepages/> for the host's default size (libvirt: ${renderLibvirtError(libvirt.hugepageSizeZero())})`,
        });
      }
      const ns = def.nodeset;
      if (!ns) continue;
      const p = ns.parsed;
      if (!p.ok && p.reason === 'syntax') {
        ctx.report({
          node: ns.attr,
          message: `nodeset='${ns.attr.value}' is not a set of guest NUMA cell ids: write ids and ranges such as 0-3,5 (libvirt: ${renderLibvirtError(p.error)})`,
        });
      } else if (!p.ok) {
        ctx.report({
          node: ns.attr,
          message: `nodeset='${ns.attr.value}' leaves no guest NUMA cell: name at least one cell, or drop the nodeset for a page that applies to all cells (libvirt: ${renderLibvirtError(p.error)})`,
        });
      } else if (!p.schemaValid) {
        const canonical = formatNodeset(p.ids);
        ctx.report({
          node: ns.attr,
          stage: 'schema',
          message: `nodeset='${ns.attr.value}' is not in the schema's syntax (no spaces, no trailing comma, plain range ends): virsh define accepts it but virsh define --validate and virsh edit refuse it; libvirt stores it as '${canonical}' ${schemaQuote('memoryBacking')}`,
          fix: (fixer) => fixer.setAttrValue(ns.attr, canonical),
        });
      }
    }
  },
};
