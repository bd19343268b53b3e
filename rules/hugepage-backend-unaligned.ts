import { backendsOnRealPages, describeBackend, describeBackendSize } from '../src/domain/hugepages.js';
import { formatKiB } from '../src/domain/units.js';
import { qemuDriver } from '../src/engine/drivers.js';
import type { Rule } from '../src/engine/types.js';
import { qemu as qemuSays, qemuStartFailure } from '../src/libvirt/messages.js';

export const rule: Rule = {
  meta: {
    id: 'hugepage-backend-unaligned',
    description: 'Guest memory or a NUMA cell that is not a whole number of its huge pages: QEMU 9.1 and later refuse to start',
    severity: 'error',
    stage: 'start',
    fixable: false,
    needs: ['memoryBacking', 'memoryDevices'],
    drivers: qemuDriver("QEMU's memory backends (host_memory_backend_memory_complete), started by the QEMU driver"),
    // QEMU 7.2 rounds such a backend up instead (hugepage-backend-rounding)
    profiles: ['11.3'],
    docs: 'rules/hugepage-backend-unaligned.md',
  },
  check(ctx) {
    for (const { backend: b, page } of backendsOnRealPages(ctx.domain, ctx.host)) {
      // memfd backends, memory devices and backends smaller than a page fail earlier (hugepage-backend-size)
      if (b.sizeKiB === null || b.source !== 'file' || b.kind === 'device' || b.sizeKiB < page || b.sizeKiB % page === 0) continue;
      const down = Math.floor(b.sizeKiB / page) * page;
      const pageName = b.pageSizeKiB === 'default' ? `pages of the host's default size (${formatKiB(page)})` : `${formatKiB(page)} pages`;
      const qemu = qemuStartFailure(ctx.profile, qemuSays.backendNotPageMultiple(formatKiB(page)), ctx.domain.name);
      ctx.report({
        node: b.sizeNode,
        message: `${describeBackend(b)} (${describeBackendSize(b)}) is not a whole number of ${pageName}: QEMU 9.1 and later refuse backend ${b.id} instead of rounding it up; make it ${formatKiB(down)} or ${formatKiB(down + page)} (libvirt: ${qemu})`,
      });
    }
  },
};
