import { addressSpace } from '../src/domain/address-space.js';
import { qemu, qemuStartFailure } from '../src/libvirt/messages.js';
import { formatKiB } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';

const hex = (v: bigint) => `0x${v.toString(16)}`;

export const rule: Rule = {
  meta: {
    id: 'memory-address-space',
    description: "Guest memory (with <maxMemory>, its hotplug area) beyond what the guest CPU's physical address bits reach: QEMU refuses to start",
    severity: 'error',
    stage: 'start',
    fixable: false,
    drivers: { types: ['qemu'], by: "QEMU's pc_memory_init (hw/i386/pc.c), for TCG guests on the i440fx machine with QEMU's default CPU" },
    docs: 'rules/memory-address-space.md',
  },
  check(ctx) {
    const space = addressSpace(ctx.domain);
    if (!space || space.maxUsed <= space.limit) return;
    const d = ctx.domain;
    const node = d.maxMemory?.el ?? d.memory?.el ?? d.root;
    const reach = formatKiB(Number((space.limit + 1n) / 1024n));
    ctx.report({
      node,
      message: `the guest's memory layout ends at guest physical address ${hex(space.maxUsed)}${d.maxMemory ? ' (RAM, then the hotplug area of <maxMemory> plus 1 GiB per slot, then the 64-bit PCI hole)' : ''}, beyond the ${reach} that QEMU's default TCG CPU reaches with ${space.physBits} physical address bits: lower ${d.maxMemory ? '<maxMemory>' : '<memory>'} (libvirt: ${qemuStartFailure(ctx.profile, qemu.addressSpaceLimit(hex(space.limit), hex(space.maxUsed), space.physBits), d.name)})`,
    });
  },
};
