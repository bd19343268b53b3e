import type { Rule } from '../src/engine/types.js';
import { predictStart } from '../src/predict/predict.js';

export const rule: Rule = {
  meta: {
    id: 'host-start',
    description: 'With --host: the VM would not start on that host (huge page pools and mounts, host NUMA nodes, KVM), in libvirt\'s and QEMU\'s words',
    severity: 'error',
    stage: 'start',
    fixable: false,
    needsHost: true,
    docs: 'rules/host-start.md',
  },
  check(ctx) {
    if (!ctx.host) return;
    const p = predictStart(ctx.domain, ctx.host);
    if (p.verdict !== 'fails') return;
    for (const r of p.reasons) {
      // Reported by their own rules, host or not: numatune-host-nodes, hugepage-backend-size.
      if (r.step === 'host-nodes' || r.step === 'page-size') continue;
      ctx.report({ node: r.node, message: r.suggestion ? `${r.message} — ${r.suggestion}` : r.message });
    }
  },
};
