import { renderLibvirtError, type LibvirtError } from '../src/domain/libvirt-error.js';
import { guestCells, resolveNumatune, type ResolvedMemnode } from '../src/domain/numa.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

const said = (e: LibvirtError): string => renderLibvirtError(e);

export const rule: Rule = {
  meta: {
    id: 'numatune-memnode',
    description: '<memnode> needs guest NUMA cells, static placement, a valid unique cellid and a nodeset',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['numatune'],
    drivers: anyDriver('virDomainNumatuneNodeParseXML (src/conf/numa_conf.c)'),
    docs: 'rules/numatune-memnode.md',
  },
  check(ctx) {
    const nt = resolveNumatune(ctx.domain);
    const memnodes = nt.memnodes;
    const first = memnodes[0];
    if (!first) return;
    // Whole-<numatune> conditions: libvirt stops at the first <memnode> with these.
    if (nt.specified && nt.placement === 'auto') {
      const why = nt.autoFromVcpu ? "<vcpu placement='auto'> makes NUMA memory placement automatic" : "<memory placement='auto'> lets numad choose the host nodes";
      const said = renderLibvirtError(libvirt.memnodeWithAutoPlacement());
      ctx.report({ node: first.memnode.el, message: `<memnode> binds a guest cell to host nodes, but ${why}: drop the <memnode> elements or use static placement (libvirt: ${said})` });
      return;
    }
    const n = ctx.domain.cells.length;
    if (n === 0) {
      ctx.report({
        node: first.memnode.el,
        message: `<memnode> binds a guest NUMA cell, but the guest has no NUMA cells: define <cpu><numa><cell …/></numa></cpu>, or bind all guest memory with <memory nodeset='…'/> instead (libvirt: ${said(libvirt.memnodeWithoutCells())})`,
      });
      return;
    }
    const ids = guestCells(ctx.domain).cells.map((c) => c.id);
    const cellRange = n === 1 ? 'cell 0' : `cells 0-${n - 1}`;
    const seen = new Map<number, ResolvedMemnode>();
    for (const m of memnodes) {
      const { memnode } = m;
      if (!memnode.cellid) {
        ctx.report({ node: memnode.el, message: `<memnode> without cellid: say which guest cell (${cellRange}) it binds (libvirt: ${said(libvirt.missingAttribute('cellid', 'memnode'))})` });
      } else if (m.cellid === null) {
        ctx.report({
          node: memnode.cellid,
          message: `cellid '${memnode.cellid.value}' is not a guest cell number: use one of ${cellRange} (libvirt: ${said(libvirt.invalidUInt('cellid', 'memnode', memnode.cellid.value))})`,
        });
      } else if (m.cellid >= n) {
        ctx.report({
          node: memnode.cellid,
          message: `cellid ${m.cellid} names no guest cell: the domain has ${n} cell${n === 1 ? '' : 's'} (${n === 1 ? '0' : `0-${n - 1}`})${ids.includes(m.cellid) ? ` — a cell says id='${m.cellid}', but libvirt counts cells, not ids` : ''} (libvirt: ${said(libvirt.memnodeCellMissing())})`,
        });
      } else {
        const prev = seen.get(m.cellid);
        if (prev) {
          const line = ctx.doc.positionAt(prev.memnode.el.startTag.start).line;
          ctx.report({
            node: memnode.cellid,
            message: `second <memnode> for cell ${m.cellid} (the first is on line ${line}): keep one per cell (libvirt: ${said(libvirt.memnodeTwice(m.cellid))})`,
          });
        } else {
          seen.set(m.cellid, m);
        }
      }
      if (nt.specified && nt.mode === 'restrictive' && m.mode !== null && m.mode !== 'restrictive') {
        const modeText = memnode.mode ? `mode='${memnode.mode.value}'` : "no mode, which means 'strict'";
        ctx.report({
          node: memnode.mode ?? memnode.el,
          message: `<memory mode='restrictive'> requires every <memnode> to be restrictive, and this one has ${modeText}: set mode='restrictive' here, or change the domain-wide mode (libvirt: ${said(libvirt.memnodeMustBeRestrictive())})`,
        });
      }
      const memoryRestrictive = nt.specified && nt.mode === 'restrictive';
      if (ctx.profile.restrictiveMemnodeNeedsRestrictiveMemory && m.mode === 'restrictive' && !memoryRestrictive) {
        const memoryText = nt.specified ? `<memory mode='${nt.mode}'>` : "no <memory>, which counts as mode='strict'";
        ctx.report({
          node: memnode.mode ?? memnode.el,
          message: `a restrictive <memnode> needs <memory mode='restrictive'>, and the domain has ${memoryText}: libvirt 9.4 and later refuse this at define and at every start; make <memory> restrictive, or drop mode='restrictive' here (libvirt: ${said(libvirt.memoryMustBeRestrictive())})`,
        });
      }
      if (!memnode.nodeset) {
        ctx.report({
          node: memnode.el,
          message: `<memnode> without nodeset: name the host NUMA nodes for ${m.cellid === null ? 'the cell' : `cell ${m.cellid}`} (nodeset='0-1') (libvirt: ${said(libvirt.memnodeWithoutNodeset())})`,
        });
      }
    }
  },
};
