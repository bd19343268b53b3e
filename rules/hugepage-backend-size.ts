import { backendsOnRealPages, describeBackend, describeBackendSize } from '../src/domain/hugepages.js';
import { formatKiB } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import { qemuDriver } from '../src/engine/drivers.js';

const hex = (kib: number): string => `0x${(BigInt(kib) * 1024n).toString(16)}`;

export const rule: Rule = {
  meta: {
    id: 'hugepage-backend-size',
    description: 'Guest memory, a NUMA cell or a memory device too small for its huge page size, or a memory device (or memfd) that is not whole pages: QEMU refuses to start',
    severity: 'error',
    stage: 'start',
    fixable: false,
    needs: ['memoryBacking', 'memoryDevices'],
    drivers: qemuDriver('QEMU\'s memory backends (host_memory_backend_memory_complete), started by the QEMU driver'),
    docs: 'rules/hugepage-backend-size.md',
  },
  check(ctx) {
    for (const { backend: b, page } of backendsOnRealPages(ctx.domain, ctx.host)) {
      if (b.sizeKiB === null || b.sizeKiB === 0) continue;
      const pageName = b.pageSizeKiB === 'default' ? `the host's default huge page size (${formatKiB(page)})` : `its ${formatKiB(page)} page size`;
      if (b.source === 'memfd') {
        if (b.sizeKiB % page === 0) continue;
        const down = Math.floor(b.sizeKiB / page) * page;
        const sizes = down > 0 ? `${formatKiB(down)} or ${formatKiB(down + page)}` : formatKiB(page);
        ctx.report({
          node: b.sizeNode,
          message: `${describeBackend(b)} (${describeBackendSize(b)}) is not a whole number of pages of ${pageName}: a hugetlb memfd can only be sized in whole pages, so QEMU cannot size backend ${b.id}; make it ${sizes} (QEMU: failed to resize memfd to ${BigInt(b.sizeKiB) * 1024n}: Invalid argument)`,
        });
        continue;
      }
      if (b.sizeKiB >= page && b.kind === 'device' && b.sizeKiB % page !== 0) {
        // A memory device must be whole pages: QEMU refuses it when plugging the DIMM (observed).
        const down = Math.floor(b.sizeKiB / page) * page;
        ctx.report({
          node: b.sizeNode,
          message: `${describeBackend(b)} (${describeBackendSize(b)}) is not a whole number of pages of ${pageName}: QEMU does not round memory devices up but refuses them; make it ${formatKiB(down)} or ${formatKiB(down + page)} (QEMU: backend memory size must be multiple of ${hex(page)})`,
        });
        continue;
      }
      if (b.sizeKiB >= page) continue;
      ctx.report({
        node: b.sizeNode,
        message: `${describeBackend(b)} (${describeBackendSize(b)}) is smaller than ${pageName}: QEMU refuses to create backend ${b.id}; give it at least ${formatKiB(page)} or use smaller pages (QEMU: memory size ${hex(b.sizeKiB)} must be equal to or larger than page size ${hex(page)})`,
      });
    }
  },
};
