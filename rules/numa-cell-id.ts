import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { formatNodeset } from '../src/domain/nodeset.js';
import { guestCells } from '../src/domain/numa.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

const NON_CONTIGUOUS = renderLibvirtError(libvirt.cellsNotContiguous());

export const rule: Rule = {
  meta: {
    id: 'numa-cell-id',
    description: 'Guest NUMA cell ids must be unsigned integers covering exactly 0..n−1, each once',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['numa'],
    drivers: anyDriver('virDomainNumaDefParseXML (src/conf/numa_conf.c)'),
    docs: 'rules/numa-cell-id.md',
  },
  check(ctx) {
    const { cells } = guestCells(ctx.domain);
    const n = cells.length;
    if (n === 0) return;
    const range = n === 1 ? '0' : `0-${n - 1}`;
    const seen = new Map<number, (typeof cells)[number]>();
    for (const c of cells) {
      const { cell } = c;
      if (c.id === null) {
        const v = cell.idAttr?.value ?? '';
        ctx.report({
          node: cell.idAttr ?? cell.el,
          message: `cell id '${v}' is not a number: with ${n} cell${n === 1 ? '' : 's'} the ids are ${range} (libvirt: ${renderLibvirtError(libvirt.invalidUInt('id', 'cell', v))})`,
        });
        continue;
      }
      if (c.id >= n) {
        ctx.report({
          node: cell.idAttr ?? cell.el,
          message: `cell id ${c.id} is out of range: with ${n} cell${n === 1 ? '' : 's'} the ids must be exactly ${range}, each used once; renumber the cells (and the <memnode cellid>, <page nodeset> and memory device <node> that name them) (libvirt: ${NON_CONTIGUOUS})`,
        });
        continue;
      }
      const first = seen.get(c.id);
      if (first) {
        const line = ctx.doc.positionAt(first.cell.el.startTag.start).line;
        const how = (x: typeof c): string => (x.explicitId ? `id='${x.cell.idAttr?.value}'` : `no id, so its position ${x.cell.index} is its id`);
        const missing = [...Array(n).keys()].filter((i) => !cells.some((o) => o.id === i));
        ctx.report({
          node: cell.idAttr ?? cell.el,
          message: `cell id ${c.id} is used twice (this cell has ${how(c)}; the cell on line ${line} has ${how(first)})${missing.length ? `; no cell has id ${formatNodeset(missing)}` : ''}: give every cell its own id (libvirt: ${renderLibvirtError(libvirt.duplicateCell(c.id))})`,
        });
        continue;
      }
      seen.set(c.id, c);
    }
  },
};
