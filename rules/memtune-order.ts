import { MEMTUNE_CHILDREN } from '../src/domain/model.js';
import type { Rule } from '../src/engine/types.js';
import { childElements, type XElement } from '../src/xml/tree.js';

const ORDER: readonly string[] = MEMTUNE_CHILDREN;

export const rule: Rule = {
  meta: {
    id: 'memtune-order',
    description: '<memtune> children in the order libvirt writes them: hard_limit, soft_limit, min_guarantee, swap_hard_limit',
    severity: 'warn',
    stage: 'style',
    fixable: true,
    docs: 'rules/memtune-order.md',
  },
  check(ctx) {
    const memtune = ctx.domain.memtune;
    if (!memtune) return;
    for (const el of memtune.all) {
      const known = childElements(el).filter((c) => ORDER.includes(c.name));
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
