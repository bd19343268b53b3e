import { effectivePages } from '../src/domain/hugepages.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'hugepage-nodeset-dropped',
    description: "A <page nodeset> naming only cell 0 on a guest without NUMA cells, which libvirt silently drops",
    severity: 'warn',
    stage: 'style',
    fixable: true,
    needs: ['memoryBacking'],
    drivers: anyDriver('virDomainDefParseMemory (src/conf/domain_conf.c)'),
    docs: 'rules/hugepage-nodeset-dropped.md',
  },
  check(ctx) {
    for (const page of effectivePages(ctx.domain)) {
      const nodeset = page.def?.nodeset;
      if (!page.nodesetDropped || !nodeset) continue;
      ctx.report({
        node: nodeset.attr,
        message: `nodeset='${nodeset.attr.value}' names guest NUMA cell 0, but the domain defines no guest NUMA cells: libvirt silently drops the nodeset and this page applies to all guest memory (virsh dumpxml shows the page without nodeset). Remove the attribute so the file says what libvirt does`,
        fix: (fixer) => fixer.removeAttr(nodeset.attr),
      });
    }
  },
};
