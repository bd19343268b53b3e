import { chargedRam, formatKiBig } from '../src/domain/memory.js';
import { kibOf } from '../src/domain/model.js';
import { formatKiB, KIB_UNLIMITED } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';

/**
 * What QEMU itself needs under a memory cgroup before the guest touches its RAM: QEMU 7.2 is
 * about 40 MiB resident right after start (measured: 21 MiB anonymous + 22 MiB file pages for a
 * 64 MiB TCG guest); a 6 or 8 MiB hard_limit gets it OOM-killed during start (observed). 32 MiB is
 * a floor below which QEMU cannot start, not a recommendation.
 */
export const QEMU_START_FLOOR_KIB = 32 * 1024;

export const rule: Rule = {
  meta: {
    id: 'memtune-hard-limit-low',
    description: '<hard_limit> too small for the guest: below its RAM that the memory cgroup charges plus QEMU itself, the kernel OOM-kills QEMU',
    severity: 'error',
    stage: 'runtime',
    fixable: false,
    needs: ['memtune'],
    drivers: { types: ['qemu', 'kvm'], by: 'the memory cgroup the QEMU driver puts around the QEMU process (qemuSetupMemoryCgroup, src/qemu/qemu_cgroup.c): the limit has to hold QEMU itself' },
    docs: 'rules/memtune-hard-limit-low.md',
  },
  check(ctx) {
    const d = ctx.domain;
    const v = d.memtune?.limits.hard_limit;
    const hard = kibOf(v);
    if (!v || hard === null || hard === KIB_UNLIMITED) return;
    const ram = chargedRam(d);
    const immediate = d.memoryBacking?.allocation?.attributes.find((a) => a.name === 'mode')?.value === 'immediate';
    const hugeNote = ram && ram.hugeKiB > 0n ? `; the ${formatKiBig(ram.hugeKiB)} on huge pages is not charged to the memory cgroup (unless a cgroup v2 host mounts it with memory_hugetlb_accounting)` : '';
    if (hard < QEMU_START_FLOOR_KIB) {
      ctx.report({
        node: v.el,
        stage: 'start',
        message: `<hard_limit> ${formatKiB(hard)} is less than QEMU alone needs to start (about 40 MiB before the guest uses any memory): the memory cgroup OOM-kills QEMU during start${ram ? `; the guest's charged RAM is ${formatKiBig(ram.ordinaryKiB)}${hugeNote}` : ''}. libvirt advises leaving hard_limit unset for QEMU guests; if you set one, allow guest RAM + video RAM + QEMU overhead (libvirt: ${ctx.profile.monitorClosed(ctx.domain.name)})`,
      });
      return;
    }
    if (!ram || ram.ordinaryKiB === 0n) return;
    const need = ram.ordinaryKiB + BigInt(QEMU_START_FLOOR_KIB);
    if (BigInt(hard) >= need) return;
    ctx.report({
      node: v.el,
      ...(immediate ? { stage: 'start' as const } : {}),
      message: `<hard_limit> ${formatKiB(hard)} is below the guest's RAM that the memory cgroup charges (${formatKiBig(ram.ordinaryKiB)}) plus QEMU's own memory (≥ 32 MiB)${hugeNote}: ${immediate ? `with <allocation mode='immediate'/> all of it is touched at start, so the memory cgroup OOM-kills QEMU during start (libvirt: ${ctx.profile.monitorClosed(ctx.domain.name)})` : 'the kernel OOM-kills QEMU once the guest uses its memory'}. libvirt advises leaving hard_limit unset for QEMU guests; if you set one, allow guest RAM + video RAM + QEMU overhead, i.e. well above ${formatKiBig(need)}`,
    });
  },
};
