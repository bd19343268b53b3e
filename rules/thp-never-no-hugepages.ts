import { memoryBackends } from '../src/domain/hugepages.js';
import { formatKiBig } from '../src/domain/memory.js';
import type { Rule } from '../src/engine/types.js';
import { qemuDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'thp-never-no-hugepages',
    description: 'Transparent huge pages are off on the host and no <hugepages> back the guest RAM: every guest page is a 4 KiB page',
    severity: 'warn',
    stage: 'runtime',
    fixable: false,
    drivers: qemuDriver('the QEMU driver\'s memory backends (qemuBuildMemoryBackendProps, src/qemu/qemu_command.c): ordinary guest RAM is the QEMU process\'s anonymous memory'),
    needsHost: true,
    docs: 'rules/thp-never-no-hugepages.md',
  },
  check(ctx) {
    const host = ctx.host;
    if (!host || host.thp.enabled !== 'never') return;
    const backends = memoryBackends(ctx.domain);
    if (backends.length === 0 || backends.some((b) => b.pageUnreadable)) return;
    // memory-backend-ram without huge pages: anonymous memory, which only THP could give 2 MiB pages.
    const plain = backends.filter((b) => b.pageSizeKiB === null && b.source === 'anonymous');
    if (plain.length === 0) return;
    const all = plain.length === backends.length;
    // Summed exactly: cells or devices can add up past 2^53 KiB (memory-align-overflow's finding).
    const kib = plain.reduce((s, b) => s + BigInt(b.sizeKiB ?? 0), 0n);
    const size = kib > 0n ? ` (${formatKiBig(kib)})` : '';
    const what = all ? `no <hugepages> back this guest's RAM${size}` : `no huge page covers ${plain.map((b) => b.id).join(', ')}${size}`;
    const node = ctx.domain.memoryBacking?.el ?? (all ? ctx.domain.memory?.el : undefined) ?? plain[0]?.el ?? ctx.domain.root;
    ctx.report({
      node,
      message: `transparent huge pages are 'never' on this host and ${what}: that memory gets 4 KiB pages only, so memory-heavy workloads pay for many more TLB misses; reserve huge pages and add <memoryBacking><hugepages/>, or set THP to 'madvise' (QEMU marks guest RAM MADV_HUGEPAGE)`,
    });
  },
};
