/**
 * Huge pages as libvirt 9.0 / QEMU 7.2 apply them (spec §1 R1.4–R1.22, R4.4, R6.5 steps 1–3):
 * derived views over the domain model, shared by the `hugepage-*` rules and the start
 * predictor. Nothing here parses units or node sets (the model did that) or reads the host.
 *
 * The pipeline, in libvirt's order:
 *
 * 1. {@link effectivePages} — the `<page>` list after the parser and the post-parse rewrite
 *    (R1.4: an empty `<hugepages/>` is one "master" page of size 0 = the host's default size;
 *    R1.6: on a guest without NUMA cells a nodeset naming only cell 0 is dropped, so the page
 *    becomes a master page).
 * 2. {@link pageForCell} — which of those pages a guest cell (or a DIMM's target cell) uses
 *    (R1.9: the first page whose nodeset contains the cell, else the master page, else none).
 * 3. {@link memoryBackends} — one entry per QEMU memory backend (`pc.ram` for a guest without
 *    NUMA, `ram-node<i>` per cell, `mem<alias>` per DIMM / virtio-mem device), its size after
 *    libvirt's start-time alignment (R4.4: 1 MiB, memory devices 2 MiB), its page size and the
 *    backend family QEMU gets (R1.22), and the host node binding that applies to it (R5.5,
 *    from `numa.ts`).
 * 4. {@link pagesNeeded} — ceil(size / page) per backend (R1.13, R6.5 step 5).
 *
 * Page sizes are KiB. `'default'` means "the host's default huge page size" (R2.3), which only a
 * host snapshot can resolve ({@link defaultPageSizeOf}); `null` means ordinary memory.
 */
import { formatKiB } from './units.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { attr, firstChild, type XAttr, type XElement } from '../xml/tree.js';
import type { LibvirtError } from './libvirt-error.js';
import { kibOf, type DomainModel, type NumaCell, type PageDef, type SizeValue } from './model.js';
import { perDocument } from './per-document.js';
import { backendBindings, deviceTargetCell, type BackendBinding } from './numa.js';
import { memoryAlignment, SYSTEM_PAGE_KIB, X86_64_HUGEPAGE_SIZES_KIB } from '../libvirt/arch.js';
import { MEMORY_ACCESS_MODES, parseEnum, parseUInt, type MemoryAccessMode } from './values.js';
import { libvirt } from '../libvirt/messages.js';

/** Why a `<page size>` cannot be used: libvirt's parser rejects the domain. */
export type PageSizeProblem = 'absent' | 'invalid' | 'unknown-unit' | 'overflow' | 'zero';

/** One page of the effective page list (step 1). */
export interface EffectivePage {
  /** The `<page>` element as written; null for the implicit master page of `<hugepages/>`. */
  def: PageDef | null;
  /** The `<page>` element, or the empty `<hugepages>` element for the implicit master page. */
  el: XElement;
  /** Position in libvirt's page list (document order over every `<hugepages>`). */
  index: number;
  /**
   * Size in KiB. 0 only for the implicit master page (= the host's default size). null when the
   * size could not be read (see `sizeProblem`): libvirt refuses the whole domain then.
   */
  sizeKiB: number | null;
  sizeProblem: PageSizeProblem | null;
  /**
   * Guest cell ids the page applies to, after the R1.6 rewrite; null for a master page (no
   * nodeset, or a nodeset libvirt dropped). Also null when the nodeset is invalid (see
   * `nodesetInvalid`).
   */
  cells: number[] | null;
  /** The nodeset named only cell 0 on a guest without NUMA cells, and libvirt dropped it (R1.6). */
  nodesetDropped: boolean;
  /** The nodeset does not parse or is empty (R1.5, §0.4): libvirt refuses the domain. */
  nodesetInvalid: boolean;
  /** A page without nodeset after the rewrite (applies to every cell no other page names). */
  master: boolean;
}

/** Guest cell count as libvirt counts it (`<cell>` elements of the first `<cpu><numa>`). */
export function cellCount(domain: DomainModel): number {
  return domain.cells.length;
}

/** The id libvirt files a cell under: its `id` attribute, or its position when absent or unreadable. */
export function cellIdOf(cell: NumaCell): number {
  return cell.idAttr && cell.id !== null ? cell.id : cell.index;
}

