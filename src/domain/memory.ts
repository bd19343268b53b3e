/**
 * Memory sizes libvirt derives from a definition (spec §4): the total it stores after post-parse
 * (R4.2), the sizes QEMU gets once libvirt has aligned them at start (R4.4), and how much guest
 * RAM ends up on huge pages — which the memory cgroup does not charge (R3.6).
 *
 * Everything is computed from the model, whose sizes the one unit parser read. Sums use BigInt:
 * each size is below 2^53 KiB, but a sum of several need not be.
 */
import type { XElement } from '../xml/tree.js';
import { kibOf, type NumaCell, type DomainModel, type PageDef, type SizeValue } from './model.js';
import { perDocument } from './per-document.js';
import { formatKiB, KIB_UNLIMITED } from './units.js';
import { memoryAlignment, SYSTEM_PAGE_KIB } from '../libvirt/arch.js';
import { deviceTargetCell } from './numa.js';
import { MEMTUNE_LIMITS } from './values.js';
import { schema } from '../libvirt/messages.js';
import { renderLibvirtError } from './libvirt-error.js';
import { libvirt } from '../libvirt/messages.js';
import { refused } from '../libvirt/define-errors.js';

/** Largest KiB value libvirt lets a size reach after alignment (`LLONG_MAX >> 10` = 2^53 − 1). */
export const MAX_ALIGNED_KIB = BigInt(KIB_UNLIMITED);


/** KiB of every value in the list, or null when one of them did not parse. */
function sumKiB(values: (SizeValue | null | undefined)[]): bigint | null {
  let sum = 0n;
  for (let i = 0; i < values.length; i++) {
    const k = kibOf(values[i]);
    if (k === null) return null;
    sum += BigInt(k);
  }
  return sum;
}

export interface MemoryTotals {
  /** Σ guest NUMA cell memory (KiB); 0 without cells; null when a cell's memory did not parse. */
  cellsKiB: bigint | null;
  /** Σ memory device sizes (KiB); null when one did not parse or lacks a size. */
  devicesKiB: bigint | null;
  /** `<memory>` as written, in KiB (0 when absent; null when it did not parse). */
  memoryKiB: bigint | null;
  /**
   * The total libvirt stores (R4.2, `virDomainDefPostParseMemory` with the ABI-update flag of
   * `virsh define`): Σ cells + Σ devices when the cells add up to more than 0, else `<memory>`.
   * Null when an input did not parse.
   */
  totalKiB: bigint | null;
  /** `totalKiB` came from the cells (so `<memory>` is ignored). */
  fromCells: boolean;
  /** Initial memory: total − Σ devices (`virDomainDefGetMemoryInitial`). */
  initialKiB: bigint | null;
}

export const memoryTotals: (domain: DomainModel) => MemoryTotals = perDocument(function memoryTotals(domain: DomainModel): MemoryTotals {
  const cellsKiB = sumKiB(domain.cells.map((c) => c.memory));
  const devicesKiB = domain.memoryDevices.some((d) => !d.size) ? null : sumKiB(domain.memoryDevices.map((d) => d.size));
  const memoryKiB = domain.memory === null || (!domain.memory.result.ok && domain.memory.result.reason === 'absent') ? 0n : sumKiB([domain.memory]);
  let totalKiB: bigint | null = null;
  let fromCells = false;
  if (cellsKiB !== null && cellsKiB > 0n) {
    fromCells = true;
    totalKiB = devicesKiB === null ? null : cellsKiB + devicesKiB;
  } else if (cellsKiB !== null) {
    totalKiB = memoryKiB;
  }
  const initialKiB = totalKiB !== null && devicesKiB !== null ? totalKiB - devicesKiB : null;
  return { cellsKiB, devicesKiB, memoryKiB, totalKiB, fromCells, initialKiB };
});

export function alignUp(kib: bigint, align: number): bigint {
  const a = BigInt(align);
  return ((kib + a - 1n) / a) * a;
}

