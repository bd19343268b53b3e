import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { formatNodeset } from '../src/domain/nodeset.js';
import { guestCells, maxVcpus } from '../src/domain/numa.js';
import type { Rule } from '../src/engine/types.js';
import { firstChild } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

const COUNT = renderLibvirtError(libvirt.cellCpuCountExceedsVcpus());
const IDS = renderLibvirtError(libvirt.cellCpuIdsExceedVcpus());

export const rule: Rule = {
  meta: {
    id: 'numa-cell-cpus-exceed-vcpus',
    description: 'Guest NUMA cells may only list vCPUs below the <vcpu> count',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['numa'],
    drivers: anyDriver('virDomainDefParseXML (src/conf/domain_conf.c), after the <cpu> and <vcpu> parse'),
    docs: 'rules/numa-cell-cpus-exceed-vcpus.md',
  },
  check(ctx) {
    const max = maxVcpus(ctx.domain);
    if (max === null) return;
    const { cells } = guestCells(ctx.domain);
    const total = cells.reduce((s, c) => s + (c.cpus?.length ?? 0), 0);
    const vcpuText = firstChild(ctx.domain.root, 'vcpu') ? `<vcpu> is ${max}` : 'there is no <vcpu>, so the guest has 1 vCPU';
    // libvirt checks the count first, then the highest id; a count above <vcpu> always comes
    // with an id at or above it, so the findings point at the ids and quote the check that fires.
    const said = total > max ? COUNT : IDS;
    for (const c of cells) {
      if (!c.cpus || !c.cell.cpus) continue;
      const over = c.cpus.filter((v) => v >= max);
      if (over.length === 0) continue;
      const allIds = max === 1 ? 'only vCPU 0 exists' : `vCPU ids are 0-${max - 1}`;
      ctx.report({
        node: c.cell.cpus.attr,
        message: `cell${c.id === null ? '' : ` ${c.id}`} lists vCPU${over.length === 1 ? '' : 's'} ${formatNodeset(over)}, but ${vcpuText} (${allIds})${total > max ? `; the cells list ${total} vCPUs in all` : ''}: raise <vcpu> or drop ${over.length === 1 ? 'that vCPU' : 'those vCPUs'} from the cell (libvirt: ${said})`,
      });
    }
  },
};
