import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import type { MemtuneLimitName, SizeValue } from '../src/domain/model.js';
import type { Rule } from '../src/engine/types.js';
import { removeLimit } from '../src/domain/schema-table.js';
import { UNLIMITED_WORDS } from '../src/domain/units.js';
import { anyDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'memtune-unlimited',
    description: "A memtune limit written as a word for \"no limit\" ('unlimited', -1, …): libvirt wants a number; leave the element out instead",
    severity: 'error',
    stage: 'define',
    fixable: true,
    needs: ['memtune'],
    drivers: anyDriver('virDomainParseMemoryLimit (src/conf/domain_conf.c)'),
    docs: 'rules/memtune-unlimited.md',
  },
  check(ctx) {
    const mt = ctx.domain.memtune;
    if (!mt) return;
    for (const [name, v] of Object.entries(mt.limits) as [MemtuneLimitName, SizeValue][]) {
      const r = v.result;
      if (r.ok || r.reason !== 'invalid' || !UNLIMITED_WORDS.test(v.text ?? '')) continue;
      const word = (v.text ?? '').trim();
      const advice =
        name === 'min_guarantee'
          ? 'min_guarantee takes a size, and the QEMU driver does not support it at all: remove the element'
          : `"no limit" is written by leaving <${name}> out (virsh memtune --${name.replace(/_/g, '-')} -1 means the same, but the XML takes only numbers): remove the element`;
      ctx.report({
        node: v.el,
        message: `<${name}>${word}</${name}> is not a number: ${advice} (libvirt: ${renderLibvirtError(r.error)})`,
        fix: (fixer) => removeLimit(ctx.domain.memtune, fixer, name, v.el),
      });
    }
  },
};