export interface AlignedSize {
  /** What the definition says, in KiB. */
  kib: bigint;
  /** What QEMU gets after `qemuDomainAlignMemorySizes`. */
  aligned: bigint;
  /** libvirt refuses to start: the aligned value exceeds 2^53 − 1 KiB. */
  overflow: boolean;
}

export interface AlignedMemory {
  /** Per cell in document order (null entries: the cell's memory did not parse). */
  cells: (AlignedSize | null)[];
  /** Initial memory: Σ aligned cells, or the aligned initial size without cells. */
  initial: AlignedSize | null;
  /** `<maxMemory>` (null when absent or unparsed). */
  max: AlignedSize | null;
  /** Per memory device in document order. */
  devices: (AlignedSize | null)[];
  /** Live total memory: initial + Σ aligned devices. */
  totalKiB: bigint | null;
}

function aligned(kib: bigint, align: number): AlignedSize {
  const a = alignUp(kib, align);
  return { kib, aligned: a, overflow: a > MAX_ALIGNED_KIB };
}

/**
 * The sizes libvirt hands QEMU at start on x86 (R4.4): cells and non-NUMA initial memory up to
 * 1 MiB, memory modules up to 2 MiB (256 MiB for everything on ppc64); initial memory with cells
 * is the sum of the aligned cells. libvirt stops at the first overflow in that order: cells,
 * initial memory, maxMemory, modules.
 */
export const alignedMemory: (domain: DomainModel) => AlignedMemory = perDocument(function alignedMemory(domain: DomainModel): AlignedMemory {
  const { memory: align, module: moduleAlign } = memoryAlignment(domain);
  const totals = memoryTotals(domain);
  const cells = domain.cells.map((c) => {
    const k = kibOf(c.memory);
    return k === null ? null : aligned(BigInt(k), align);
  });
  let initial: AlignedSize | null = null;
  if (domain.cells.length > 0) {
    if (cells.every((c) => c !== null)) {
      const kib = cells.reduce((s, c) => s + (c as AlignedSize).kib, 0n);
      const sum = cells.reduce((s, c) => s + (c as AlignedSize).aligned, 0n);
      initial = { kib, aligned: sum, overflow: sum > MAX_ALIGNED_KIB };
    }
  } else if (totals.initialKiB !== null) {
    initial = aligned(totals.initialKiB, align);
  }
  const maxK = kibOf(domain.maxMemory);
  const max = maxK === null || maxK === 0 ? null : aligned(BigInt(maxK), align);
  const devices = domain.memoryDevices.map((d) => {
    const k = kibOf(d.size);
    return k === null ? null : aligned(BigInt(k), moduleAlign);
  });
  const totalKiB = initial && devices.every((d) => d !== null) ? initial.aligned + devices.reduce((s, d) => s + (d as AlignedSize).aligned, 0n) : null;
  return { cells, initial, max, devices, totalKiB };
});

/** One region of guest RAM (one QEMU memory backend) and whether huge pages back it. */
export interface RamRegion {
  /** `pc.ram`, `cell <id>` or `memory device <n>`. */
  name: string;
  el: XElement;
  kib: bigint;
  /** Page size in KiB when huge pages back it; 0 = the default huge page size; null = ordinary memory. */
  pageKiB: number | null;
}

/**
 * Guest RAM split into backends with the page size each gets (R1.9, R1.21, R6.5 steps 1 and 3):
 * a memory device's own non-zero `pagesize`, else the `<page>` whose nodeset holds the (target)
 * cell, else the `<page>` without nodeset, else — for `<hugepages/>` without pages — the default
 * size. A page of the system page size (4 KiB) is ordinary memory. Null when a size did not parse.
 */
