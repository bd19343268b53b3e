import { effectivePages, type EffectivePage } from '../src/domain/hugepages.js';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';
import { refusedAsCopy } from '../src/libvirt/define-errors.js';

function sizeText(p: EffectivePage): string {
  return p.sizeKiB !== null ? String(p.sizeKiB) : (p.def?.size.text ?? '?');
}

function describe(p: EffectivePage): string {
  return p.nodesetDropped ? `a page whose nodeset='${p.def?.nodeset?.attr.value}' libvirt drops (the guest has no NUMA cells)` : 'a page without nodeset';
}

export const rule: Rule = {
  meta: {
    id: 'hugepage-master-pages',
    description: 'More than one <page> without nodeset (a page for all guest memory), counting nodeset="0" on a guest without NUMA cells',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['memoryBacking'],
    drivers: anyDriver('virDomainDefMemtuneValidate (src/conf/domain_validate.c)'),
    docs: 'rules/hugepage-master-pages.md',
  },
  check(ctx) {
    const pages = effectivePages(ctx.domain).filter((p) => p.def && !p.nodesetInvalid);
    const masters = pages.filter((p) => p.master);
    const first = masters[0];
    if (!first) return;
    const noNuma = ctx.domain.cells.length === 0;
    for (const page of masters.slice(1)) {
      if (refusedAsCopy(page, first)) continue;
      const line = ctx.doc.positionAt(first.el.startTag.start).line;
      const quoted = renderLibvirtError(libvirt.twoMasterHugepages(sizeText(page), sizeText(first)));
      const advice = noNuma
        ? 'a guest without NUMA cells uses one page size for all its memory: keep one of the two pages'
        : 'only one page may apply to the cells no nodeset names: give this page a nodeset or remove one of the two';
      ctx.report({
        node: page.def!.nodeset?.attr ?? page.el,
        message: `this is ${describe(page)}, and so is the page on line ${line}: ${advice} (libvirt: ${quoted})`,
      });
    }
  },
};
