import { renderLibvirtError, type LibvirtError } from '../src/domain/libvirt-error.js';
import { cellIdRange, guestCells } from '../src/domain/numa.js';
import { parseUInt } from '../src/domain/values.js';
import { anyDriver } from '../src/engine/drivers.js';
import type { Rule } from '../src/engine/types.js';
import { attr, childElements, firstChild } from '../src/xml/tree.js';
import { libvirt } from '../src/libvirt/messages.js';
import { refused } from '../src/libvirt/define-errors.js';

/** ACPI SLIT: a node's distance to itself, and the largest distance (unreachable). */
const LOCAL_DISTANCE = 10;
const UNREACHABLE = 255;

const said = (e: LibvirtError): string => renderLibvirtError(e);

export const rule: Rule = {
  meta: {
    id: 'numa-distances',
    description: 'Guest NUMA distances (<distances><sibling id value>) must name existing cells with values from 10 (local) to 255',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['numa'],
    drivers: anyDriver('virDomainNumaDefNodeDistanceParseXML (src/conf/numa_conf.c)'),
    docs: 'rules/numa-distances.md',
  },
  check(ctx) {
    if (refused(ctx.domain, 'cell-ids')) return;
    const { cells } = guestCells(ctx.domain);
    const n = cells.length;
    for (const { cell, id } of cells) {
      const distances = firstChild(cell.el, 'distances');
      if (!distances || id === null) continue;
      const siblings = childElements(distances, 'sibling');
      if (siblings.length === 0) {
        ctx.report({ node: distances, message: `<distances> of cell ${id} lists no <sibling>: give each cell's distance as <sibling id='N' value='D'/>, or remove <distances> (libvirt: ${said(libvirt.distancesWithoutSiblings())})` });
        continue;
      }
      for (const s of siblings) {
        const idAttr = attr(s, 'id');
        const valueAttr = attr(s, 'value');
        if (!idAttr) {
          ctx.report({ node: s, message: `<sibling> without id under cell ${id} (libvirt: ${said(libvirt.missingAttribute('id', 'sibling'))})` });
          continue;
        }
        const sid = parseUInt(idAttr.value);
        if (sid === null) {
          ctx.report({ node: idAttr, message: `sibling id '${idAttr.value}' is not a cell number (libvirt: ${said(libvirt.invalidUInt('id', 'sibling', idAttr.value))})` });
          continue;
        }
        if (sid >= n) {
          ctx.report({
            node: idAttr,
            message: `sibling id ${sid} under cell ${id} names a cell that does not exist: the guest has cell${n === 1 ? '' : 's'} ${cellIdRange(n)} (libvirt: ${said(libvirt.siblingNotACell(sid, id))})`,
          });
          continue;
        }
        if (!valueAttr) {
          ctx.report({ node: s, message: `<sibling id='${sid}'> without value under cell ${id} (libvirt: ${said(libvirt.missingAttribute('value', 'sibling'))})` });
          continue;
        }
        const value = parseUInt(valueAttr.value);
        if (value === null) {
          ctx.report({ node: valueAttr, message: `distance '${valueAttr.value}' is not a number (libvirt: ${said(libvirt.invalidUInt('value', 'sibling', valueAttr.value))})` });
          continue;
        }
        const self = sid === id;
        const why =
          value < LOCAL_DISTANCE || value > UNREACHABLE
            ? `distances run from ${LOCAL_DISTANCE} (local) to ${UNREACHABLE} (unreachable)`
            : self && value !== LOCAL_DISTANCE
              ? `a cell's distance to itself is the local distance, ${LOCAL_DISTANCE}`
              : !self && value === LOCAL_DISTANCE
                ? `${LOCAL_DISTANCE} is the local distance, which only a cell has to itself: use more than ${LOCAL_DISTANCE} between two cells (the usual remote distance is 20)`
                : null;
        if (why) {
          ctx.report({ node: valueAttr, message: `distance ${value} from cell ${id} to cell ${sid}: ${why} (libvirt: ${said(libvirt.distanceInvalid(value, sid, id))})` });
        }
      }
    }
  },
};
