import { formatKiBig, memoryTotals } from '../src/domain/memory.js';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

export const rule: Rule = {
  meta: {
    id: 'memory-size-required',
    description: 'The domain has no memory size: <memory> missing, empty or 0 and no guest NUMA cells with memory (or memory devices take all of it)',
    severity: 'error',
    stage: 'define',
    fixable: false,
    drivers: anyDriver('virDomainDefPostParseMemory (src/conf/domain_conf.c)'),
    docs: 'rules/memory-size-required.md',
  },
  check(ctx) {
    const d = ctx.domain;
    const t = memoryTotals(d);
    // Sizes that did not parse are size-value's; libvirt stops there first.
    if (t.cellsKiB === null || t.memoryKiB === null || t.fromCells) return;
    const node = d.memory?.el ?? d.root;
    if (t.devicesKiB !== null && t.devicesKiB > t.memoryKiB) {
      ctx.report({
        node,
        message: `the memory devices add up to ${formatKiBig(t.devicesKiB)}, more than <memory> (${formatKiBig(t.memoryKiB)}): without guest NUMA cells <memory> must include them (libvirt: ${renderLibvirtError(libvirt.devicesExceedMemory())})`,
      });
      return;
    }
    if (t.initialKiB !== 0n) return;
    const how = !d.memory
      ? 'there is no <memory> element'
      : t.memoryKiB === 0n && d.memory.result.ok
        ? '<memory> is 0'
        : t.memoryKiB === 0n
          ? '<memory> is empty'
          : `<memory> (${formatKiBig(t.memoryKiB)}) is taken up entirely by memory devices`;
    const cells = d.cells.length ? ' and the guest NUMA cells have no memory either' : ' and there are no guest NUMA cells';
    ctx.report({
      node,
      message: `the domain has no memory size: ${how}${cells}; give the size, e.g. <memory unit='MiB'>1024</memory> (libvirt: ${renderLibvirtError(libvirt.memorySizeRequired())})`,
    });
  },
};
