import { formatKiBig, memoryTotals } from '../src/domain/memory.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'memory-current-clamped',
    description: '<currentMemory> of 0 or above the total memory: libvirt silently sets it to the total',
    severity: 'warn',
    stage: 'define',
    fixable: true,
    drivers: anyDriver('virDomainDefPostParseMemory (src/conf/domain_conf.c)'),
    docs: 'rules/memory-current-clamped.md',
  },
  check(ctx) {
    const d = ctx.domain;
    const cur = d.currentMemory;
    if (!cur || !cur.result.ok) return;
    const t = memoryTotals(d);
    if (t.totalKiB === null || t.totalKiB === 0n) return;
    const kib = BigInt(cur.result.kib);
    if (kib !== 0n && kib <= t.totalKiB) return;
    const total = t.fromCells ? `the total memory (${formatKiBig(t.totalKiB)}: the sum of the guest NUMA cells${t.devicesKiB ? ' and memory devices' : ''}, which replaces <memory>)` : `<memory> (${formatKiBig(t.totalKiB)})`;
    const why = kib === 0n ? 'is 0' : `(${formatKiBig(kib)}) is larger than ${total}`;
    // Write what libvirt stores: a copy of <memory> when the total is <memory>, else the total in KiB.
    const mem = d.memory;
    const copyMemory = !t.fromCells && mem && mem.result.ok;
    const text = copyMemory && mem.result.ok ? mem.result.value.toString() : t.totalKiB.toString();
    const unit = copyMemory ? (mem.unitAttr && mem.unitAttr.value !== '' ? mem.unitAttr.value : null) : 'KiB';
    const plain = cur.el.content !== null && cur.el.children.every((c) => c.kind === 'text');
    ctx.report({
      node: cur.el,
      message: `<currentMemory> ${why}: libvirt silently ${kib === 0n ? `replaces it with ${total}` : 'lowers it to that'}, ${t.totalKiB} KiB as dumpxml shows it, so the balloon target is the whole memory; write the target you mean (at most the total), or the total as libvirt stores it`,
      fix: plain
        ? (fixer) => {
            const edits = [fixer.replaceText(cur.el, text)];
            if (unit !== null) edits.push(fixer.setAttr(cur.el, 'unit', unit));
            else if (cur.unitAttr) edits.push(fixer.removeAttr(cur.unitAttr));
            return edits;
          }
        : undefined,
    });
  },
};
