import { kibOf, type DomainModel, type SizeValue } from '../src/domain/model.js';
import { formatKiB, KIB_UNLIMITED } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import { cgroupDrivers } from '../src/engine/drivers.js';

export interface SwapProblem {
  swap: SizeValue;
  swapKiB: number;
  /** The hard limit, or null when none is set. */
  hardKiB: number | null;
  /** The start failure on cgroup v1, as libvirt prints it (a system error: no prefix). */
  v1Error: string;
}

/**
 * `swap_hard_limit` that the kernel refuses on cgroup v1 (spec R3.4): libvirt writes the hard
 * limit first, then memory.memsw.limit_in_bytes, which may not be below memory.limit_in_bytes
 * (unlimited when there is no hard_limit).
 */
export function swapProblem(domain: DomainModel): SwapProblem | null {
  const mt = domain.memtune;
  const swap = mt?.limits.swap_hard_limit;
  const swapKiB = kibOf(swap);
  if (!swap || swapKiB === null || swapKiB === KIB_UNLIMITED) return null;
  const hardValue = mt?.limits.hard_limit;
  if (hardValue && !hardValue.result.ok && hardValue.result.reason !== 'absent') return null; // size-value
  let hardKiB = kibOf(hardValue);
  if (hardKiB === KIB_UNLIMITED) hardKiB = null;
  if (hardKiB !== null && hardKiB <= swapKiB) return null;
  const bytes = BigInt(swapKiB) * 1024n;
  return { swap, swapKiB, hardKiB, v1Error: `Invalid value '${bytes}' for 'memory.memsw.limit_in_bytes': Invalid argument` };
}

export function swapWhy(p: SwapProblem): string {
  return p.hardKiB === null
    ? `<swap_hard_limit> (${formatKiB(p.swapKiB)}) without <hard_limit>`
    : `<swap_hard_limit> (${formatKiB(p.swapKiB)}) below <hard_limit> (${formatKiB(p.hardKiB)})`;
}

const ADVICE = 'on cgroup v1 swap_hard_limit caps memory plus swap, so it must be at least hard_limit: set a <hard_limit> no larger than it (or drop swap_hard_limit)';

export const rule: Rule = {
  meta: {
    id: 'memtune-swap-limit',
    description: '<swap_hard_limit> without <hard_limit> or below it: the guest fails to start on cgroup v1 hosts',
    severity: 'warn',
    stage: 'start',
    fixable: false,
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
      message: `${swapWhy(p)}: the guest fails to start on hosts with cgroup v1 memory controllers (on cgroup v2 it starts, and swap_hard_limit limits swap alone); ${ADVICE} (libvirt on cgroup v1: ${p.v1Error})`,
    });
  },
};

export { ADVICE as SWAP_ADVICE };
