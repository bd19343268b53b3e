import { alignedMemory, MAX_ALIGNED_KIB, memoryTotals } from '../src/domain/memory.js';
import { renderLibvirtError, type LibvirtError } from '../src/domain/libvirt-error.js';
import type { Rule } from '../src/engine/types.js';
import { qemuDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

const said = (e: LibvirtError): string => `(libvirt: ${renderLibvirtError(e)})`;
const LIMIT = 'above 9007199254740991 KiB (2^53 − 1), the most libvirt handles';

export const rule: Rule = {
  meta: {
    id: 'memory-align-overflow',
    description: 'Memory sizes so close to the 2^53 KiB limit that libvirt cannot start the guest: rounding up to whole MiB overflows, or the NUMA cells add up to more than it can read back',
    severity: 'error',
    stage: 'start',
    fixable: false,
    drivers: qemuDriver('qemuDomainAlignMemorySizes (src/qemu/qemu_domain.c), at start'),
    docs: 'rules/memory-align-overflow.md',
  },
  check(ctx) {
    const d = ctx.domain;
    const a = alignedMemory(d);
    d.cells.forEach((cell, i) => {
      const c = a.cells[i];
      if (!c?.overflow) return;
      const id = cell.id ?? i;
      ctx.report({
        node: cell.memory.valueAttr ?? cell.el,
        message: `NUMA cell ${id} memory (${c.kib} KiB) rounded up to whole MiB at start is ${c.aligned} KiB, ${LIMIT}; use a realistic size ${said(libvirt.cellOverflowAfterAlignment(id))}`,
      });
    });
    // With cells, define stores their sum (+ memory devices) as <memory>; at start libvirt copies
    // the definition by formatting and re-reading it, and a total above 2^53 − 1 KiB no longer
    // reads back (observed: this fails before the alignment is even tried).
    const t = memoryTotals(d);
    const copyOverflow = t.fromCells && t.totalKiB !== null && t.totalKiB > MAX_ALIGNED_KIB;
    if (copyOverflow && a.cells.every((c) => !c?.overflow)) {
      ctx.report({
        node: d.numa ?? d.root,
        message: `the guest NUMA cells${t.devicesKiB ? ' and memory devices' : ''} add up to ${t.totalKiB} KiB, ${LIMIT}: virsh define stores that sum as <memory>, but at start libvirt cannot read its own copy of the definition back; use realistic sizes ${`(libvirt: ${renderLibvirtError(libvirt.valueTooLarge(`${t.totalKiB}KiB`))})`}`,
      });
    } else if (a.initial?.overflow && a.cells.every((c) => !c?.overflow)) {
      const node = d.cells.length ? (d.numa ?? d.root) : (d.memory?.el ?? d.root);
      ctx.report({
        node,
        message: `${d.cells.length ? 'the guest NUMA cells, each rounded up to whole MiB, add up to' : 'the initial memory rounded up to whole MiB is'} ${a.initial.aligned} KiB at start, ${LIMIT}; use a realistic size ${said(libvirt.initialOverflowAfterAlignment())}`,
      });
    }
    if (a.max?.overflow && d.maxMemory) {
      ctx.report({
        node: d.maxMemory.el,
        message: `<maxMemory> (${a.max.kib} KiB) rounded up to whole MiB at start is ${a.max.aligned} KiB, ${LIMIT}; use a realistic size ${said(libvirt.maxOverflowAfterAlignment())}`,
      });
    }
    d.memoryDevices.forEach((dev, i) => {
      const m = a.devices[i];
      if (!m?.overflow) return;
      ctx.report({
        node: dev.size?.el ?? dev.el,
        message: `memory device ${i} (${m.kib} KiB) rounded up to whole 2 MiB at start is ${m.aligned} KiB, ${LIMIT}; use a realistic size ${said(libvirt.moduleOverflowAfterAlignment(i))}`,
      });
    });
  },
};
