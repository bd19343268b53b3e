import { memoryTotals } from '../src/domain/memory.js';
import { formatKiB, KIB_UNLIMITED } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import type { Fixer } from '../src/xml/edit.js';
import { anyDriver } from '../src/engine/drivers.js';

import { MEMTUNE_UPPER_LIMITS as LIMITS } from '../src/domain/values.js';

/** Below this no QEMU process fits (QEMU 7.2 alone is ~40 MiB resident at start). */
const TINY_KIB = 100 * 1024;
const TIB_IN_KIB = 1024 * 1024 * 1024;

export const rule: Rule = {
  meta: {
    id: 'memtune-implicit-kib',
    description: 'A memtune limit without unit is KiB: flags values that only make sense in another unit (<hard_limit>8</hard_limit> is 8 KiB)',
    severity: 'warn',
    stage: 'runtime',
    fixable: false,
    needs: ['memtune'],
    drivers: anyDriver('virDomainParseMemoryLimit (src/conf/domain_conf.c): a limit without unit is KiB'),
    docs: 'rules/memtune-implicit-kib.md',
  },
  check(ctx) {
    const mt = ctx.domain.memtune;
    if (!mt) return;
    const total = memoryTotals(ctx.domain).totalKiB;
    for (const name of LIMITS) {
      const v = mt.limits[name];
      if (!v || v.unitAttr || !v.result.ok) continue;
      const kib = v.result.kib;
      if (kib === 0 || kib === KIB_UNLIMITED) continue;
      const n = v.result.value;
      if (kib < TINY_KIB) {
        const meant = kib < 1024 ? 'GiB' : 'MiB';
        ctx.report({
          node: v.el,
          message: `<${name}>${n}</${name}> has no unit, so libvirt reads ${formatKiB(kib)} — far too little for any QEMU process${name === 'soft_limit' ? '' : ' (it would be OOM-killed)'}; if you meant ${n} ${meant}, write unit='${meant}' (no unit means KiB)`,
          suggestions: [
            { desc: `Add unit='${meant}' (${n} ${meant})`, fix: (fixer) => fixer.setAttr(v.el, 'unit', meant) },
            ...(meant === 'GiB' ? [{ desc: `Add unit='MiB' (${n} MiB)`, fix: (fixer: Fixer) => fixer.setAttr(v.el, 'unit', 'MiB') }] : []),
          ],
        });
        continue;
      }
      // A byte count written without unit: thousands of times the guest's memory.
      if (kib >= TIB_IN_KIB && kib % 1024 === 0 && total !== null && total > 0n && BigInt(kib) >= total * 1024n) {
        ctx.report({
          node: v.el,
          message: `<${name}>${n}</${name}> has no unit, so libvirt reads ${formatKiB(kib)}, more than 1000 times the guest's memory: it looks like a byte count (${formatKiB(kib / 1024)}); if so, write unit='b' or the size in KiB (no unit means KiB)`,
          suggestions: [{ desc: `Add unit='b' (${formatKiB(kib / 1024)})`, fix: (fixer) => fixer.setAttr(v.el, 'unit', 'b') }],
        });
      }
    }
  },
};
