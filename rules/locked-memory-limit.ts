import { formatKiBig, memoryTotals } from '../src/domain/memory.js';
import { kibOf } from '../src/domain/model.js';
import { formatKiB, KIB_UNLIMITED } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import { attr, childElements, firstChild } from '../src/xml/tree.js';
import { qemuDriver } from '../src/engine/drivers.js';
import { refused } from '../src/libvirt/define-errors.js';

const GIB_KIB = 1024n * 1024n;

export const rule: Rule = {
  meta: {
    id: 'locked-memory-limit',
    description: 'Locked memory and its limit: <locked/> without <hard_limit> (no memlock limit at all), and a <hard_limit> too small for what must be locked',
    severity: 'warn',
    stage: 'runtime',
    fixable: false,
    needs: ['memoryBacking', 'memtune'],
    drivers: qemuDriver('qemuDomainGetMemLockLimitBytes (src/qemu/qemu_domain.c)'),
    docs: 'rules/locked-memory-limit.md',
  },
  check(ctx) {
    const d = ctx.domain;
    const locked = d.memoryBacking?.locked ?? null;
    const hv = d.memtune?.limits.hard_limit;
    if (refused(d, 'size-unreadable', hv)) return;
    let hard = kibOf(hv);
    if (hard === KIB_UNLIMITED) hard = null;
    const total = memoryTotals(d).totalKiB;

    if (locked && hard === null) {
      ctx.report({
        node: locked,
        message: `<locked/> without <hard_limit>: libvirt lifts QEMU's locked-memory limit entirely, so the guest can pin host memory without bound (libvirt's docs warn of a host DoS); set a <hard_limit> large enough for guest RAM + QEMU overhead and small enough to protect the host. Where libvirtd may not raise limits (no CAP_SYS_RESOURCE, e.g. in a container) the start fails (libvirt: internal error: Process exited prior to exec: libvirt:  error : cannot limit locked memory of process <pid> to ${KIB_UNLIMITED}: Operation not permitted)`,
      });
      return;
    }
    if (hard === null || total === null || !hv) return;

    if (locked && BigInt(hard) < total) {
      ctx.report({
        node: hv.el,
        stage: 'start',
        message: `<hard_limit> ${formatKiB(hard)} is also the locked-memory limit libvirt gives QEMU, and with <locked/> QEMU locks all guest RAM (${formatKiBig(total)}): it cannot, and the guest does not start; raise hard_limit above the guest's RAM plus QEMU's overhead`,
      });
      return;
    }

    // VFIO device assignment pins all guest RAM; hard_limit replaces libvirt's own estimate.
    const devices = firstChild(d.root, 'devices');
    const vfio = devices
      ? childElements(devices, 'hostdev').filter((h) => attr(h, 'mode')?.value !== 'capabilities' && ['pci', 'mdev'].includes(attr(h, 'type')?.value ?? ''))
      : [];
    if (vfio.length && BigInt(hard) < total + GIB_KIB) {
      ctx.report({
        node: hv.el,
        stage: 'start',
        message: `<hard_limit> ${formatKiB(hard)} also sets QEMU's locked-memory limit, replacing the guest RAM + 1 GiB (${formatKiBig(total + GIB_KIB)}) libvirt would otherwise allow for the assigned <hostdev> device${vfio.length > 1 ? 's, which pin' : ', which pins'} all guest RAM for DMA: with less, the device assignment fails; raise hard_limit to at least ${formatKiBig(total + GIB_KIB)} or leave it unset`,
      });
    }
  },
};
