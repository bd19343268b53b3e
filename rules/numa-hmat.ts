import { renderLibvirtError, type LibvirtError } from '../src/domain/libvirt-error.js';
import { cellIdRange, completedCellCpus, guestCells } from '../src/domain/numa.js';
import { parseUInt } from '../src/domain/values.js';
import { anyDriver } from '../src/engine/drivers.js';
import type { Rule } from '../src/engine/types.js';
import { attr, childElements, firstChild, type XElement } from '../src/xml/tree.js';
import { libvirt } from '../src/libvirt/messages.js';
import { refused } from '../src/libvirt/define-errors.js';

const said = (e: LibvirtError): string => renderLibvirtError(e);

export const rule: Rule = {
  meta: {
    id: 'numa-hmat',
    description: 'Guest HMAT (cell <cache>, <interconnects>) libvirt refuses: a cache without associativity or with a level twice, a latency or bandwidth naming a missing cell or an initiator without vCPUs, given twice or in both directions',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['numa'],
    drivers: anyDriver('virDomainNumaDefNodeCacheParseXML and virDomainNumaDefValidate (src/conf/numa_conf.c)'),
    docs: 'rules/numa-hmat.md',
  },
  check(ctx) {
    if (refused(ctx.domain, 'cell-ids')) return;
    const { cells } = guestCells(ctx.domain);
    const n = cells.length;
    const cacheLevels = new Map<number, Set<number>>();
    for (const { cell, id } of cells) {
      if (id === null) continue;
      const levels = new Set<number>();
      cacheLevels.set(id, levels);
      for (const cache of childElements(cell.el, 'cache')) {
        const level = attr(cache, 'level');
        const lv = level ? parseUInt(level.value) : null;
        if (!level || lv === null || lv === 0) continue; // not among the checks confirmed here
        if (!attr(cache, 'associativity')) {
          ctx.report({
            node: cache,
            message: `<cache level='${level.value}'> of cell ${id} has no associativity: say how the cache maps memory, associativity='direct', 'full' or 'none' (libvirt: ${said(libvirt.cacheAssociativityMissing(ctx.profile, id))})`,
          });
          continue;
        }
        if (levels.has(lv)) {
          ctx.report({ node: level, message: `cell ${id} describes its level ${lv} cache twice: one <cache> per level (libvirt: ${said(libvirt.cacheLevelTwice(lv))})` });
        }
        levels.add(lv);
      }
    }
    const interconnects = firstChild(firstChild(ctx.domain.cpu ?? undefined, 'numa'), 'interconnects');
    if (!interconnects) return;
    const completed = completedCellCpus(ctx.domain);
    const earlier: { el: XElement; initiator: number; target: number; cache: string; type: string }[] = [];
    for (const link of childElements(interconnects).filter((e) => e.namespace === null && (e.name === 'latency' || e.name === 'bandwidth'))) {
      const initiator = uintAttr(link, 'initiator');
      const target = uintAttr(link, 'target');
      if (initiator === null || target === null) continue;
      const me = { el: link, initiator: initiator.n, target: target.n, cache: attr(link, 'cache')?.value.trim() || '0', type: attr(link, 'type')?.value ?? '' };
      // libvirt compares each entry with the ones before it: the same entry twice, or a link given both ways.
      for (const o of earlier) {
        const at = ctx.doc.positionAt(o.el.startTag.start).line;
        if (o.el.name === link.name && o.initiator === me.initiator && o.target === me.target && o.cache === me.cache && o.type === me.type) {
          ctx.report({ node: link, message: `this <${link.name}> from cell ${me.initiator} to cell ${me.target} repeats the one on line ${at}: give each one once (libvirt: ${said(libvirt.latencyTwice())})` });
          break;
        }
        if (me.initiator !== me.target && o.initiator === me.target && o.target === me.initiator) {
          ctx.report({
            node: link,
            message: `the link between cells ${me.target} and ${me.initiator} is already given on line ${at} (from ${o.initiator} to ${o.target}): libvirt takes each link between two cells in one direction only, so remove this one (libvirt: ${said(libvirt.linkTwice())})`,
          });
          break;
        }
      }
      earlier.push(me);
      if (initiator.n >= n) {
        ctx.report({ node: initiator.a, message: `<${link.name}> initiator ${initiator.n} is not a guest cell (the cells are ${cellIdRange(n)}) (libvirt: ${said(libvirt.initiatorNotANode())})` });
        continue;
      }
      if (target.n >= n) {
        ctx.report({ node: target.a, message: `<${link.name}> target ${target.n} is not a guest cell (the cells are ${cellIdRange(n)}) (libvirt: ${said(libvirt.targetNotANode())})` });
        continue;
      }
      // After the QEMU driver has moved unlisted vCPUs to cell 0 (validation runs after post-parse).
      const from = cells.find((c) => c.id === initiator.n);
      const cpus = completed ? completed.cpus[initiator.n] : from && (from.cell.cpus === null ? [] : from.cpus);
      if (cpus !== undefined && cpus !== null && cpus.length === 0) {
        ctx.report({ node: initiator.a, message: `<${link.name}> initiator ${initiator.n} is a cell without vCPUs: an initiator is where memory accesses start, so it needs cpus='…' (libvirt: ${said(libvirt.initiatorWithoutCpus())})` });
      }
    }
  },
};

function uintAttr(el: XElement, name: string): { a: NonNullable<ReturnType<typeof attr>>; n: number } | null {
  const a = attr(el, name);
  const n = a ? parseUInt(a.value) : null;
  return a && n !== null ? { a, n } : null;
}
