import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { cellCount, effectivePages } from '../src/domain/hugepages.js';
import { formatNodeset } from '../src/domain/nodeset.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

export const rule: Rule = {
  meta: {
    id: 'hugepage-nodeset-cells',
    description: '<page nodeset> must name guest NUMA cells that exist (it lists guest cells, not host nodes)',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['memoryBacking'],
    drivers: anyDriver('virDomainDefMemtuneValidate (src/conf/domain_validate.c)'),
    docs: 'rules/hugepage-nodeset-cells.md',
  },
  check(ctx) {
    const n = cellCount(ctx.domain);
    for (const page of effectivePages(ctx.domain)) {
      const nodeset = page.def?.nodeset;
      if (!nodeset || page.cells === null) continue;
      // libvirt reports the first set bit above the last cell id (R1.6).
      const missing = page.cells.filter((c) => c >= n);
      const first = missing[0];
      if (first === undefined) continue;
      const quoted = renderLibvirtError(libvirt.hugepagesNodeNotFound(first));
      const which = missing.length === 1 ? `guest NUMA cell ${first}` : `guest NUMA cells ${formatNodeset(missing)}`;
      const message =
        n === 0
          ? `nodeset='${nodeset.attr.value}' names ${which}, but the domain defines no guest NUMA cells: nodeset lists guest cells (<cpu><numa><cell>), not host nodes. Define the guest cells, or drop the nodeset and bind host nodes with <numatune> (libvirt: ${quoted})`
          : `nodeset='${nodeset.attr.value}' names ${which}, but the domain has ${n} guest NUMA cell${n === 1 ? '' : 's'} (${n === 1 ? '0' : `0-${n - 1}`}): add the missing cell${missing.length === 1 ? '' : 's'} under <cpu><numa> or remove ${missing.length === 1 ? 'it' : 'them'} from the nodeset (libvirt: ${quoted})`;
      ctx.report({ node: nodeset.attr, message });
    }
  },
};
