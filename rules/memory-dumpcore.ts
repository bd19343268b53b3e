import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { anyDriver } from '../src/engine/drivers.js';
import type { FixFunction, Rule } from '../src/engine/types.js';
import { attr } from '../src/xml/tree.js';
import { libvirt } from '../src/libvirt/messages.js';

/** Words people write for on and off, mapped to the value libvirt wants. */
const MEANT: Record<string, 'on' | 'off'> = { on: 'on', yes: 'on', true: 'on', '1': 'on', enabled: 'on', off: 'off', no: 'off', false: 'off', '0': 'off', disabled: 'off' };

export const rule: Rule = {
  meta: {
    id: 'memory-dumpcore',
    description: "dumpCore on <memory> takes only 'on' or 'off' (not yes/no)",
    severity: 'error',
    stage: 'define',
    fixable: true,
    drivers: anyDriver('virDomainDefParseMemory (src/conf/domain_conf.c), via virXMLPropTristateSwitch'),
    docs: 'rules/memory-dumpcore.md',
  },
  check(ctx) {
    const mem = ctx.domain.allMemory[0];
    const a = mem ? attr(mem, 'dumpCore') : undefined;
    if (!a || a.value === 'on' || a.value === 'off') return;
    const meant = MEANT[a.value.trim().toLowerCase()];
    const fix: FixFunction | undefined = meant ? (fixer) => fixer.setAttrValue(a, meant) : undefined;
    ctx.report({
      node: a,
      message: `dumpCore='${a.value}' is not a value libvirt accepts: write ${meant ? `dumpCore='${meant}'` : "dumpCore='on' (guest memory goes into QEMU's core dumps) or 'off' (it stays out)"}, or remove the attribute for the driver's default (for QEMU, dump_guest_core in qemu.conf) (libvirt: ${renderLibvirtError(libvirt.invalidEnum('dumpCore', 'memory', a.value))})`,
      ...(fix ? { fix } : {}),
    });
  },
};
