import type { Rule } from '../src/engine/types.js';
import { SWAP_ADVICE, swapProblem, swapWhy } from '../src/domain/memory.js';
import { cgroupDrivers } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'memtune-swap-limit-host',
    description: '<swap_hard_limit> without <hard_limit> or below it, on a host whose memory cgroups are v1: the guest does not start',
    severity: 'error',
    stage: 'start',
    fixable: false,
    needs: ['memtune'],
    drivers: cgroupDrivers('virDomainCgroupSetupMemtune (src/hypervisor/domain_cgroup.c), which the QEMU and LXC drivers call at start'),
    needsHost: true,
    docs: 'rules/memtune-swap-limit-host.md',
  },
  check(ctx) {
    if (ctx.host?.memoryCgroup !== 'v1') return;
    const p = swapProblem(ctx.domain);
    if (!p) return;
    ctx.report({
      node: p.swap.el,
      message: `${swapWhy(p)}: this host's memory cgroups are v1, where libvirt's write of the swap limit is refused and the guest does not start; ${SWAP_ADVICE} (libvirt: ${p.v1Error})`,
    });
  },
};
