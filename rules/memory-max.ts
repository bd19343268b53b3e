import { formatKiBig, memoryTotals } from '../src/domain/memory.js';
import { memoryAlignment, X86_MEMORY_ALIGNMENT } from '../src/libvirt/arch.js';
import { renderLibvirtError, type LibvirtError } from '../src/domain/libvirt-error.js';
import { kibOf } from '../src/domain/model.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver, qemuDriver } from '../src/engine/drivers.js';
import { parseXPathUInt } from '../src/domain/values.js';
import { libvirt } from '../src/libvirt/messages.js';
import { refused } from '../src/libvirt/define-errors.js';


const quote = (e: LibvirtError): string => `(libvirt: ${renderLibvirtError(e)})`;

export const rule: Rule = {
  meta: {
    id: 'memory-max',
    description: '<maxMemory> (memory hotplug) that libvirt refuses: size or slots missing, smaller than the memory, or no guest NUMA cell (libvirt 9.0)',
    severity: 'error',
    stage: 'define',
    fixable: false,
    drivers: anyDriver('virDomainDefParseMemory and virDomainDefPostParseMemory (src/conf/domain_conf.c); the guest NUMA cell that hotplug needs is checked by the QEMU driver alone (qemuDomainDefValidateMemoryHotplug, src/qemu/qemu_domain.c)'),
    docs: 'rules/memory-max.md',
  },
  check(ctx) {
    const d = ctx.domain;
    const max = d.maxMemory;
    if (!max) return;
    const slotsAttr = d.maxMemorySlots;
    const slots = parseXPathUInt(slotsAttr?.value);
    if (slots === null) {
      ctx.report({
        node: slotsAttr!,
        message: `<maxMemory> slots='${slotsAttr!.value}' is not a whole number: slots is the number of memory slots for hotplug, e.g. slots='16' ${quote(libvirt.slotCountUnparsable())}`,
      });
      return;
    }
    if (refused(d, 'size-unreadable', max)) return;
    const maxKiB = kibOf(max) ?? 0;
    const nSlots = slots === 'absent' ? 0 : slots;
    // libvirt 9.5 and later need slots only for DIMM-like devices: a size alone is hotplug of virtio-mem
    if (ctx.profile.maxMemorySlotsOptional && nSlots > 0 && maxKiB === 0) {
      ctx.report({
        node: max.el,
        message: `<maxMemory> has ${max.result.ok ? 'a size of 0' : 'no size'} but slots='${nSlots}': the slot count needs the maximum size for memory hotplug, e.g. <maxMemory slots='16' unit='GiB'>32</maxMemory>; without hotplug, remove <maxMemory> ${quote(libvirt.maxMemorySizeNeedsSlots())}`,
      });
      return;
    }
    if (!ctx.profile.maxMemorySlotsOptional && (maxKiB > 0) !== (nSlots > 0)) {
      const missing = maxKiB > 0 ? (slotsAttr ? "slots='0'" : 'no slots attribute') : max.result.ok ? 'a size of 0' : 'no size';
      ctx.report({
        node: maxKiB > 0 && slotsAttr ? slotsAttr : max.el,
        message: `<maxMemory> has ${missing}: memory hotplug needs both the maximum size and the slot count, e.g. <maxMemory slots='16' unit='GiB'>32</maxMemory>; without hotplug, remove <maxMemory> ${quote(libvirt.maxMemoryNeedsBoth())}`,
      });
      return;
    }
    if (maxKiB === 0) return;
    const t = memoryTotals(d);
    if (t.totalKiB !== null && BigInt(maxKiB) < t.totalKiB) {
      const what = t.fromCells ? `the sum of the guest NUMA cells${t.devicesKiB ? ' and memory devices' : ''}` : t.devicesKiB ? '<memory>, memory devices included' : '<memory>';
      ctx.report({
        node: max.el,
        message: `<maxMemory> (${formatKiBig(BigInt(maxKiB))}) is smaller than the guest's memory, ${formatKiBig(t.totalKiB)} (${what}): it is the ceiling for memory hotplug and must be at least that ${quote(libvirt.maxMemoryBelowMemory())}`,
      });
      return;
    }
    // libvirt 9.6 and later add guest cell 0 themselves (x86)
    if (d.cells.length === 0 && memoryAlignment(d) === X86_MEMORY_ALIGNMENT && !ctx.profile.hotplugAddsNumaCell) {
      ctx.report({
        node: max.el,
        drivers: qemuDriver('qemuDomainDefValidateMemoryHotplug (src/qemu/qemu_domain.c)'),
        message: `memory hotplug (<maxMemory>) needs at least one guest NUMA cell: add <cpu><numa><cell id='0' cpus='…' memory='…' unit='…'/></numa></cpu> covering all vCPUs and the memory, or remove <maxMemory> ${quote(libvirt.hotplugNeedsNumaNode())}`,
      });
    }
  },
};
