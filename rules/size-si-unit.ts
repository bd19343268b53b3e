import { sizeSites, type SizeSite } from '../src/domain/memory.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';

/** A KiB count also shown in the nearest binary unit, two decimals (`3906250 KiB` → `3.73 GiB`). */
function approx(kib: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = kib;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(2).replace(/\.?0+$/, '')} ${units[i]}`;
}

export const rule: Rule = {
  meta: {
    id: 'size-si-unit',
    description: 'SI units (KB, MB, GB, TB… in any case) are powers of 1000, not 1024: the size is smaller than it looks',
    severity: 'warn',
    stage: 'runtime',
    fixable: false,
    drivers: anyDriver('virScaleInteger (src/util/virutil.c)'),
    docs: 'rules/size-si-unit.md',
  },
  check(ctx) {
    // Indexed: every size of every file, and a for…of allocates per step until V8 optimises it.
    const sites = sizeSites(ctx.domain);
    for (let i = 0; i < sites.length; i++) {
      const site = sites[i] as SizeSite;
      // Page sizes have their own rules (an SI page size names a page size no host has).
      if (site.kind === 'page' || site.kind === 'device-pagesize') continue;
      const v = site.value;
      const r = v.result;
      if (!r.ok || !r.decimalUnit || r.value === 0n || !v.unitAttr) continue;
      const unit = v.unit as string;
      const binary = `${unit[0]!.toUpperCase()}iB`;
      const binaryKiB = parseBinaryKiB(r.value, binary);
      const shown = r.exact ? `${r.kib} KiB` : `${r.kib} KiB (rounded up from ${r.bytes} bytes)`;
      const meant = binaryKiB !== null ? `; for ${r.value} ${binary}${binary === 'KiB' ? '' : ` (${binaryKiB} KiB)`} write unit='${binary}'` : `; for powers of 1024 write unit='${binary}'`;
      ctx.report({
        node: v.unitAttr,
        message: `${site.label} uses unit='${unit}', a power of 1000 (${unit.length === 2 && unit[1] === 'b' ? 'bytes, not bits; ' : ''}1 ${unit} = ${multiplierText(unit)} bytes): libvirt stores ${r.value} ${unit} as ${shown}, about ${approx(r.kib)}${meant}`,
        suggestions: [{ desc: `Use unit='${binary}' (${r.value} ${binary})`, fix: (fixer) => fixer.setAttrValue(v.unitAttr!, binary) }],
      });
    }
  },
};

function multiplierText(unit: string): string {
  const power = 'kmgtpe'.indexOf(unit[0]!.toLowerCase()) + 1;
  return `10^${power * 3}`;
}

function parseBinaryKiB(value: bigint, binary: string): number | null {
  const power = 'KMGTPE'.indexOf(binary[0]!);
  const kib = value * 1024n ** BigInt(power);
  return kib < BigInt(Number.MAX_SAFE_INTEGER) ? Number(kib) : null;
}