function sizeProblemOf(size: SizeValue): PageSizeProblem | null {
  if (!size.result.ok) return size.result.reason;
  return size.result.kib === 0 ? 'zero' : null;
}

/**
 * Step 1: the page list libvirt keeps (R1.4, R1.5, R1.6). Empty when the domain has no
 * `<memoryBacking><hugepages>`. Pages written directly under `<memoryBacking>` are not part of it
 * (R1.2; see `memoryBacking.strayPages`).
 */
export const effectivePages: (domain: DomainModel) => EffectivePage[] = perDocument(function effectivePages(domain: DomainModel): EffectivePage[] {
  const mb = domain.memoryBacking;
  if (!mb || !mb.hugepages) return [];
  if (mb.pages.length === 0) {
    return [{ def: null, el: mb.hugepages, index: 0, sizeKiB: 0, sizeProblem: null, cells: null, nodesetDropped: false, nodesetInvalid: false, master: true }];
  }
  return effectivePagesOf(mb.pages, cellCount(domain));
});

/** Step 1 for a given list of `<page>` definitions (libvirt's order) and guest cell count. */
export function effectivePagesOf(defs: readonly PageDef[], cells: number): EffectivePage[] {
  return defs.map((def, index) => {
    const sizeProblem = sizeProblemOf(def.size);
    const sizeKiB = sizeProblem ? null : kibOf(def.size);
    let ids: number[] | null = null;
    let nodesetDropped = false;
    let nodesetInvalid = false;
    if (def.nodeset) {
      const p = def.nodeset.parsed;
      if (!p.ok) nodesetInvalid = true;
      else if (cells === 0 && p.ids.length === 1 && p.ids[0] === 0) nodesetDropped = true;
      else ids = p.ids;
    }
    return { def, el: def.el, index, sizeKiB, sizeProblem, cells: ids, nodesetDropped, nodesetInvalid, master: !def.nodeset || nodesetDropped };
  });
}

/**
 * The error `virsh define` prints first for this page list, or null when libvirt accepts it:
 * the parser's per-page errors in page order (size, zero size, nodeset syntax, empty nodeset;
 * R1.5), then the validator's pairwise checks (R1.7 overlap, R1.8 two master pages) and the cell
 * check (R1.6), page by page. Size numbers and units the generic size parser rejects are included.
 */
export function pagesDefineError(pages: readonly EffectivePage[], cells: number): LibvirtError | null {
  for (const p of pages) {
    const def = p.def;
    if (!def) continue;
    if (!def.size.result.ok) return def.size.result.error;
    if (p.sizeProblem === 'zero') return libvirt.hugepageSizeZero();
    if (def.nodeset && !def.nodeset.parsed.ok) return def.nodeset.parsed.error;
  }
  const size = (p: EffectivePage): string => String(p.sizeKiB);
  for (const [i, p] of pages.entries()) {
    for (const q of pages.slice(0, i)) {
      if (p.cells && q.cells && p.cells.some((c) => q.cells!.includes(c))) {
        return libvirt.hugepagesIntersect(size(p), size(q));
      }
      if (p.master && q.master) return libvirt.twoMasterHugepages(size(p), size(q));
    }
    const missing = p.cells?.find((c) => c >= cells);
    if (missing !== undefined) return libvirt.hugepagesNodeNotFound(missing);
  }
  return null;
}

/**
 * Two pages written the same way: same size in KiB and the same nodeset as parsed (or both
 * without nodeset). `duplicate-memory-element` reports such copies; the other rules skip them.
 */
export function isCopyOf(a: EffectivePage, b: EffectivePage): boolean {
  if (a.sizeKiB === null || a.sizeKiB !== b.sizeKiB) return false;
  const key = (p: EffectivePage): string | null => {
    const ns = p.def?.nodeset;
    if (!ns) return '';
    return ns.parsed.ok ? ns.parsed.ids.join(',') : null;
  };
  const ka = key(a);
  return ka !== null && ka === key(b);
}

/**
 * Whether the page each cell gets is well defined: no unreadable size or nodeset, at most one page
 * without nodeset, no two nodesets sharing a cell. Otherwise libvirt refuses the domain and which
 * page a cell "would" get is a guess, so backend-level findings should wait. (A nodeset naming a
 * missing cell does not make the choice ambiguous.)
 */
