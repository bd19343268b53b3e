import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'numa-cell-cpus-syntax',
    description: 'Guest NUMA cell cpus must be a vCPU list libvirt can parse',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['numa'],
    drivers: anyDriver('virDomainNumaDefParseXML (src/conf/numa_conf.c) via virBitmapParse'),
    docs: 'rules/numa-cell-cpus-syntax.md',
  },
  check(ctx) {
    for (const c of ctx.domain.cells) {
      const cpus = c.cpus;
      if (!cpus || cpus.parsed.ok || cpus.parsed.reason !== 'syntax') continue;
      ctx.report({
        node: cpus.attr,
        message: `cpus '${cpus.attr.value}' is not a vCPU list: write vCPU ids and ranges such as 0-3,6 (or leave cpus out for a cell without vCPUs) (libvirt: ${renderLibvirtError(cpus.parsed.error)})`,
      });
    }
  },
};
