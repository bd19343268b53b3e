import { kibOf } from '../src/domain/model.js';
import { formatKiB, KIB_UNLIMITED } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import { cgroupDrivers } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'memtune-soft-limit',
    description: '<soft_limit> above <hard_limit>: the soft limit can never take effect',
    severity: 'warn',
    stage: 'runtime',
    fixable: false,
    needs: ['memtune'],
    drivers: cgroupDrivers('virDomainCgroupSetupMemtune (src/hypervisor/domain_cgroup.c), which the QEMU and LXC drivers call at start'),
    docs: 'rules/memtune-soft-limit.md',
  },
  check(ctx) {
    const mt = ctx.domain.memtune;
    const soft = kibOf(mt?.limits.soft_limit);
    const hard = kibOf(mt?.limits.hard_limit);
    if (soft === null || hard === null || soft === KIB_UNLIMITED || hard === KIB_UNLIMITED) return;
    if (soft <= hard) return;
    ctx.report({
      node: mt!.limits.soft_limit!.el,
      message: `<soft_limit> (${formatKiB(soft)}) is above <hard_limit> (${formatKiB(hard)}): the guest hits the hard limit first, so the soft limit never takes effect (libvirt accepts it without a word); set soft_limit below hard_limit or drop it`,
    });
  },
};
