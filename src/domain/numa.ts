/**
 * Guest NUMA cells and `<numatune>` as libvirt 9.0 resolves them (spec §5, §6): the ids cells
 * are filed under, the vCPUs each cell ends up with, the memory total libvirt recomputes, the
 * domain-wide `<numatune><memory>` after placement defaulting, and — for every guest memory
 * backend (pc.ram, each cell, each memory device) — the host nodeset and mode that apply to it
 * (R5.5). Rules and the start predictor read these; nothing here reports findings.
 *
 * Everything is derived from the model (`buildDomainModel`), so sizes and sets were parsed by the
 * one unit parser and the one nodeset parser. The only text read here is what libvirt reads as
 * plain unsigned integers (`<cell id>`, `<memnode cellid>`, `<vcpu>`, `<target><node>`).
 */
import { firstChild, textOf, type XAttr, type XElement } from '../xml/tree.js';
import type { LibvirtError } from './libvirt-error.js';
import { perDocument } from './per-document.js';
import type { DomainModel, Memnode, MemoryDevice, NumaCell } from './model.js';
import { isNumatuneMode, NUMATUNE_PLACEMENTS, parseUInt, type NumatuneMode, type NumatunePlacement } from './values.js';
import { libvirt } from '../libvirt/messages.js';

/** QEMU `policy` of a memory backend for each mode; restrictive passes no policy (R5.5). */
export const QEMU_POLICY: Record<NumatuneMode, 'bind' | 'preferred' | 'interleave' | null> = {
  strict: 'bind',
  preferred: 'preferred',
  interleave: 'interleave',
  restrictive: null,
};

/**
 * The maximum vCPU count (`virDomainVcpuParse`): the `<vcpu>` text, 1 without `<vcpu>`; null
 * when the text is not a number libvirt accepts (define fails earlier, with another message).
 */
export function maxVcpus(domain: DomainModel): number | null {
  const vcpu = firstChild(domain.root, 'vcpu');
  if (!vcpu) return 1;
  // virStrToLong_ui: like parseUInt, except that "-N" wraps; nobody writes that for a vCPU count.
  return parseUInt(textOf(vcpu));
}

/** `<vcpu placement>` as libvirt resolves it: `static` unless it says `auto`. */
export function vcpuPlacementAuto(domain: DomainModel): boolean {
  return domain.vcpuPlacement === 'auto';
}

// ---------------------------------------------------------------------------------------------
// Cells

export interface GuestCell {
  cell: NumaCell;
  /**
   * The id libvirt files the cell under: its `id` when given, else its position among the cells;
   * null when `id` is not an unsigned integer (define fails).
   */
  id: number | null;
  /** The cell has an `id` attribute. */
  explicitId: boolean;
  /** vCPU ids as written: null without `cpus` or when it does not parse; [] when empty after `^N`. */
  cpus: number[] | null;
}

export interface GuestNumaLayout {
  cells: GuestCell[];
  /** Every id parsed and the ids are exactly 0..n−1, each once (libvirt's parser accepts them). */
  idsValid: boolean;
  /** The cells indexed by id, when `idsValid`. */
  byId: GuestCell[] | null;
}

/** The cell ids a guest with n cells has, as a reader writes them: `0`, `0-3`. */
export function cellIdRange(n: number): string {
  return n === 1 ? '0' : `0-${n - 1}`;
}

/** The guest NUMA cells with the ids libvirt gives them (R6.1). */
export const guestCells: (domain: DomainModel) => GuestNumaLayout = perDocument(function guestCells(domain: DomainModel): GuestNumaLayout {
  const cells = domain.cells.map((cell): GuestCell => {
    const id = cell.idAttr ? cell.id : cell.index;
    const cpus = cell.cpus && cell.cpus.parsed.ok ? cell.cpus.parsed.ids : cell.cpus && !cell.cpus.parsed.ok && cell.cpus.parsed.reason === 'empty' ? [] : null;
    return { cell, id, explicitId: cell.idAttr !== null, cpus };
  });
  const n = cells.length;
  const byId: (GuestCell | undefined)[] = new Array(n);
  let idsValid = true;
  for (const c of cells) {
    if (c.id === null || c.id >= n || byId[c.id]) {
      idsValid = false;
      continue;
    }
    byId[c.id] = c;
  }
  return { cells, idsValid, byId: idsValid ? (byId as GuestCell[]) : null };
});

