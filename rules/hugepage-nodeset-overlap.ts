import { effectivePages, type EffectivePage } from '../src/domain/hugepages.js';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { formatNodeset } from '../src/domain/nodeset.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';
import { refusedAsCopy } from '../src/libvirt/define-errors.js';

/** A page's size as libvirt prints it (KiB), or as written when unreadable. */
function sizeText(p: EffectivePage): string {
  return p.sizeKiB !== null ? String(p.sizeKiB) : (p.def?.size.text ?? '?');
}

export const rule: Rule = {
  meta: {
    id: 'hugepage-nodeset-overlap',
    description: 'Two <page> elements whose nodesets share a guest NUMA cell',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['memoryBacking'],
    drivers: anyDriver('virDomainDefMemtuneValidate (src/conf/domain_validate.c)'),
    docs: 'rules/hugepage-nodeset-overlap.md',
  },
  check(ctx) {
    const pages = effectivePages(ctx.domain);
    for (const [i, page] of pages.entries()) {
      if (!page.cells || !page.def?.nodeset) continue;
      // libvirt compares each page with the earlier ones and names the later page's size first (R1.7).
      for (const earlier of pages.slice(0, i)) {
        if (!earlier.cells || !earlier.def?.nodeset) continue;
        const shared = page.cells.filter((c) => earlier.cells!.includes(c));
        if (shared.length === 0) continue;
        if (refusedAsCopy(page, earlier)) break;
        const line = ctx.doc.positionAt(earlier.el.startTag.start).line;
        const quoted = renderLibvirtError(libvirt.hugepagesIntersect(sizeText(page), sizeText(earlier)));
        const cells = shared.length === 1 ? `cell ${shared[0]}` : `cells ${formatNodeset(shared)}`;
        ctx.report({
          node: page.def.nodeset.attr,
          message: `nodeset='${page.def.nodeset.attr.value}' shares guest ${cells} with the page on line ${line} (nodeset='${earlier.def.nodeset.attr.value}'): a guest cell can use only one page size, so remove ${shared.length === 1 ? 'it' : 'them'} from one of the two nodesets (libvirt: ${quoted})`,
        });
        break;
      }
    }
  },
};
