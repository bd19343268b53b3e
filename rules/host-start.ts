import type { Rule } from '../src/engine/types.js';
import { effectivePages, isRealPageSize, pageChoiceReliable } from '../src/domain/hugepages.js';
import { predictStart } from '../src/predict/predict.js';
import { qemuDriver } from '../src/engine/drivers.js';
import { START_FAILURES_REPORTED_WITHOUT_HOST } from '../src/libvirt/define-errors.js';

export const rule: Rule = {
  meta: {
    id: 'host-start',
    description: 'With --host: the VM would not start on that host (huge page pools and mounts, host NUMA nodes, KVM), in libvirt\'s and QEMU\'s words',
    severity: 'error',
    stage: 'start',
    fixable: false,
    drivers: qemuDriver('qemuProcessStart (src/qemu/qemu_process.c) and QEMU\'s own start-up'),
    needsHost: true,
    docs: 'rules/host-start.md',
  },
  check(ctx) {
    if (!ctx.host) return;
    // A page list libvirt refuses at define (two master pages, unreadable sizes…) has its own
    // findings; which page a cell would get is then a guess.
    if (!pageChoiceReliable(effectivePages(ctx.domain))) return;
    const p = predictStart(ctx.domain, ctx.host, undefined, ctx.profile);
    if (p.verdict !== 'fails') return;
    for (const r of p.reasons) {
      if (START_FAILURES_REPORTED_WITHOUT_HOST.some((s) => s.step === r.step)) continue;
      // A size no host has (1954 KiB from unit='MB'…) is hugepage-page-size's finding.
      if (r.pageSizeKiB !== undefined && !isRealPageSize(r.pageSizeKiB, ctx.host)) continue;
      ctx.report({ node: r.node, message: r.suggestion ? `${r.message} — ${r.suggestion}` : r.message });
    }
  },
};
