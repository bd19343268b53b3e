import { memoryAllocationMode, memorySourceType } from '../src/domain/hugepages.js';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import type { Rule } from '../src/engine/types.js';
import { attr } from '../src/xml/tree.js';
import { qemuDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

export const rule: Rule = {
  meta: {
    id: 'hugepage-source-conflict',
    description: 'Huge pages together with <source type="anonymous"/> or <allocation mode="ondemand"/>, which libvirt refuses',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['memoryBacking'],
    drivers: qemuDriver('qemuValidateDomainDefMemory (src/qemu/qemu_validate.c)'),
    docs: 'rules/hugepage-source-conflict.md',
  },
  check(ctx) {
    const mb = ctx.domain.memoryBacking;
    if (!mb?.hugepages) return;
    const where = ctx.doc.positionAt(mb.hugepages.startTag.start).line;
    if (memoryAllocationMode(ctx.domain) === 'ondemand' && mb.allocation) {
      ctx.report({
        node: attr(mb.allocation, 'mode') ?? mb.allocation,
        message: `<allocation mode='ondemand'/> conflicts with the <hugepages> on line ${where}: huge pages are always allocated when the guest starts. Remove the allocation mode, or remove <hugepages> if memory should be allocated on demand (libvirt: ${renderLibvirtError(libvirt.hugepagesWithOndemand())})`,
      });
    }
    if (memorySourceType(ctx.domain) === 'anonymous' && mb.source) {
      ctx.report({
        node: attr(mb.source, 'type') ?? mb.source,
        message: `<source type='anonymous'/> conflicts with the <hugepages> on line ${where}: huge pages come from a hugetlbfs file or a memfd, never from anonymous memory. Remove the <source> (or use type='memfd'), or remove <hugepages> (libvirt: ${renderLibvirtError(libvirt.hugepagesWithAnonymous())})`,
      });
    }
  },
};