/**
 * The vCPUs each cell holds once libvirt has completed them (R6.2,
 * `qemuDomainDefNumaCPUsRectify`): when the cells list fewer vCPUs than `<vcpu>`, cell 0 gets
 * every vCPU no other cell lists. Indexed by cell id. Null when the ids or the vCPU count are not
 * valid, or a `cpus` does not parse.
 */
export function completedCellCpus(domain: DomainModel): { cpus: number[][]; addedToCell0: number[] } | null {
  const layout = guestCells(domain);
  const max = maxVcpus(domain);
  if (!layout.byId || max === null || layout.cells.length === 0) return null;
  if (layout.cells.some((c) => c.cell.cpus && c.cpus === null)) return null;
  const cpus = layout.byId.map((c) => c.cpus ?? []);
  const listed = cpus.reduce((s, l) => s + l.length, 0);
  if (listed >= max) return { cpus, addedToCell0: [] };
  const others = new Set(cpus.flatMap((l, id) => (id === 0 ? [] : l)));
  const cell0: number[] = [];
  for (let v = 0; v < max; v++) if (!others.has(v)) cell0.push(v);
  const before = new Set(cpus[0]);
  const added = cell0.filter((v) => !before.has(v));
  cpus[0] = cell0;
  return { cpus, addedToCell0: added };
}

// ---------------------------------------------------------------------------------------------
// <numatune>

export interface ResolvedMemnode {
  memnode: Memnode;
  /** Parsed `cellid`, null when absent or invalid. */
  cellid: number | null;
  /** `mode`, `strict` when absent; null when not a mode. */
  mode: NumatuneMode | null;
  /** Host nodes, null when absent or invalid. */
  nodeset: number[] | null;
}

export type NumatuneErrorKind = 'mode' | 'placement' | 'nodeset' | 'static-without-nodeset';

export interface NumatuneError {
  kind: NumatuneErrorKind;
  error: LibvirtError;
  /** What the finding points at. */
  node: XElement | XAttr;
}

export interface ResolvedNumatune {
  /**
   * libvirt's `memory.specified`: the domain-wide setting exists. False for no `<numatune>`, for
   * a `<memory/>` without attributes, and for a `<numatune>` with only `<memnode>`s — unless
   * `<vcpu placement='auto'>` implies automatic placement.
   */
  specified: boolean;
  /** Domain-wide mode (`strict` by default). */
  mode: NumatuneMode;
  /** Placement after defaulting (R5.2); null when not specified or not decidable. */
  placement: NumatunePlacement | null;
  /** Domain-wide host nodes (static placement); null with auto placement or none. */
  nodeset: number[] | null;
  /** The first `<numatune><memory>` (null when absent). */
  memoryEl: XElement | null;
  /** Its `nodeset` attribute (also when libvirt drops it). */
  nodesetAttr: XAttr | null;
  /** `placement='auto'` and a `nodeset` were both given: libvirt drops the nodeset. */
  nodesetDropped: boolean;
  /** Automatic placement comes from `<vcpu placement='auto'>` (the `<memory>` does not say `auto`). */
  autoFromVcpu: boolean;
  /** `<memnode>`s in document order. */
  memnodes: ResolvedMemnode[];
  /**
   * What libvirt's `<memory>` parse rejects (bad mode, bad placement, bad nodeset, static
   * placement without nodeset), in libvirt's order; libvirt prints the first. Each is found even
   * when an earlier one exists, so a linter can report them all. `<memnode>` errors are not here.
   */
  errors: NumatuneError[];
}

/**
 * `<numatune>` as libvirt resolves it (`virDomainNumatuneParseXML` + `virDomainNumatuneSet`),
 * including `<vcpu placement='auto'>` implying automatic placement when `<numatune>` has no
 * `<memory>` (R5.2).
 */