export function pageChoiceReliable(pages: readonly EffectivePage[]): boolean {
  if (pages.some((p) => p.sizeProblem !== null || p.nodesetInvalid)) return false;
  if (pages.filter((p) => p.master).length > 1) return false;
  const named = pages.filter((p) => p.cells);
  return named.every((p, i) => named.slice(0, i).every((q) => !p.cells!.some((c) => q.cells!.includes(c))));
}

/**
 * Whether a huge page size is one a host can have: an x86_64 size, or a size the host snapshot's
 * kernel offers. Backend checks skip other sizes (`hugepage-page-size` reports them).
 */
export function isRealPageSize(kib: number, host: HostSnapshot | null = null): boolean {
  return X86_64_HUGEPAGE_SIZES_KIB.includes(kib) || Boolean(host?.hugepages?.some((p) => p.sizeKiB === kib));
}

/**
 * Step 2 (R1.9): the page a guest cell uses: the first page whose nodeset contains the cell,
 * else the master page, else null (ordinary memory). `cell` null = a guest without NUMA cells,
 * which only ever uses the master page. Pages with an invalid nodeset are skipped (libvirt would
 * not have defined the domain).
 */
export function pageForCell(pages: readonly EffectivePage[], cell: number | null): EffectivePage | null {
  let master: EffectivePage | null = null;
  for (const p of pages) {
    if (p.nodesetInvalid) continue;
    if (p.master) {
      master = p;
      continue;
    }
    if (cell !== null && p.cells?.includes(cell)) return p;
  }
  return master;
}

/** The QEMU object family of a backend (R1.22). */
export type BackendSource = 'anonymous' | 'file' | 'memfd';

/** What decided a backend's page size. */
export type PageOrigin =
  | { kind: 'page'; page: EffectivePage }
  /** A memory device's own `<source><pagesize>` (R1.21). */
  | { kind: 'pagesize'; size: SizeValue };

/** One QEMU memory backend (R1.22, R6.5 steps 1–3). */
export interface MemoryBackend {
  /** QEMU object id: `pc.ram`, `ram-node<i>`, `memdimm<slot>`, `memvirtiomem<n>`, or `mem<user alias>`. */
  id: string;
  kind: 'ram' | 'cell' | 'device';
  /** The element that defines the memory: `<memory>` (or `<domain>` when absent), `<cell>`, or the device's `<memory>`. */
  el: XElement;
  /** Where the size is written (for positions): the cell's `memory` attribute, `<memory>`, the device's `<size>`. */
  sizeNode: XElement | XAttr;
  /** The cell, for `kind: 'cell'`. */
  cellDef: NumaCell | null;
  /** Guest cell: the cell's id, a device's `<target><node>`, null for `pc.ram` or an unreadable node. */
  cell: number | null;
  /** Size in the inactive definition (KiB); null when unreadable. */
  definedKiB: number | null;
  /** Size QEMU gets: `definedKiB` rounded up to `alignKiB` (R4.4). */
  sizeKiB: number | null;
  alignKiB: number;
  /**
   * Page size (KiB) of the huge pages backing it; `'default'` = the host's default huge page size
   * (`<hugepages/>`, R2.3); null = ordinary memory (no page applies, or the page is the system page).
   */
  pageSizeKiB: number | 'default' | null;
  /** What chose the page size (also set when it chose the system page size, i.e. ordinary memory by request). */
  pageOrigin: PageOrigin | null;
  /** The deciding page's size could not be read (libvirt refuses the domain); pageSizeKiB is null then. */
  pageUnreadable: boolean;
  source: BackendSource;
  /** Explicit access mode that applies (device `access`, else cell `memAccess`, else `<access mode>`); null = default. */
  access: 'shared' | 'private' | null;
  /** libvirt adds `prealloc: true` (huge pages, or `<allocation mode='immediate'/>`; R1.11, R1.17). */
  prealloc: boolean;
  /** A hugetlbfs mount of this page size must be known to the daemon (R1.12, R1.15). */
  needsMount: boolean;
  /**
   * Host nodes and memory mode that apply (R5.5), from `numa.ts`'s `backendBindings`; null when
   * libvirt would refuse the `<numatune>` or the cell ids (define fails).
   */
  binding: BackendBinding | null;
}

