import { MEMORY_BACKING_ORDER } from '../src/domain/schema-table.js';
import type { Rule } from '../src/engine/types.js';
import { childElements } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';

const ORDER: readonly string[] = MEMORY_BACKING_ORDER;

export const rule: Rule = {
  meta: {
    id: 'memorybacking-order',
    description: '<memoryBacking> children in the order libvirt writes them: hugepages, nosharepages, locked, source, access, allocation, discard',
    severity: 'warn',
    stage: 'style',
    fixable: true,
    needs: ['memoryBacking'],
    drivers: anyDriver('virDomainMemoryBackingFormat (src/conf/domain_conf.c) writes the order'),
    docs: 'rules/memorybacking-order.md',
  },
  check(ctx) {
    const mb = ctx.domain.memoryBacking;
    if (!mb) return;
    for (const el of mb.all) {
      // Only libvirt's own children, in no namespace: any other stays where it is.
      const known = childElements(el).filter((c) => c.namespace === null && ORDER.includes(c.name));
      const sorted = [...known].sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
      const firstOut = known.find((c, i) => c !== sorted[i]);
      if (!firstOut) continue;
      ctx.report({
        node: firstOut,
        message: `<${firstOut.name}> is out of order: libvirt writes <memoryBacking> children as ${sorted.map((c) => c.name).join(', ')} (virsh dumpxml reorders them; the settings are unchanged)`,
        fix: (fixer) => fixer.reorderChildren(el, sorted),
      });
    }
  },
};
