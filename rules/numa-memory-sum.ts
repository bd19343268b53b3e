import { kibOf } from '../src/domain/model.js';
import { memoryTotals } from '../src/domain/memory.js';
import { formatKiB, parseUnit } from '../src/domain/units.js';

/** `N KiB`, plus the size in a larger unit when one divides it (`4194304 KiB (4 GiB)`). */
function kib(n: number): string {
  const nice = formatKiB(n);
  return nice.endsWith(' KiB') ? `${n} KiB` : `${n} KiB (${nice})`;
}
import type { Rule } from '../src/engine/types.js';
import { childElements } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';

/** `kib` written in `unit` when that is exact, else null. */
function inUnit(kib: number, unit: string): bigint | null {
  const info = parseUnit(unit);
  if (!info) return null;
  const bytes = BigInt(kib) * 1024n;
  return bytes % info.multiplier === 0n ? bytes / info.multiplier : null;
}

export const rule: Rule = {
  meta: {
    id: 'numa-memory-sum',
    description: '<memory> should equal the guest NUMA cells (plus memory devices): libvirt replaces it by that sum',
    severity: 'warn',
    stage: 'define',
    fixable: true,
    needs: ['numa'],
    drivers: anyDriver('virDomainDefPostParseMemory (src/conf/domain_conf.c)'),
    docs: 'rules/numa-memory-sum.md',
  },
  check(ctx) {
    const d = ctx.domain;
    const mem = d.memory;
    // The sum libvirt stores (R4.2); sums beyond 2^53 KiB are memory-align-overflow's finding.
    const t = memoryTotals(d);
    if (!t.fromCells || t.totalKiB === null || t.totalKiB > BigInt(Number.MAX_SAFE_INTEGER)) return;
    const total = Number(t.totalKiB);
    const written = kibOf(mem);
    if (!mem || written === null || written === total) return;
    const cells = Number(t.cellsKiB);
    const devices = Number(t.devicesKiB);
    const parts = devices > 0 ? `the ${d.cells.length} cells, ${kib(cells)}, plus the memory devices, ${kib(devices)}` : `its ${d.cells.length} cell${d.cells.length === 1 ? '' : 's'}`;
    let current = '';
    const cur = kibOf(d.currentMemory);
    if (cur !== null && cur > total) current = `; <currentMemory> of ${kib(cur)} is clamped to ${total} KiB`;
    else if (cur !== null && cur > 0 && cur < total && cur >= written) current = `; <currentMemory> stays ${kib(cur)}, so the guest boots with ${kib(total - cur)} ballooned away`;
    ctx.report({
      node: mem.el,
      message: `<memory> is ${kib(written)}, but libvirt silently replaces it by the sum of ${parts}: ${kib(total)}${current}. Set <memory> to ${total} KiB, or resize the cells if ${written} KiB was meant`,
      fix: (fixer) => {
        // The element must hold only its number (no comments or child elements to keep).
        if (childElements(mem.el).length > 0 || mem.el.children.some((c) => c.kind === 'comment' || c.kind === 'pi')) return null;
        const unit = mem.unitAttr?.value ?? '';
        const same = inUnit(total, unit);
        if (same !== null) return fixer.replaceText(mem.el, String(same));
        const edits = [fixer.replaceText(mem.el, String(total))];
        if (mem.unitAttr) edits.push(fixer.setAttrValue(mem.unitAttr, 'KiB'));
        return edits;
      },
    });
  },
};
