import { ksmImmunity, memoryBackends } from '../src/domain/hugepages.js';
import type { Rule } from '../src/engine/types.js';
import { qemuDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'ksm-nosharepages-redundant',
    description: '<nosharepages/> on a guest whose RAM KSM can never merge (all huge pages, or shared memory)',
    severity: 'warn',
    stage: 'style',
    fixable: false,
    needs: ['memoryBacking'],
    drivers: qemuDriver('the QEMU driver\'s mem-merge machine option (qemuBuildMachineCommandLine, src/qemu/qemu_command.c)'),
    docs: 'rules/ksm-nosharepages-redundant.md',
  },
  check(ctx) {
    const nsp = ctx.domain.memoryBacking?.nosharepages;
    if (!nsp) return;
    const backends = memoryBackends(ctx.domain);
    if (backends.length === 0 || backends.some((b) => b.pageUnreadable)) return;
    const why = backends.map(ksmImmunity);
    if (why.some((w) => w === null)) return;
    const kinds = [...new Set(why)] as string[];
    const what =
      kinds.length === 2
        ? 'all guest RAM is on huge pages or shared memory'
        : kinds[0] === 'huge pages'
          ? 'all guest RAM is on huge pages'
          : 'all guest RAM is shared memory (memfd or access mode=\'shared\')';
    ctx.report({
      node: nsp,
      message: `<nosharepages/> changes nothing here: ${what}, and KSM only merges private anonymous pages (the kernel ignores MADV_MERGEABLE on hugetlb and shared mappings); it is harmless, but it will only matter if that backing is removed`,
      suggestions: [{ desc: 'Remove <nosharepages/>', fix: (f) => f.removeElement(nsp) }],
    });
  },
};
