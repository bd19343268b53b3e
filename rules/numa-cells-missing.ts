import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import type { Rule } from '../src/engine/types.js';
import { childElements } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

export const rule: Rule = {
  meta: {
    id: 'numa-cells-missing',
    description: '<cpu><numa> must contain at least one <cell>',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['numa'],
    drivers: anyDriver('virDomainNumaDefParseXML (src/conf/numa_conf.c)'),
    docs: 'rules/numa-cells-missing.md',
  },
  check(ctx) {
    const numa = ctx.domain.numa;
    if (!numa || childElements(numa, 'cell').length > 0) return;
    const said = renderLibvirtError(libvirt.numaWithoutCells());
    ctx.report({
      node: numa,
      message: `<numa> has no <cell>: describe each guest NUMA node with <cell id='N' cpus='…' memory='…'/>, or remove <numa> for a guest without NUMA topology (libvirt: ${said})`,
      suggestions: [{ desc: 'Remove the empty <numa> element', fix: (fixer) => fixer.removeElement(numa) }],
    });
  },
};
