import { ksmImmunity, memoryBackends } from '../src/domain/hugepages.js';
import { createContainer, insertInOrder } from '../src/domain/schema-table.js';
import type { Rule } from '../src/engine/types.js';
import { childElements, firstChild, type XElement } from '../src/xml/tree.js';
import { qemuDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'ksm-latency-hint',
    description: 'KSM is running on the host and a latency-tuned guest (<locked/>, pinned vCPUs) lets it merge its RAM: consider <nosharepages/>',
    severity: 'warn',
    stage: 'runtime',
    fixable: false,
    drivers: qemuDriver('the QEMU driver\'s mem-merge machine option (qemuBuildMachineCommandLine, src/qemu/qemu_command.c)'),
    needsHost: true,
    schema: {
      type: 'object',
      properties: {
        plainGuests: { type: 'boolean', description: 'Also hint for guests without latency settings whose RAM is not on huge pages.' },
      },
      additionalProperties: false,
    },
    defaultOptions: { plainGuests: false },
    docs: 'rules/ksm-latency-hint.md',
  },
  check(ctx) {
    const host = ctx.host;
    if (!host || host.ksm.run !== 1) return;
    const domain = ctx.domain;
    const mb = domain.memoryBacking;
    if (mb?.nosharepages) return;
    const backends = memoryBackends(domain);
    if (backends.length === 0 || backends.some((b) => b.pageUnreadable)) return;
    const mergeable = backends.filter((b) => ksmImmunity(b) === null);
    if (mergeable.length === 0) return;

    const cputune = firstChild(domain.root, 'cputune');
    const pins = cputune ? childElements(cputune, 'vcpupin') : [];
    const signals: string[] = [];
    if (mb?.locked) signals.push('<locked/>');
    if (pins.length) signals.push('vCPUs pinned with <vcpupin>');
    const noHuge = backends.every((b) => b.pageSizeKiB === null);
    if (signals.length === 0 && !(ctx.options.plainGuests === true && noHuge)) return;

    const node: XElement = mb?.locked ?? pins[0] ?? mb?.el ?? domain.root;
    const which = mergeable.length === backends.length ? 'its RAM' : `RAM of ${mergeable.map((b) => b.id).join(', ')}`;
    const merged = host.ksm.pagesSharing ? `, ${host.ksm.pagesSharing} pages merged right now` : '';
    const tuned = signals.length ? `this guest is tuned for latency (${signals.join(', ')}) but` : 'this guest has no huge pages and';
    ctx.report({
      node,
      message: `ksmd is running on this host (ksm/run = 1${merged}) and ${tuned} lets KSM scan and merge ${which}: a write to a merged page takes a copy-on-write fault, and ksmd spends host CPU scanning; add <nosharepages/> to <memoryBacking> (QEMU then runs with mem-merge=off), or back the guest with huge pages`,
      suggestions: [
        {
          desc: 'Add <nosharepages/> to <memoryBacking>',
          fix: (f) => (mb ? insertInOrder(f, mb.el, 'nosharepages', '<nosharepages/>') : createContainer(f, domain.root, 'memoryBacking', '<nosharepages/>')),
        },
      ],
    });
  },
};
