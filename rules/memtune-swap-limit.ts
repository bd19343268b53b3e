import { SWAP_ADVICE, swapProblem, swapWhy } from '../src/domain/memory.js';
import type { Rule } from '../src/engine/types.js';
import { cgroupDrivers } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'memtune-swap-limit',
    description: '<swap_hard_limit> without <hard_limit> or below it: the guest fails to start on cgroup v1 hosts',
    severity: 'warn',
    stage: 'start',
    fixable: false,
    needs: ['memtune'],
    drivers: cgroupDrivers('virDomainCgroupSetupMemtune (src/hypervisor/domain_cgroup.c), which the QEMU and LXC drivers call at start'),
    docs: 'rules/memtune-swap-limit.md',
  },
  check(ctx) {
    // With a snapshot that knows the cgroup version, memtune-swap-limit-host decides (v1) or there is nothing to say (v2).
    if (ctx.host?.memoryCgroup) return;
    const p = swapProblem(ctx.domain);
    if (!p) return;
    ctx.report({
      node: p.swap.el,
      message: `${swapWhy(p)}: the guest fails to start on hosts with cgroup v1 memory controllers (on cgroup v2 it starts, and swap_hard_limit limits swap alone); ${SWAP_ADVICE} (libvirt on cgroup v1: ${p.v1Error})`,
    });
  },
};
