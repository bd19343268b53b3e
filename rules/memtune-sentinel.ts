import type { MemtuneLimitName, SizeValue } from '../src/domain/model.js';
import { KIB_UNLIMITED } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { removeLimit } from '../src/domain/schema-table.js';

function means(name: MemtuneLimitName, v: SizeValue): string | null {
  const r = v.result;
  if (!r.ok) return r.reason === 'absent' ? 'is empty, which libvirt reads as not set' : null;
  if (name === 'min_guarantee') return r.kib === 0 ? 'is 0, which means no guarantee' : null;
  return r.kib === KIB_UNLIMITED ? `is ${KIB_UNLIMITED} KiB, libvirt's value for "no limit"` : null;
}

export const rule: Rule = {
  meta: {
    id: 'memtune-sentinel',
    description: "memtune values that mean \"not set\" (9007199254740991 KiB, an empty element, min_guarantee 0): libvirt drops them from dumpxml",
    severity: 'warn',
    stage: 'style',
    fixable: true,
    needs: ['memtune'],
    drivers: anyDriver('virDomainMemtuneFormat (src/conf/domain_conf.c), which leaves unset limits out'),
    docs: 'rules/memtune-sentinel.md',
  },
  check(ctx) {
    const mt = ctx.domain.memtune;
    if (!mt) return;
    for (const [name, v] of Object.entries(mt.limits) as [MemtuneLimitName, SizeValue][]) {
      const what = means(name, v);
      if (!what) continue;
      ctx.report({
        node: v.el,
        message: `<${name}> ${what}: it is the same as leaving the element out, and virsh dumpxml drops it${name === 'min_guarantee' ? '' : ' (the guest runs without this limit)'}; remove it`,
        fix: (fixer) => removeLimit(ctx.domain.memtune, fixer, name, v.el),
      });
    }
  },
};
