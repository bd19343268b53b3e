import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { formatNodeset } from '../src/domain/nodeset.js';
import { guestCells, type GuestCell } from '../src/domain/numa.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

export const rule: Rule = {
  meta: {
    id: 'numa-cell-cpus-overlap',
    description: 'A vCPU may belong to only one guest NUMA cell',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['numa'],
    drivers: anyDriver('virDomainNumaDefParseXML (src/conf/numa_conf.c)'),
    docs: 'rules/numa-cell-cpus-overlap.md',
  },
  check(ctx) {
    const { cells } = guestCells(ctx.domain);
    const n = cells.length;
    // libvirt parses the cells in document order and compares each one with the cells parsed
    // before it, in id order; the message names the later cell first.
    const byId: (GuestCell | undefined)[] = new Array(n);
    for (const c of cells) {
      if (c.id === null || c.id >= n || byId[c.id]) continue;
      byId[c.id] = c;
      if (!c.cpus || c.cpus.length === 0 || !c.cell.cpus) continue;
      const mine = new Set(c.cpus);
      for (let j = 0; j < n; j++) {
        const other = byId[j];
        if (!other || other === c || !other.cpus) continue;
        const shared = other.cpus.filter((v) => mine.has(v));
        if (shared.length === 0) continue;
        const line = ctx.doc.positionAt(other.cell.el.startTag.start).line;
        const said = renderLibvirtError(libvirt.cellsOverlappingCpus(c.id, j));
        ctx.report({
          node: c.cell.cpus.attr,
          message: `cell ${c.id} lists vCPU${shared.length === 1 ? '' : 's'} ${formatNodeset(shared)}, which cell ${j} (line ${line}) lists too: each vCPU belongs to exactly one cell; remove ${shared.length === 1 ? 'it' : 'them'} from one of the two (libvirt: ${said})`,
        });
        break;
      }
    }
  },
};