function roundUp(kib: number, align: number): number {
  return Math.ceil(kib / align) * align;
}

function accessValue(value: string | null | undefined): MemoryAccessMode | null {
  return parseEnum(value, MEMORY_ACCESS_MODES);
}

/** `<memoryBacking><source type>` as libvirt reads it (first in document order; empty = absent). */
export function memorySourceType(domain: DomainModel): string | null {
  const v = domain.memoryBacking?.source ? attr(domain.memoryBacking.source, 'type')?.value : undefined;
  return v ? v : null;
}

/** `<memoryBacking><access mode>` as libvirt reads it (empty = absent). */
export function memoryAccessMode(domain: DomainModel): string | null {
  const v = domain.memoryBacking?.access ? attr(domain.memoryBacking.access, 'mode')?.value : undefined;
  return v ? v : null;
}

/** `<memoryBacking><allocation mode>` as libvirt reads it (empty = absent). */
export function memoryAllocationMode(domain: DomainModel): string | null {
  const v = domain.memoryBacking?.allocation ? attr(domain.memoryBacking.allocation, 'mode')?.value : undefined;
  return v ? v : null;
}

/** Memory device models that get a RAM backend which huge pages can back (R6.5 step 1). */
const RAM_DEVICE_MODELS = ['dimm', 'virtio-mem'];

interface DeviceInfo {
  id: string;
  cell: number | null;
}

/**
 * Backend ids of memory devices, as libvirt aliases them: DIMMs and NVDIMMs share the slot map
 * (explicit `<address type='dimm' slot>` first, then the lowest free slot in document order) and are
 * named after their slot; virtio-mem devices are numbered in order; a user alias (`ua-…`) wins.
 */
function deviceInfos(domain: DomainModel): Map<XElement, DeviceInfo> {
  const out = new Map<XElement, DeviceInfo>();
  const slotOf = (el: XElement): number | null => {
    const a = firstChild(el, 'address');
    if (!a || attr(a, 'type')?.value !== 'dimm') return null;
    const s = attr(a, 'slot');
    return s ? parseUInt(s.value) : null;
  };
  const used = new Set<number>();
  for (const d of domain.memoryDevices) {
    if (d.model !== 'dimm' && d.model !== 'nvdimm') continue;
    const s = slotOf(d.el);
    if (s !== null) used.add(s);
  }
  let virtioMem = 0;
  for (const d of domain.memoryDevices) {
    const cell = deviceTargetCell(d);
    const aliasEl = firstChild(d.el, 'alias');
    const userAlias = aliasEl ? attr(aliasEl, 'name')?.value : undefined;
    let alias: string | null = null;
    if (d.model === 'dimm' || d.model === 'nvdimm') {
      let slot = slotOf(d.el);
      if (slot === null) {
        slot = 0;
        while (used.has(slot)) slot++;
        used.add(slot);
      }
      alias = `${d.model}${slot}`;
    } else if (d.model === 'virtio-mem') {
      alias = `virtiomem${virtioMem++}`;
    }
    if (userAlias?.startsWith('ua-')) alias = userAlias;
    if (alias) out.set(d.el, { id: `mem${alias}`, cell });
  }
  return out;
}

/**
 * Steps 1–3 of R6.5: every RAM backend QEMU will get, in command-line order (`pc.ram` or the cells
 * by id, then memory devices). nvdimm and virtio-pmem devices are left out: they map a user file,
 * never huge pages.
 */