export const resolveNumatune: (domain: DomainModel) => ResolvedNumatune = perDocument(function resolveNumatune(domain: DomainModel): ResolvedNumatune {
  const nt = domain.numatune;
  const placementStatic = !vcpuPlacementAuto(domain);
  const mem = nt?.memory ?? null;
  const out: ResolvedNumatune = {
    specified: false,
    mode: 'strict',
    placement: null,
    nodeset: null,
    memoryEl: mem?.el ?? null,
    nodesetAttr: mem?.nodeset?.attr ?? null,
    nodesetDropped: false,
    autoFromVcpu: false,
    memnodes: (nt?.memnodes ?? []).map((m) => ({
      memnode: m,
      cellid: m.cellid ? parseUInt(m.cellid.value) : null,
      mode: m.mode ? (isNumatuneMode(m.mode.value) ? m.mode.value : null) : 'strict',
      nodeset: m.nodeset && m.nodeset.parsed.ok ? m.nodeset.parsed.ids : null,
    })),
    errors: [],
  };

  // Each "given" flag is libvirt's "!= -1": the attribute exists, valid or not.
  let mode: NumatuneMode | null = null;
  let modeGiven = false;
  let placement: 'default' | NumatunePlacement | null = null;
  let placementGiven = false;
  let placementValid = true;
  let nodeset: number[] | null = null;
  let nodesetGiven = false;
  if (!placementStatic && !mem) {
    placement = 'auto';
    placementGiven = true;
  }
  if (mem) {
    if (mem.mode) {
      modeGiven = true;
      if (isNumatuneMode(mem.mode.value)) mode = mem.mode.value;
      else out.errors.push({ kind: 'mode', error: libvirt.numatuneModeUnsupported(mem.mode.value), node: mem.mode });
    }
    if (mem.placement) {
      placementGiven = true;
      const p = mem.placement.value;
      if ((NUMATUNE_PLACEMENTS as readonly string[]).includes(p)) placement = p as 'default' | NumatunePlacement;
      else {
        placementValid = false;
        out.errors.push({ kind: 'placement', error: libvirt.numatunePlacementUnsupported(p), node: mem.placement });
      }
    }
    if (mem.nodeset) {
      nodesetGiven = true;
      if (mem.nodeset.parsed.ok) nodeset = mem.nodeset.parsed.ids;
      else out.errors.push({ kind: 'nodeset', error: mem.nodeset.parsed.error, node: mem.nodeset.attr });
    }
  }
  if (!modeGiven && !placementGiven && !nodesetGiven) return out;
  if (!placementValid) return out;

  const resolved: NumatunePlacement = placement === 'static' || placement === 'auto' ? placement : nodesetGiven || placementStatic ? 'static' : 'auto';
  if (resolved === 'static' && !nodesetGiven) {
    out.errors.push({
      kind: 'static-without-nodeset',
      error: libvirt.staticPlacementNeedsNodeset(),
      node: mem?.placement ?? (mem as NonNullable<typeof mem>).el,
    });
    return out;
  }
  out.specified = true;
  out.mode = mode ?? 'strict';
  out.placement = resolved;
  // Without <memory>, 'auto' was set from <vcpu placement='auto'> above.
  out.autoFromVcpu = resolved === 'auto' && (!mem || placement !== 'auto');
  if (resolved === 'auto') {
    out.nodesetDropped = nodesetGiven;
    out.nodeset = null;
  } else {
    out.nodeset = nodeset;
  }
  return out;
});

/** Whether libvirt asks numad for advice at start (`virDomainDefNeedsPlacementAdvice`). */
export function needsNumad(domain: DomainModel): boolean {
  if (vcpuPlacementAuto(domain)) return true;
  const nt = resolveNumatune(domain);
  return nt.specified && nt.placement === 'auto';
}

// ---------------------------------------------------------------------------------------------
// Host nodeset and mode per memory backend (R5.5)

export type NodesetSource = 'nodemask' | 'memnode' | 'memory' | 'numad';

export interface BackendBinding {
  /** `pc.ram` (guest without cells), a guest cell, or a memory device. */
  kind: 'ram' | 'cell' | 'device';
  /** The guest cell: the cell itself, a device's target cell; null for `pc.ram`. */
  cellId: number | null;
  /** The cell element (kind `cell`). */
  cell: NumaCell | null;
  /** The memory device (kind `device`). */
  device: MemoryDevice | null;
  /**
   * Host nodes the backend is bound to; null when none applies or when numad decides
   * (`source: 'numad'`, known only at start).
   */
  hostNodes: number[] | null;
  /** Where the host nodes come from. */
  source: NodesetSource | null;
  /** The attribute or element that wrote them (`<memnode nodeset>`, `<memory nodeset>`, `<nodemask>`). */
  origin: XAttr | XElement | null;
  /** The memory mode that applies: the cell's memnode, else `<memory>`, else strict. */
  mode: NumatuneMode;
  /**
   * The QEMU policy on the backend (`bind`, `preferred`, `interleave`): only when host nodes apply
   * and the mode is not restrictive. Restrictive limits `cpuset.mems` instead.
   */
  policy: 'bind' | 'preferred' | 'interleave' | null;
}

/** A memory device's `<target><node>` (`virXPathUInt`), null when absent or not an unsigned int. */
export function deviceTargetCell(d: MemoryDevice): number | null {
  if (!d.node) return null;
  return parseUInt(textOf(d.node));
}

