import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { guestCells, invalidUIntError, resolveNumatune, type ResolvedMemnode } from '../src/domain/numa.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';

const xml = (text: string): string => renderLibvirtError({ code: 'xml-error', text });

export const rule: Rule = {
  meta: {
    id: 'numatune-memnode',
    description: '<memnode> needs guest NUMA cells, static placement, a valid unique cellid and a nodeset',
    severity: 'error',
    stage: 'define',
    fixable: false,
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
      const said = renderLibvirtError({ code: 'config-unsupported', text: 'Per-node binding is not compatible with automatic NUMA placement.' });
      ctx.report({ node: first.memnode.el, message: `<memnode> binds a guest cell to host nodes, but ${why}: drop the <memnode> elements or use static placement (libvirt: ${said})` });
      return;
    }
    const n = ctx.domain.cells.length;
    if (n === 0) {
      ctx.report({
        node: first.memnode.el,
        message: `<memnode> binds a guest NUMA cell, but the guest has no NUMA cells: define <cpu><numa><cell …/></numa></cpu>, or bind all guest memory with <memory nodeset='…'/> instead (libvirt: ${xml("Element 'memnode' is invalid without any guest NUMA cells")})`,
      });
      return;
    }
    const ids = guestCells(ctx.domain).cells.map((c) => c.id);
    const cellRange = n === 1 ? 'cell 0' : `cells 0-${n - 1}`;
    const seen = new Map<number, ResolvedMemnode>();
    for (const m of memnodes) {
      const { memnode } = m;
      if (!memnode.cellid) {
        ctx.report({ node: memnode.el, message: `<memnode> without cellid: say which guest cell (${cellRange}) it binds (libvirt: ${xml("Missing required attribute 'cellid' in element 'memnode'")})` });
      } else if (m.cellid === null) {
        ctx.report({
          node: memnode.cellid,
          message: `cellid '${memnode.cellid.value}' is not a guest cell number: use one of ${cellRange} (libvirt: ${renderLibvirtError(invalidUIntError('cellid', 'memnode', memnode.cellid.value))})`,
        });
      } else if (m.cellid >= n) {
        ctx.report({
          node: memnode.cellid,
          message: `cellid ${m.cellid} names no guest cell: the domain has ${n} cell${n === 1 ? '' : 's'} (${n === 1 ? '0' : `0-${n - 1}`})${ids.includes(m.cellid) ? ` — a cell says id='${m.cellid}', but libvirt counts cells, not ids` : ''} (libvirt: ${xml("Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell")})`,
        });
      } else {
        const prev = seen.get(m.cellid);
        if (prev) {
          const line = ctx.doc.positionAt(prev.memnode.el.startTag.start).line;
          ctx.report({
            node: memnode.cellid,
            message: `second <memnode> for cell ${m.cellid} (the first is on line ${line}): keep one per cell (libvirt: ${xml(`Multiple memnode elements with cellid ${m.cellid}`)})`,
          });
        } else {
          seen.set(m.cellid, m);
        }
      }
      if (nt.specified && nt.mode === 'restrictive' && m.mode !== null && m.mode !== 'restrictive') {
        const modeText = memnode.mode ? `mode='${memnode.mode.value}'` : "no mode, which means 'strict'";
        ctx.report({
          node: memnode.mode ?? memnode.el,
          message: `<memory mode='restrictive'> requires every <memnode> to be restrictive, and this one has ${modeText}: set mode='restrictive' here, or change the domain-wide mode (libvirt: ${xml("'restrictive' mode is required in memnode element when mode is 'restrictive' in memory element")})`,
        });
      }
      const memoryRestrictive = nt.specified && nt.mode === 'restrictive';
      if (ctx.profile.restrictiveMemnodeNeedsRestrictiveMemory && m.mode === 'restrictive' && !memoryRestrictive) {
        const memoryText = nt.specified ? `<memory mode='${nt.mode}'>` : "no <memory>, which counts as mode='strict'";
        ctx.report({
          node: memnode.mode ?? memnode.el,
          message: `a restrictive <memnode> needs <memory mode='restrictive'>, and the domain has ${memoryText}: libvirt 9.4 and later refuse this at define and at every start; make <memory> restrictive, or drop mode='restrictive' here (libvirt: ${xml("'restrictive' mode is required in memory element when mode is 'restrictive' in memnode element")})`,
        });
      }
      if (!memnode.nodeset) {
        ctx.report({
          node: memnode.el,
          message: `<memnode> without nodeset: name the host NUMA nodes for ${m.cellid === null ? 'the cell' : `cell ${m.cellid}`} (nodeset='0-1') (libvirt: ${xml('Missing required nodeset attribute in memnode element')})`,
        });
      }
    }
  },
};
