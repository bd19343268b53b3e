import { backendsOnRealPages, describeBackend, describeBackendSize } from '../src/domain/hugepages.js';
import { formatKiB } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import { qemuDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'hugepage-backend-rounding',
    description: 'Guest memory or a NUMA cell that is not a whole number of its huge pages (QEMU rounds up; the rest is wasted)',
    severity: 'warn',
    stage: 'runtime',
    fixable: false,
    needs: ['memoryBacking', 'memoryDevices'],
    // QEMU 9.1 and later refuse such a backend instead (hugepage-backend-unaligned)
    profiles: ['9.0'],
    drivers: qemuDriver('QEMU\'s memory backends (host_memory_backend_memory_complete), started by the QEMU driver'),
    docs: 'rules/hugepage-backend-rounding.md',
  },
  check(ctx) {
    for (const { backend: b, page } of backendsOnRealPages(ctx.domain, ctx.host)) {
      // memfd backends and memory devices cannot round, and smaller than a page fails outright
      // (all hugepage-backend-size).
      if (b.sizeKiB === null || b.source === 'memfd' || b.kind === 'device' || b.sizeKiB < page) continue;
      const rest = b.sizeKiB % page;
      if (rest === 0) continue;
      const pages = Math.ceil(b.sizeKiB / page);
      const mapped = pages * page;
      const pageName = b.pageSizeKiB === 'default' ? `pages of the host's default size (${formatKiB(page)})` : `${formatKiB(page)} pages`;
      ctx.report({
        node: b.sizeNode,
        message: `${describeBackend(b)} (${describeBackendSize(b)}) is not a whole number of ${pageName}: QEMU rounds backend ${b.id} up to ${pages} pages (${formatKiB(mapped)}), so ${formatKiB(mapped - b.sizeKiB)} of huge pages is reserved and never used by the guest; make it ${formatKiB(mapped - page)} or ${formatKiB(mapped)}`,
      });
    }
  },
};