/**
 * For every guest memory backend, in QEMU command-line order (pc.ram, or cells 0, 1, …; then
 * memory devices), the host nodeset and mode that apply (R5.5). Cells are taken in id order;
 * returns [] when the cell ids are not valid or `<numatune><memory>` is rejected (define fails).
 */
export const backendBindings: (domain: DomainModel) => BackendBinding[] = perDocument(function backendBindings(domain: DomainModel): BackendBinding[] {
  const nt = resolveNumatune(domain);
  if (nt.errors.length) return [];
  const layout = guestCells(domain);
  if (layout.cells.length > 0 && !layout.byId) return [];
  const memnodeByCell = new Map<number, ResolvedMemnode>();
  for (const m of nt.memnodes) if (m.cellid !== null && m.nodeset && m.mode && !memnodeByCell.has(m.cellid)) memnodeByCell.set(m.cellid, m);
  const auto = nt.specified && nt.placement === 'auto';

  const bind = (cellId: number | null, nodemask: { nodes: number[]; el: XElement } | null): Omit<BackendBinding, 'kind' | 'cell' | 'device'> => {
    const mn = cellId !== null && cellId < layout.cells.length ? memnodeByCell.get(cellId) : undefined;
    const mode: NumatuneMode = mn?.mode ?? (nt.specified ? nt.mode : 'strict');
    let hostNodes: number[] | null = null;
    let source: NodesetSource | null = null;
    let origin: XAttr | XElement | null = null;
    if (nodemask) {
      hostNodes = nodemask.nodes;
      source = 'nodemask';
      origin = nodemask.el;
    } else if (auto) {
      source = 'numad';
    } else if (mn) {
      hostNodes = mn.nodeset;
      source = 'memnode';
      origin = mn.memnode.nodeset?.attr ?? null;
    } else if (nt.specified && nt.nodeset) {
      hostNodes = nt.nodeset;
      source = 'memory';
      origin = nt.nodesetAttr;
    }
    const policy = source !== null && mode !== 'restrictive' ? QEMU_POLICY[mode] : null;
    return { cellId, hostNodes, source, origin, mode, policy };
  };

  const out: BackendBinding[] = [];
  if (layout.byId && layout.byId.length > 0) {
    for (const c of layout.byId) out.push({ kind: 'cell', cell: c.cell, device: null, ...bind(c.id, null) });
  } else {
    out.push({ kind: 'ram', cell: null, device: null, ...bind(null, null) });
  }
  for (const d of domain.memoryDevices) {
    const nm = d.nodemask && d.nodemask.parsed.ok ? { nodes: d.nodemask.parsed.ids, el: d.nodemask.el } : null;
    out.push({ kind: 'device', cell: null, device: d, ...bind(deviceTargetCell(d), nm) });
  }
  return out;
});

export interface HostNodesetUse {
  /** The host nodes named. */
  nodes: number[];
  /** Where they were written. */
  origin: XAttr | XElement;
  /** What libvirt checks them for: the domain-wide setting, a guest cell, or a memory device. */
  use: 'domain' | 'cell' | 'device';
  cellId: number | null;
}

/**
 * The host nodesets libvirt checks for existence at start (R5.4), in the order it checks them:
 * with guest cells, the domain-wide `<memory>` nodeset first and then each cell's nodeset
 * (`virDomainNumatuneNodesetIsAvailable`, before any cell backend is built); without cells, the
 * nodeset of `pc.ram`; then each memory device's nodeset. Auto placement names no nodes here
 * (numad's advice only names nodes that exist).
 */
export const hostNodesetUses: (domain: DomainModel) => HostNodesetUse[] = perDocument(function hostNodesetUses(domain: DomainModel): HostNodesetUse[] {
  const bindings = backendBindings(domain);
  if (bindings.length === 0) return [];
  const out: HostNodesetUse[] = [];
  const nt = resolveNumatune(domain);
  if (bindings[0]?.kind === 'cell' && nt.specified && nt.nodeset && nt.nodesetAttr) {
    out.push({ nodes: nt.nodeset, origin: nt.nodesetAttr, use: 'domain', cellId: null });
  }
  for (const b of bindings) {
    if (!b.hostNodes || !b.origin) continue;
    out.push({ nodes: b.hostNodes, origin: b.origin, use: b.kind === 'device' ? 'device' : b.kind === 'cell' ? 'cell' : 'domain', cellId: b.cellId });
  }
  return out;
});
