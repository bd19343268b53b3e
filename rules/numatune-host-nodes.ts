import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { formatNodeset } from '../src/domain/nodeset.js';
import { hostNodesetUses } from '../src/domain/numa.js';
import type { Rule } from '../src/engine/types.js';
import { qemuDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

export const rule: Rule = {
  meta: {
    id: 'numatune-host-nodes',
    description: 'Host nodesets (<numatune>, memory device <nodemask>) must name NUMA nodes the host has',
    severity: 'error',
    stage: 'start',
    fixable: false,
    drivers: qemuDriver('virNumaNodesetIsAvailable (src/util/virnuma.c), which the QEMU driver calls at start (qemuProcessStartValidateXML and the memory backends)'),
    needsHost: true,
    docs: 'rules/numatune-host-nodes.md',
  },
  check(ctx) {
    const nodes = ctx.host?.nodes;
    // Unknown (or an empty list, which no Linux host has): say nothing.
    if (!nodes || nodes.length === 0) return;
    const have = new Set(nodes.map((n) => n.id));
    const hostSet = formatNodeset([...have]);
    const done = new Set<unknown>();
    for (const use of hostNodesetUses(ctx.domain)) {
      if (done.has(use.origin)) continue;
      done.add(use.origin);
      const missing = use.nodes.filter((n) => !have.has(n));
      const firstMissing = missing[0];
      if (firstMissing === undefined) continue;
      const said = renderLibvirtError(libvirt.hostNodeUnavailable(firstMissing));
      const what = use.use === 'device' ? 'the memory device' : use.use === 'cell' ? `guest cell ${use.cellId}` : 'the guest memory';
      ctx.report({
        node: use.origin,
        message: `host node${missing.length === 1 ? '' : 's'} ${formatNodeset(missing)} named for ${what} ${missing.length === 1 ? 'does' : 'do'} not exist on this host, which has node${have.size === 1 ? '' : 's'} ${hostSet}: the guest cannot start here; name nodes the host has (libvirt: ${said})`,
      });
    }
  },
};