export const ramRegions: (domain: DomainModel) => RamRegion[] | null = perDocument(function ramRegions(domain: DomainModel): RamRegion[] | null {
  const mb = domain.memoryBacking;
  const hugepages = mb?.hugepages ?? null;
  const pages = mb?.pages ?? [];
  const pageKiB = (v: SizeValue): number | null | undefined => (v.result.ok ? v.result.kib : undefined);
  const master = pages.find((p) => !p.nodeset);
  const pageFor = (cellId: number | null): number | null | undefined => {
    if (!hugepages) return null;
    if (pages.length === 0) return 0;
    if (cellId !== null) {
      const p = pages.find((pg) => pg.nodeset && pg.nodeset.parsed.ok && pg.nodeset.parsed.ids.includes(cellId));
      if (p) return pageKiB(p.size);
    }
    return master ? pageKiB(master.size) : null;
  };
  const norm = (p: number | null | undefined): number | null | undefined => (p === SYSTEM_PAGE_KIB ? null : p);
  const totals = memoryTotals(domain);
  const regions: RamRegion[] = [];
  if (domain.cells.length === 0) {
    if (totals.initialKiB === null) return null;
    const p = norm(pageFor(null));
    if (p === undefined) return null;
    regions.push({ name: 'pc.ram', el: domain.memory?.el ?? domain.root, kib: totals.initialKiB, pageKiB: p });
  } else {
    for (const cell of domain.cells) {
      const k = kibOf(cell.memory);
      const id = cell.id ?? (cell.idAttr ? null : cell.index);
      const p = norm(pageFor(id));
      if (k === null || p === undefined) return null;
      regions.push({ name: `cell ${id ?? cell.index}`, el: cell.el, kib: BigInt(k), pageKiB: p });
    }
  }
  domain.memoryDevices.forEach((d, i) => {
    const k = kibOf(d.size);
    if (k === null) return;
    // nvdimm / virtio-pmem map a user file, not guest RAM from a pool.
    if (d.model === 'nvdimm' || d.model === 'virtio-pmem') {
      regions.push({ name: `memory device ${i}`, el: d.el, kib: BigInt(k), pageKiB: null });
      return;
    }
    const own = d.pagesize ? kibOf(d.pagesize) : null;
    let p: number | null | undefined;
    if (own !== null && own !== 0) p = own;
    else {
      p = pageFor(deviceTargetCell(d));
    }
    p = norm(p);
    regions.push({ name: `memory device ${i}`, el: d.el, kib: BigInt(k), pageKiB: p === undefined ? null : p });
  });
  return regions;
});

/** Guest RAM on ordinary pages (charged to the memory cgroup) and on huge pages (not charged, R3.6). */
export function chargedRam(domain: DomainModel): { ordinaryKiB: bigint; hugeKiB: bigint } | null {
  const regions = ramRegions(domain);
  if (!regions) return null;
  let ordinaryKiB = 0n;
  let hugeKiB = 0n;
  for (const r of regions) {
    if (r.pageKiB === null) ordinaryKiB += r.kib;
    else hugeKiB += r.kib;
  }
  return { ordinaryKiB, hugeKiB };
}

/** A KiB count for messages (`2 MiB`, `1954 KiB`), also for sums beyond 2^53. */
export function formatKiBig(k: bigint): string {
  return k <= BigInt(Number.MAX_SAFE_INTEGER) && k >= 0n ? formatKiB(Number(k)) : `${k} KiB`;
}

/** Where a scaled integer sits in a domain, for messages and for the rules that pick some. */
export type SizeKind = 'memory' | 'currentMemory' | 'maxMemory' | 'memtune' | 'cell' | 'page' | 'device-size' | 'device-pagesize';

export interface SizeSite {
  value: SizeValue;
  kind: SizeKind;
  /** How a message names it: `<memory>`, `<hard_limit>`, `cell 0 memory`, `<page> size`, … */
  label: string;
  /** libvirt fails when the value is absent (`missing element or attribute …`). */
  required: boolean;
}

/**
 * Every scaled integer libvirt parses, in the order its parser reads them (spec §0.3):
 * `<memory>`, `<currentMemory>`, `<maxMemory>`, `<page>` sizes, memtune limits, guest NUMA
 * cells, memory devices (`<source><pagesize>`, then `<target><size>`). Values libvirt never
 * reads (a second `<memory>`, a second `<hard_limit>`, a `<page>` outside `<hugepages>`) are not
 * listed.
 */
