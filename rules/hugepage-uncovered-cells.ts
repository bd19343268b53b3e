import { describeBackend, effectivePages, memoryBackends, pageChoiceReliable, type MemoryBackend } from '../src/domain/hugepages.js';
import { formatNodeset } from '../src/domain/nodeset.js';
import { formatKiB } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import { qemuDriver } from '../src/engine/drivers.js';

function pageText(b: MemoryBackend): string {
  return b.pageSizeKiB === 'default' ? "the host's default huge page size" : `${formatKiB(b.pageSizeKiB as number)} pages`;
}

export const rule: Rule = {
  meta: {
    id: 'hugepage-uncovered-cells',
    description: 'Guest NUMA cells (or memory devices) that no <page> covers get ordinary memory while others get huge pages',
    severity: 'warn',
    stage: 'runtime',
    fixable: false,
    needs: ['numa'],
    drivers: qemuDriver('qemuBuildMemoryBackendProps (src/qemu/qemu_command.c), which picks each backend its page size'),
    docs: 'rules/hugepage-uncovered-cells.md',
  },
  check(ctx) {
    if (ctx.domain.cells.length === 0) return;
    if (!pageChoiceReliable(effectivePages(ctx.domain))) return;
    // Only <hugepages> makes cells silently differ; a device's own <pagesize> alone does not.
    if (effectivePages(ctx.domain).length === 0) return;
    const backends = memoryBackends(ctx.domain).filter((b) => b.kind !== 'ram');
    // Nothing unreadable (libvirt would refuse the domain anyway).
    if (backends.some((b) => b.pageUnreadable)) return;
    const huge = backends.filter((b) => b.pageSizeKiB !== null && b.pageOrigin?.kind === 'page');
    if (huge.length === 0) return;
    const hugeCells = huge.filter((b) => b.kind === 'cell').map((b) => b.cell as number);
    const others = hugeCells.length ? `guest cell${hugeCells.length === 1 ? '' : 's'} ${formatNodeset(hugeCells)} get${hugeCells.length === 1 ? 's' : ''} huge pages` : 'other memory gets huge pages';
    for (const b of backends) {
      // Not covered at all: no page chose anything for it (a 4 KiB page is a deliberate choice).
      if (b.pageOrigin !== null) continue;
      const size = b.sizeKiB !== null ? ` (${formatKiB(b.sizeKiB)})` : '';
      const fixHint =
        b.kind === 'cell'
          ? `add cell ${b.cell} to a <page nodeset> (or add one <page> without nodeset for all remaining cells) if it should use huge pages too`
          : `give it <source><pagesize> or cover its target cell with a <page nodeset> if it should use huge pages too`;
      ctx.report({
        node: b.el,
        message: `${describeBackend(b)}${size} is in no <page nodeset> and there is no <page> without nodeset, so it silently gets ordinary memory while ${others} (e.g. ${pageText(huge[0] as MemoryBackend)}): ${fixHint}`,
      });
    }
  },
};