export const memoryBackends: (domain: DomainModel) => MemoryBackend[] = perDocument(function memoryBackends(domain: DomainModel): MemoryBackend[] {
  const pages = effectivePages(domain);
  const sourceType = memorySourceType(domain);
  const globalAccess = accessValue(memoryAccessMode(domain));
  const immediate = memoryAllocationMode(domain) === 'immediate';
  const cellsById = new Map<number, NumaCell>();
  for (const c of domain.cells) cellsById.set(cellIdOf(c), c);
  const bindings = backendBindings(domain);
  const align = memoryAlignment(domain);

  const finish = (
    base: Pick<MemoryBackend, 'id' | 'kind' | 'el' | 'sizeNode' | 'cellDef' | 'cell' | 'definedKiB' | 'alignKiB'>,
    origin: PageOrigin | null,
    ownAccess: 'shared' | 'private' | null,
    device: XElement | null,
  ): MemoryBackend => {
    let pageSizeKiB: number | 'default' | null = null;
    let pageUnreadable = false;
    if (origin?.kind === 'page') {
      const s = origin.page.sizeKiB;
      if (s === null) pageUnreadable = true;
      else if (s === 0) pageSizeKiB = 'default';
      else if (s !== SYSTEM_PAGE_KIB) pageSizeKiB = s;
    } else if (origin?.kind === 'pagesize') {
      const s = kibOf(origin.size);
      if (s === null) pageUnreadable = true;
      else if (s !== SYSTEM_PAGE_KIB) pageSizeKiB = s;
    }
    const cellAccess = base.cell !== null ? accessValue(cellsById.get(base.cell)?.memAccess?.value) : null;
    const access = ownAccess ?? cellAccess ?? globalAccess;
    const huge = pageSizeKiB !== null;
    let source: BackendSource = 'anonymous';
    if (sourceType === 'memfd') source = 'memfd';
    else if (huge || access !== null || sourceType === 'file') source = 'file';
    // Written out, not spread from `base`: a spread into this many fields takes V8's slow path (a tenth of a lint).
    return {
      id: base.id,
      kind: base.kind,
      el: base.el,
      sizeNode: base.sizeNode,
      cellDef: base.cellDef,
      cell: base.cell,
      definedKiB: base.definedKiB,
      alignKiB: base.alignKiB,
      sizeKiB: base.definedKiB === null ? null : roundUp(base.definedKiB, base.alignKiB),
      pageSizeKiB,
      pageOrigin: origin,
      pageUnreadable,
      source,
      access,
      prealloc: huge || immediate,
      needsMount: huge && (source !== 'memfd' || pageSizeKiB === 'default'),
      binding:
        bindings.find((x) =>
          base.kind === 'device' ? x.device?.el === device : base.kind === 'cell' ? x.kind === 'cell' && x.cellId === base.cell : x.kind === 'ram',
        ) ?? null,
    };
  };
  const originOf = (p: EffectivePage | null): PageOrigin | null => (p ? { kind: 'page', page: p } : null);

  const out: MemoryBackend[] = [];
  const devices = domain.memoryDevices.filter((d) => d.model !== null && RAM_DEVICE_MODELS.includes(d.model));
  if (domain.cells.length === 0) {
    const total = kibOf(domain.memory);
    const devicesKiB = devices.reduce((s, d) => s + (kibOf(d.size) ?? 0), 0);
    const definedKiB = total === null || total - devicesKiB <= 0 ? null : total - devicesKiB;
    const el = domain.memory?.el ?? domain.root;
    const base = { id: 'pc.ram', kind: 'ram' as const, el, sizeNode: el, cellDef: null, cell: null, definedKiB, alignKiB: align.memory };
    out.push(finish(base, originOf(pageForCell(pages, null)), null, null));
  } else {
    const cells = [...domain.cells].sort((a, b) => cellIdOf(a) - cellIdOf(b) || a.index - b.index);
    for (const c of cells) {
      const id = cellIdOf(c);
      const base = { id: `ram-node${id}`, kind: 'cell' as const, el: c.el, sizeNode: c.memory.valueAttr ?? c.el, cellDef: c, cell: id, definedKiB: kibOf(c.memory), alignKiB: align.memory };
      out.push(finish(base, originOf(pageForCell(pages, id)), null, null));
    }
  }
  const infos = deviceInfos(domain);
  for (const d of devices) {
    const info = infos.get(d.el);
    if (!info) continue;
    const own = d.pagesize && !(d.pagesize.result.ok && d.pagesize.result.kib === 0) ? d.pagesize : null;
    const origin: PageOrigin | null = own ? { kind: 'pagesize', size: own } : originOf(pageForCell(pages, info.cell));
    const base = { id: info.id, kind: 'device' as const, el: d.el, sizeNode: d.size?.el ?? d.el, cellDef: null, cell: info.cell, definedKiB: kibOf(d.size), alignKiB: align.module };
    out.push(finish(base, origin, accessValue(attr(d.el, 'access')?.value), d.el));
  }
  return out;
});