export const sizeSites: (domain: DomainModel) => SizeSite[] = perDocument(function sizeSites(domain: DomainModel): SizeSite[] {
  const out: SizeSite[] = [];
  if (domain.memory) out.push({ value: domain.memory, kind: 'memory', label: '<memory>', required: false });
  if (domain.currentMemory) out.push({ value: domain.currentMemory, kind: 'currentMemory', label: '<currentMemory>', required: false });
  if (domain.maxMemory) out.push({ value: domain.maxMemory, kind: 'maxMemory', label: '<maxMemory>', required: false });
  const pages = domain.memoryBacking?.pages ?? [];
  for (let i = 0; i < pages.length; i++) out.push({ value: (pages[i] as PageDef).size, kind: 'page', label: '<page> size', required: true });
  if (domain.memtune) {
    for (const name of MEMTUNE_LIMITS) {
      const v = domain.memtune.limits[name];
      if (v) out.push({ value: v, kind: 'memtune', label: `<${name}>`, required: false });
    }
  }
  for (let i = 0; i < domain.cells.length; i++) {
    const c = domain.cells[i] as NumaCell;
    const id = c.idAttr ? c.idAttr.value : String(c.index);
    out.push({ value: c.memory, kind: 'cell', label: `NUMA cell ${id} memory`, required: true });
  }
  domain.memoryDevices.forEach((d, i) => {
    const name = `memory device ${i}${d.model ? ` (${d.model})` : ''}`;
    if (d.pagesize && (d.model === 'dimm' || d.model === 'virtio-mem')) out.push({ value: d.pagesize, kind: 'device-pagesize', label: `${name} <pagesize>`, required: false });
    if (d.size) out.push({ value: d.size, kind: 'device-size', label: `${name} <size>`, required: true });
  });
  return out;
});

/**
 * The RNG error `virsh define --validate` and virt-xml-validate print for a schema violation
 * anywhere inside a top-level domain child: it names that child, not the offending element
 * (spec §0.1).
 */
export function schemaErrorFor(el: XElement): string {
  let top = el;
  while (top.parent && top.parent.parent) top = top.parent;
  return schema.extraElement(top.name);
}

// ---------------------------------------------------------------------------------------------
// <swap_hard_limit> on cgroup v1

export interface SwapProblem {
  swap: SizeValue;
  swapKiB: number;
  /** The hard limit, or null when none is set. */
  hardKiB: number | null;
  /** The start failure on cgroup v1, as libvirt prints it (a system error: no prefix). */
  v1Error: string;
}

/**
 * `swap_hard_limit` that the kernel refuses on cgroup v1 (spec R3.4): libvirt writes the hard
 * limit first, then memory.memsw.limit_in_bytes, which may not be below memory.limit_in_bytes
 * (unlimited when there is no hard_limit).
 */
export function swapProblem(domain: DomainModel): SwapProblem | null {
  const mt = domain.memtune;
  const swap = mt?.limits.swap_hard_limit;
  const swapKiB = kibOf(swap);
  if (!swap || swapKiB === null || swapKiB === KIB_UNLIMITED) return null;
  const hardValue = mt?.limits.hard_limit;
  if (refused(domain, 'size-unreadable', hardValue)) return null;
  let hardKiB = kibOf(hardValue);
  if (hardKiB === KIB_UNLIMITED) hardKiB = null;
  if (hardKiB !== null && hardKiB <= swapKiB) return null;
  const bytes = BigInt(swapKiB) * 1024n;
  return { swap, swapKiB, hardKiB, v1Error: renderLibvirtError(libvirt.cgroupValueInvalid(bytes, 'memory.memsw.limit_in_bytes')) };
}

export function swapWhy(p: SwapProblem): string {
  return p.hardKiB === null
    ? `<swap_hard_limit> (${formatKiB(p.swapKiB)}) without <hard_limit>`
    : `<swap_hard_limit> (${formatKiB(p.swapKiB)}) below <hard_limit> (${formatKiB(p.hardKiB)})`;
}

/** What to do about a {@link swapProblem}, for the rules that report one. */
export const SWAP_ADVICE = 'on cgroup v1 swap_hard_limit caps memory plus swap, so it must be at least hard_limit: set a <hard_limit> no larger than it (or drop swap_hard_limit)';
