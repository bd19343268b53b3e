import { resolveNumatune } from '../src/domain/numa.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'numatune-auto-nodeset',
    description: "A nodeset next to placement='auto' is silently dropped",
    severity: 'warn',
    stage: 'define',
    fixable: false,
    needs: ['numatune'],
    drivers: anyDriver('virDomainNumatuneParseXML (src/conf/numa_conf.c)'),
    docs: 'rules/numatune-auto-nodeset.md',
  },
  check(ctx) {
    const nt = resolveNumatune(ctx.domain);
    const mem = ctx.domain.numatune?.memory;
    if (!nt.nodesetDropped || !mem?.nodeset || !mem.placement) return;
    const ns = mem.nodeset.attr;
    const placement = mem.placement;
    ctx.report({
      node: ns,
      message: `nodeset='${ns.value}' is ignored: with placement='auto' libvirt drops it without a word and numad picks the host nodes at start; remove the nodeset, or remove placement='auto' to bind guest memory to host nodes ${ns.value}`,
      suggestions: [
        { desc: 'Remove the nodeset (keeps what libvirt does: numad decides)', fix: (fixer) => fixer.removeAttr(ns) },
        { desc: `Remove placement='auto' (binds guest memory to host nodes ${ns.value})`, fix: (fixer) => fixer.removeAttr(placement) },
      ],
    });
  },
};