/** Why KSM never merges this backend's memory, or null when it may. */
export function ksmImmunity(b: MemoryBackend): 'huge pages' | 'shared memory' | null {
  if (b.pageSizeKiB !== null) return 'huge pages';
  // QEMU's memfd backend is shared unless libvirt passes share=off (access mode='private').
  if (b.access === 'shared' || (b.source === 'memfd' && b.access !== 'private')) return 'shared memory';
  return null;
}

/**
 * Step 5 of R6.5: huge pages a backend maps, ceil(size / page) (QEMU rounds a hugetlbfs file
 * mapping up to whole pages, R1.13; observed against `free_hugepages` for every started lab case).
 * Memory devices and memfd backends that are not whole pages do not start at all
 * (`hugepage-backend-size`). `defaultPageKiB` resolves `'default'` (see {@link defaultPageSizeOf}).
 * null when the backend uses ordinary memory or a size is unknown.
 */
export function pagesNeeded(backend: MemoryBackend, defaultPageKiB: number | null = null): number | null {
  const page = resolvedPageSize(backend, defaultPageKiB);
  if (page === null || backend.sizeKiB === null) return null;
  return Math.ceil(backend.sizeKiB / page);
}

/** The backend's page size in KiB, with `'default'` resolved by `defaultPageKiB` (null stays unknown). */
export function resolvedPageSize(backend: MemoryBackend, defaultPageKiB: number | null = null): number | null {
  if (backend.pageSizeKiB === 'default') return defaultPageKiB;
  return backend.pageSizeKiB;
}

/**
 * The size `<hugepages/>` means on a host (R2.3): the first hugetlbfs mount whose page size is the
 * kernel's default size, else the first mount. null when unknown or when the host has no mount
 * (libvirt then fails at start, R1.4). Caveat (R2.1): libvirt uses the mounts it saw when the
 * daemon started; a snapshot shows the current ones.
 */
export function defaultPageSizeOf(host: HostSnapshot | null): number | null {
  if (!host?.mounts || host.mounts.length === 0) return null;
  const flagged = host.defaultHugepageSizeKiB === null ? undefined : host.mounts.find((m) => m.pageSizeKiB === host.defaultHugepageSizeKiB);
  return (flagged ?? host.mounts[0])?.pageSizeKiB ?? null;
}

/** A short name for a backend in messages: `guest cell 2`, `the guest memory`, `memory device memdimm0`. */
export function describeBackend(b: MemoryBackend): string {
  if (b.kind === 'cell') return `guest cell ${b.cell}`;
  if (b.kind === 'ram') return 'the guest memory';
  return `memory device ${b.id}`;
}

/** A backend's size for messages: `65 MiB`, or `66561 KiB, 66 MiB after libvirt's 1 MiB alignment`. */
export function describeBackendSize(b: MemoryBackend): string {
  if (b.sizeKiB === null) return 'unknown size';
  return b.definedKiB === b.sizeKiB ? formatKiB(b.sizeKiB) : `${b.definedKiB} KiB, ${formatKiB(b.sizeKiB)} after libvirt's ${formatKiB(b.alignKiB)} alignment`;
}

/**
 * Backends on huge pages of a size the host can have, with that size resolved, for the rules
 * that judge backend sizes against pages. Empty when libvirt's page choice is not reliable
 * (the page list itself is refused); sizes no host has are hugepage-page-size's finding.
 */
export function backendsOnRealPages(domain: DomainModel, host: HostSnapshot | null): { backend: MemoryBackend; page: number }[] {
  const pages = effectivePages(domain);
  // No page anywhere (most domains): no backend is on huge pages, and the backends need not be worked out.
  if (pages.length === 0 && !domain.memoryDevices.some((d) => d.pagesize)) return [];
  if (!pageChoiceReliable(pages)) return [];
  const defaultPage = defaultPageSizeOf(host);
  const out: { backend: MemoryBackend; page: number }[] = [];
  for (const backend of memoryBackends(domain)) {
    const page = resolvedPageSize(backend, defaultPage);
    if (page !== null && isRealPageSize(page, host)) out.push({ backend, page });
  }
  return out;
}
