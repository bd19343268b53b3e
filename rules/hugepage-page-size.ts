import { effectivePages, memorySourceType } from '../src/domain/hugepages.js';
import { needsNonX86Host, SYSTEM_PAGE_KIB, X86_64_HUGEPAGE_SIZES_KIB } from '../src/libvirt/arch.js';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import type { SizeValue } from '../src/domain/model.js';
import { formatKiB, parseUnit } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import type { Fixer, TextEdit } from '../src/xml/edit.js';
import { qemuDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

/**
 * The one repair we trust, or null. Two mistakes are unambiguous:
 * - a decimal unit (`MB`, `GB`, `KB`, any case) whose binary twin gives a real page size:
 *   `2 MB` → `2 MiB`, `1 GB` → `1 GiB`, `2048 KB` → `2048 KiB`;
 * - a bare number below 1024 (KiB by default, so no page size at all) for which exactly one of
 *   MiB and GiB gives a real page size: `2` → 2 MiB, `1` → 1 GiB.
 * Anything else (e.g. `size='2048' unit='MiB'`, `unit='k'` with `2`) could mean more than one
 * thing and is left to the user.
 */
function repairOf(size: SizeValue, sizes: readonly number[]): { unit: string; kib: number } | null {
  const r = size.result;
  if (!r.ok) return null;
  const kibOfUnit = (unit: string): number | null => {
    const info = parseUnit(unit);
    if (!info) return null;
    const bytes = r.value * info.multiplier;
    return bytes % 1024n === 0n ? Number(bytes / 1024n) : null;
  };
  if (r.decimalUnit && size.unit) {
    const unit = `${size.unit[0]!.toUpperCase()}iB`;
    const kib = kibOfUnit(unit);
    return kib !== null && sizes.includes(kib) ? { unit, kib } : null;
  }
  if (!size.unit && r.value < 1024n) {
    const fits = ['MiB', 'GiB'].map((unit) => ({ unit, kib: kibOfUnit(unit) })).filter((c) => c.kib !== null && sizes.includes(c.kib));
    return fits.length === 1 ? (fits[0] as { unit: string; kib: number }) : null;
  }
  return null;
}

/**
 * What QEMU 7.2 says when a memfd backend asks for a huge page size the kernel lacks (libvirt
 * passes the size on without looking for a mount). A size that is not a power of two is refused by
 * QEMU itself; otherwise memfd_create gets the size's log2 in its flags (with CLOEXEC,
 * ALLOW_SEALING and HUGETLB = 0x7) and the kernel answers ENODEV.
 */
function memfdError(bytes: bigint): string {
  if ((bytes & (bytes - 1n)) !== 0n) return 'Hugepage size must be a power of 2';
  const shift = BigInt(bytes.toString(2).length - 1);
  return `failed to create memfd with flags 0x${((shift << 26n) | 7n).toString(16)}: No such device`;
}

/** Set the unit: replace it, or add it right after the size attribute (or the element name). */
function setUnit(fixer: Fixer, size: SizeValue, unit: string): TextEdit {
  if (size.unitAttr) return fixer.setAttrValue(size.unitAttr, unit);
  if (size.valueAttr) {
    const q = size.valueAttr.quote;
    const at = size.valueAttr.range.end;
    return fixer.replaceRange({ start: at, end: at }, ` unit=${q}${unit}${q}`);
  }
  return fixer.setAttr(size.el, 'unit', unit);
}

function written(size: SizeValue): string {
  if (!size.valueAttr) return `<${size.el.name}${size.unitAttr ? ` unit='${size.unit}'` : ''}>${size.text}</${size.el.name}>${size.unitAttr ? '' : ' (no unit: KiB)'}`;
  return size.unitAttr ? `size='${size.text}' unit='${size.unit}'` : `size='${size.text}' (no unit: KiB)`;
}

export const rule: Rule = {
  meta: {
    id: 'hugepage-page-size',
    description: 'Huge page sizes an x86_64 host does not have (1954 KiB from unit="MB", a bare size="2" meaning 2 KiB, …)',
    severity: 'error',
    stage: 'start',
    fixable: true,
    needs: ['memoryBacking', 'memoryDevices'],
    drivers: qemuDriver('qemuGetDomainHupageMemPath (src/qemu/qemu_conf.c) at start, and QEMU'),
    schema: {
      type: 'object',
      properties: { sizesKiB: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 } },
      additionalProperties: false,
    },
    defaultOptions: { sizesKiB: [...X86_64_HUGEPAGE_SIZES_KIB] },
    docs: 'rules/hugepage-page-size.md',
  },
  check(ctx) {
    const candidates: { size: SizeValue; what: string }[] = [];
    for (const p of effectivePages(ctx.domain)) if (p.def) candidates.push({ size: p.def.size, what: 'page' });
    for (const d of ctx.domain.memoryDevices) if (d.pagesize) candidates.push({ size: d.pagesize, what: `page size for this ${d.model ?? 'memory'} device` });
    // Most domains ask for no page size: the rest is worked out only for those that do.
    if (candidates.length === 0 || needsNonX86Host(ctx.domain)) return;
    // With a host snapshot, the sizes its kernel offers count too (e.g. 64 KiB pages of an aarch64 host).
    const hostSizes = ctx.host?.hugepages?.map((p) => p.sizeKiB) ?? [];
    const sizes = [...new Set([...((ctx.options.sizesKiB as number[] | undefined) ?? X86_64_HUGEPAGE_SIZES_KIB), ...hostSizes])].sort((a, b) => a - b);
    const names = sizes.map((s) => formatKiB(s));
    const sizeList = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] as string);
    const sizeChoice = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] as string);
    const memfd = memorySourceType(ctx.domain) === 'memfd';
    for (const { size, what } of candidates) {
      const r = size.result;
      if (!r.ok || r.kib === 0 || r.kib === SYSTEM_PAGE_KIB || sizes.includes(r.kib)) continue;
      const repair = repairOf(size, sizes);
      let why = '';
      if (r.decimalUnit) why = `; ${size.unit} is a decimal unit (${r.value} × ${parseUnit(size.unit ?? '')!.multiplier} bytes), the binary one is ${size.unit![0]!.toUpperCase()}iB`;
      else if (!size.unit) why = '; a size without unit is in KiB';
      const advice = repair
        ? `you almost certainly meant unit='${repair.unit}' (${formatKiB(repair.kib)})`
        : `use ${sizeChoice}`;
      const consequence = memfd
        ? `QEMU cannot create the hugetlb memfd and the domain does not start (QEMU: ${memfdError(BigInt(r.kib) * 1024n)})`
        : `libvirt finds no hugetlbfs mount of that size and the domain does not start (libvirt: ${renderLibvirtError(libvirt.noHugetlbfsMount(r.kib))})`;
      ctx.report({
        node: size.valueAttr ?? size.el,
        message: `${written(size)} makes a ${what} of ${r.kib} KiB${why}; x86_64 hosts only have ${sizeList} huge pages, so ${advice}: ${consequence}`,
        fix: repair ? (fixer) => setUnit(fixer, size, repair.unit) : undefined,
      });
    }
  },
};
