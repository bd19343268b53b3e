import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { kibOf } from '../src/domain/model.js';
import type { Rule } from '../src/engine/types.js';
import { parseXPathUInt } from '../src/domain/values.js';
import { qemuDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';
import { refused } from '../src/libvirt/define-errors.js';

export const rule: Rule = {
  meta: {
    id: 'memory-device-hotplug',
    description: "Memory devices (<memory model='dimm'>, virtio-mem, …) without <maxMemory>, or more of them than slots",
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['memoryDevices'],
    drivers: qemuDriver('the slot allocator qemuDomainAssignMemorySlots (src/qemu/qemu_domain_address.c) at post-parse, then qemuDomainDefValidateMemoryHotplug (src/qemu/qemu_domain.c)'),
    docs: 'rules/memory-device-hotplug.md',
  },
  check(ctx) {
    const d = ctx.domain;
    const devices = d.memoryDevices;
    if (devices.length === 0) return;
    const maxKiB = d.maxMemory ? kibOf(d.maxMemory) : 0;
    // An unreadable or empty size, or unreadable slots: libvirt stops there (see DEFINE_ERRORS).
    if (maxKiB === null || refused(d, 'max-memory-slots')) return;
    const parsedSlots = parseXPathUInt(d.maxMemorySlots?.value) as number | 'absent';
    const slots = parsedSlots === 'absent' ? 0 : parsedSlots;
    if (!maxKiB && !slots) {
      const first = devices[0]!;
      ctx.report({
        node: first.el,
        message: `${devices.length === 1 ? 'a memory device needs' : `${devices.length} memory devices need`} memory hotplug: add <maxMemory slots='…' unit='…'>…</maxMemory> with at least ${devices.length} slot${devices.length === 1 ? '' : 's'} and room for the devices above the guest memory (and a guest NUMA cell) (libvirt: ${renderLibvirtError(libvirt.deviceWithoutMaxMemory())})`,
      });
      return;
    }
    if (!maxKiB || !slots) return; // memory-max reports the half-missing pair
    const advice = `raise slots to at least ${devices.length}`;
    const slotsText = `${slots} memory slot${slots === 1 ? '' : 's'} in <maxMemory slots='${d.maxMemorySlots!.value}'>`;
    // Post-parse first gives each DIMM and NVDIMM a slot address; validation then counts every device.
    const slotted = devices.filter((x) => x.model === 'dimm' || x.model === 'nvdimm');
    if (slotted.length > slots) {
      ctx.report({
        node: slotted[slots]!.el,
        message: `${slotted.length} DIMM/NVDIMM devices but only ${slotsText}: ${advice} (libvirt: ${renderLibvirtError(libvirt.noEmptyMemorySlot())})`,
      });
    } else if (!ctx.profile.maxMemorySlotsOptional && devices.length > slots) {
      ctx.report({
        node: devices[slots]!.el,
        message: `${devices.length} memory devices but only ${slotsText} (virtio-mem and virtio-pmem take no slot address, but every memory device counts against slots): ${advice} (libvirt: ${renderLibvirtError(libvirt.deviceCountExceedsSlots(devices.length, slots))})`,
      });
    }
  },
};
