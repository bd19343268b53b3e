import { effectivePages } from '../src/domain/hugepages.js';
import { needsNonX86Host, SYSTEM_PAGE_KIB } from '../src/libvirt/arch.js';
import type { SizeValue } from '../src/domain/model.js';
import type { Rule } from '../src/engine/types.js';
import { qemuDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'hugepage-system-page-size',
    description: 'A huge page size of 4 KiB, which libvirt treats as "no huge pages"',
    severity: 'warn',
    stage: 'runtime',
    fixable: false,
    needs: ['memoryBacking', 'memoryDevices'],
    drivers: qemuDriver('qemuBuildMemoryBackendProps (src/qemu/qemu_command.c), which treats the system page size as no huge pages'),
    docs: 'rules/hugepage-system-page-size.md',
  },
  check(ctx) {
    if (needsNonX86Host(ctx.domain)) return;
    const found: { size: SizeValue; whose: string }[] = [];
    for (const p of effectivePages(ctx.domain)) {
      if (!p.def || p.sizeKiB !== SYSTEM_PAGE_KIB) continue;
      const whose = p.cells ? `guest cell${p.cells.length === 1 ? '' : 's'} ${p.def.nodeset!.attr.value}` : 'the guest memory this page applies to';
      found.push({ size: p.def.size, whose });
    }
    for (const d of ctx.domain.memoryDevices) {
      if (d.pagesize?.result.ok && d.pagesize.result.kib === SYSTEM_PAGE_KIB) found.push({ size: d.pagesize, whose: `this ${d.model ?? 'memory'} device` });
    }
    for (const { size, whose } of found) {
      const written = size.valueAttr ? `size='${size.text}'${size.unit ? ` unit='${size.unit}'` : ''}` : `${size.text}${size.unit ? ` ${size.unit}` : ' (KiB)'}`;
      ctx.report({
        node: size.valueAttr ?? size.el,
        message: `${written} is 4 KiB, the ordinary x86 page size: libvirt treats it as "no huge pages", so ${whose} gets ordinary memory (not preallocated, no hugetlbfs). If you meant huge pages, use 2 MiB or 1 GiB`,
      });
    }
  },
};
