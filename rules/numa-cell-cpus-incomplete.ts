import { formatNodeset } from '../src/domain/nodeset.js';
import { completedCellCpus, guestCells, maxVcpus } from '../src/domain/numa.js';
import type { Rule } from '../src/engine/types.js';
import { qemuDriver } from '../src/engine/drivers.js';
import { refused } from '../src/libvirt/define-errors.js';

export const rule: Rule = {
  meta: {
    id: 'numa-cell-cpus-incomplete',
    description: 'vCPUs that no guest NUMA cell lists are silently added to cell 0',
    severity: 'warn',
    stage: 'define',
    fixable: false,
    needs: ['numa'],
    drivers: qemuDriver('qemuDomainDefNumaCPUsRectify (src/qemu/qemu_domain.c), via virDomainNumaFillCPUsInNode'),
    docs: 'rules/numa-cell-cpus-incomplete.md',
  },
  check(ctx) {
    const done = completedCellCpus(ctx.domain);
    const max = maxVcpus(ctx.domain);
    if (!done || max === null || done.addedToCell0.length === 0) return;
    const layout = guestCells(ctx.domain);
    const cell0 = layout.byId?.[0];
    if (!cell0) return;
    // Overlapping cells fail at define; nothing is completed then.
    if (refused(ctx.domain, 'cells-overlapping-cpus')) return;
    const listed = layout.cells.flatMap((c) => c.cpus ?? []);
    const added = done.addedToCell0;
    const stored = formatNodeset(done.cpus[0] ?? []);
    const what =
      listed.length === 0
        ? `no cell lists vCPUs, so libvirt silently puts all ${max} vCPUs (${stored}) into cell 0`
        : `the cells list ${listed.length} of ${max} vCPUs, so libvirt silently adds vCPU${added.length === 1 ? '' : 's'} ${formatNodeset(added)} to cell 0 and stores it as cpus='${stored}'`;
    ctx.report({
      node: cell0.cell.cpus?.attr ?? cell0.cell.el,
      message: `${what}; list every vCPU in the cell where it belongs`,
      suggestions: [
        {
          desc: `Write what libvirt stores: cpus='${stored}' on cell 0`,
          fix: (fixer) => fixer.setAttr(cell0.cell.el, 'cpus', stored),
        },
      ],
    });
  },
};
