/**
 * What libvirt accepts in the memory area of a domain definition: which elements may appear
 * where, with which attributes, how often, and what libvirt's parser does with a second copy.
 * The table is libvirt 9.0's; what a later profile adds is marked with `since` and the table of
 * a profile is `memoryArea(profile)` (the libvirt-schema tests compare each with its RNG).
 *
 * Written from the spec (§1.1, §3.1, §4, §5.1, §6.1) and the facts of libvirt 9.0's RNG schema
 * (`domaincommon.rng`, `cputypes.rng`), checked against real `virsh define` / `dumpxml` where
 * the parser's handling of repeats matters. Only the memory area is described: `<cpu>` and
 * `<devices>` appear with just their memory children (`<numa>`, `<memory>`), everything else in
 * them is left unchecked.
 *
 * libvirt's parser reads a definition with XPath queries: an element or attribute it does not
 * ask for is ignored without a word (plain `virsh define`), while the RNG schema rejects it
 * (`virsh define --validate`, `virsh edit`, virt-xml-validate).
 */
import { freezeShared } from './per-document.js';
import { PROFILE_IDS, type ProfileId } from '../libvirt/profile.js';
import type { Fixer, TextEdit } from '../xml/edit.js';
import { childElements, firstChild, type XElement, type XNode } from '../xml/tree.js';
import { createContainer as createChildContainer, insertInOrder as insertInOrderOf, moveInto, removeWithNoteOrParent, type ChildPlace } from '../xml/fixes.js';
import type { MemtuneLimitName, MemtuneModel } from './model.js';
import { MEMORY_ACCESS_MODES, MEMORY_ALLOCATION_MODES, MEMORY_DEVICE_MODELS, MEMORY_SOURCE_TYPES, MEMTUNE_LIMITS, NUMATUNE_MODES, ON_OFF, YES_NO } from './values.js';
import { schema } from '../libvirt/messages.js';

/** What libvirt does when an element appears more than once under the same parent. */
export type RepeatPolicy =
  /** Allowed any number of times (each copy means something). */
  | 'many'
  /** Only the first copy is read; later copies are ignored. */
  | 'first-wins'
  /**
   * The copies are read as one: flags from any copy count, for each setting the first copy in
   * document order that has it wins (XPath `./x/y[1]` over every `x`).
   */
  | 'merged'
  /** The children of every copy are pooled (e.g. `<page>`s of two `<hugepages>`). */
  | 'pooled'
  /** A second copy fails `virsh define`. */
  | 'define-error';

export type Content =
  /** No text and no children (`<nosharepages/>`); libvirt only looks at whether it is there. */
  | 'empty'
  /** Empty, with meaning only in its attributes (`<page size=…/>`). */
  | 'attrs-only'
  /** A number (scaled integer, count, id). */
  | 'number'
  /** Free text (uuid, path, nodeset). */
  | 'text'
  /** Child elements only; text between them is ignored. */
  | 'elements'
  /** Not described here (outside the memory area); never checked. */
  | 'unchecked';

export interface ElementSpec {
  name: string;
  /** Attributes the schema allows, with their allowed values when they are a fixed list. */
  attrs: Readonly<Record<string, readonly string[] | null>>;
  content: Content;
  /** Allowed children (for `elements` content). */
  children?: readonly ElementSpec[];
  /** At most one copy is valid (RNG `optional`). */
  once: boolean;
  /** What the parser does with repeats (only meaningful when `once`). */
  repeat: RepeatPolicy;
  /**
   * For `<cpu>` and `<devices>`: only the listed children belong to the memory area; other
   * children are libvirt's business elsewhere and are never reported.
   */
  partial?: boolean;
  /** The first profile whose schema has this element (absent: every profile). */
  since?: ProfileId;
  /** Attributes only a later profile's schema has, with the first profile that has each. */
  attrsSince?: Readonly<Record<string, ProfileId>>;
}

const UNIT = { unit: null } as const;

function el(name: string, spec: Omit<ElementSpec, 'name'>): ElementSpec {
  return { name, ...spec };
}

const scaled = (name: string, repeat: RepeatPolicy = 'first-wins', extra: Record<string, readonly string[] | null> = {}): ElementSpec =>
  el(name, { attrs: { ...UNIT, ...extra }, content: 'number', once: true, repeat });

/** `<memoryBacking>` children in the order libvirt writes them (spec R1.3). */
export const MEMORY_BACKING_ORDER = ['hugepages', 'nosharepages', 'locked', 'source', 'access', 'allocation', 'discard'] as const;

export const MEMORY_BACKING: ElementSpec = el('memoryBacking', {
  attrs: {},
  content: 'elements',
  once: true,
  repeat: 'merged',
  children: [
    el('hugepages', {
      attrs: {},
      content: 'elements',
      once: true,
      repeat: 'pooled',
      children: [el('page', { attrs: { size: null, unit: null, nodeset: null }, content: 'attrs-only', once: false, repeat: 'many' })],
    }),
    el('nosharepages', { attrs: {}, content: 'empty', once: true, repeat: 'merged' }),
    el('locked', { attrs: {}, content: 'empty', once: true, repeat: 'merged' }),
    el('source', { attrs: { type: MEMORY_SOURCE_TYPES }, content: 'attrs-only', once: true, repeat: 'first-wins' }),
    el('access', { attrs: { mode: MEMORY_ACCESS_MODES }, content: 'attrs-only', once: true, repeat: 'first-wins' }),
    // mode and threads are read separately: each from the first <allocation> that has it.
    el('allocation', { attrs: { mode: MEMORY_ALLOCATION_MODES, threads: null }, content: 'attrs-only', once: true, repeat: 'merged' }),
    el('discard', { attrs: {}, content: 'empty', once: true, repeat: 'merged' }),
  ],
});

export const MEMTUNE: ElementSpec = el('memtune', {
  attrs: {},
  content: 'elements',
  once: true,
  // Observed: two <memtune> are read limit by limit, the first copy holding a limit wins.
  repeat: 'merged',
  children: MEMTUNE_LIMITS.map((n) => scaled(n)),
});

export const NUMATUNE: ElementSpec = el('numatune', {
  attrs: {},
  content: 'elements',
  once: true,
  repeat: 'define-error',
  children: [
    el('memory', { attrs: { mode: NUMATUNE_MODES, placement: ['static', 'auto'], nodeset: null }, content: 'attrs-only', once: true, repeat: 'first-wins' }),
    el('memnode', { attrs: { cellid: null, mode: NUMATUNE_MODES, nodeset: null }, content: 'attrs-only', once: false, repeat: 'many' }),
  ],
});

const HMAT_TYPES = ['access', 'read', 'write'] as const;

export const CPU_NUMA: ElementSpec = el('numa', {
  attrs: {},
  content: 'elements',
  once: true,
  repeat: 'first-wins',
  children: [
    el('cell', {
      attrs: { id: null, cpus: null, memory: null, unit: null, memAccess: MEMORY_ACCESS_MODES, discard: YES_NO },
      content: 'elements',
      once: false,
      repeat: 'many',
      children: [
        el('distances', {
          attrs: {},
          content: 'elements',
          once: true,
          repeat: 'first-wins',
          children: [el('sibling', { attrs: { id: null, value: null }, content: 'attrs-only', once: false, repeat: 'many' })],
        }),
        el('cache', {
          attrs: { level: null, associativity: ['none', 'direct', 'full'], policy: ['none', 'writeback', 'writethrough'] },
          content: 'elements',
          once: false,
          repeat: 'many',
          children: [
            el('size', { attrs: { value: null, unit: null }, content: 'attrs-only', once: true, repeat: 'first-wins' }),
            el('line', { attrs: { value: null, unit: null }, content: 'attrs-only', once: true, repeat: 'first-wins' }),
          ],
        }),
      ],
    }),
    el('interconnects', {
      attrs: {},
      content: 'elements',
      once: true,
      repeat: 'first-wins',
      children: [
        el('latency', { attrs: { initiator: null, target: null, cache: null, type: HMAT_TYPES, value: null }, content: 'attrs-only', once: false, repeat: 'many' }),
        el('bandwidth', { attrs: { initiator: null, target: null, cache: null, type: HMAT_TYPES, value: null, unit: null }, content: 'attrs-only', once: false, repeat: 'many' }),
      ],
    }),
  ],
});

const UNCHECKED = (name: string): ElementSpec => el(name, { attrs: {}, content: 'unchecked', once: true, repeat: 'first-wins' });

/** `<devices><memory model=…>` (DIMM, NVDIMM, virtio-mem, virtio-pmem, SGX EPC). */
export const MEMORY_DEVICE: ElementSpec = el('memory', {
  attrs: { model: MEMORY_DEVICE_MODELS, access: MEMORY_ACCESS_MODES, discard: YES_NO },
  content: 'elements',
  once: false,
  repeat: 'many',
  children: [
    el('uuid', { attrs: {}, content: 'text', once: true, repeat: 'first-wins' }),
    el('source', {
      attrs: {},
      content: 'elements',
      once: true,
      repeat: 'first-wins',
      children: [
        scaled('pagesize'),
        el('nodemask', { attrs: {}, content: 'text', once: true, repeat: 'first-wins' }),
        el('path', { attrs: {}, content: 'text', once: true, repeat: 'first-wins' }),
        scaled('alignsize'),
        el('pmem', { attrs: {}, content: 'empty', once: true, repeat: 'first-wins' }),
      ],
    }),
    el('target', {
      // virtio-mem's dynamicMemslots= and guest <address base=…/>: in 11.3's schema, not in 9.0's.
      attrs: { dynamicMemslots: ['yes', 'no'] },
      attrsSince: { dynamicMemslots: '11.3' },
      content: 'elements',
      once: true,
      repeat: 'first-wins',
      children: [
        scaled('size'),
        el('node', { attrs: {}, content: 'number', once: true, repeat: 'first-wins' }),
        scaled('block'),
        scaled('requested'),
        scaled('current'),
        el('label', { attrs: {}, content: 'elements', once: true, repeat: 'first-wins', children: [scaled('size')] }),
        el('readonly', { attrs: {}, content: 'empty', once: true, repeat: 'first-wins' }),
        el('address', { attrs: { base: null }, content: 'attrs-only', once: true, repeat: 'first-wins', since: '11.3' }),
      ],
    }),
    // Generic device parts, described elsewhere in libvirt's schema.
    UNCHECKED('address'),
    UNCHECKED('alias'),
    UNCHECKED('acpi'),
  ],
});

/** The memory-area children of `<domain>`, for every profile (`since` marks the later ones). */
const ALL_MEMORY_CHILDREN: readonly ElementSpec[] = [
  scaled('maxMemory', 'first-wins', { slots: null }),
  scaled('memory', 'first-wins', { dumpCore: ON_OFF }),
  scaled('currentMemory'),
  MEMTUNE,
  MEMORY_BACKING,
  NUMATUNE,
  el('cpu', { attrs: {}, content: 'elements', once: true, repeat: 'first-wins', partial: true, children: [CPU_NUMA] }),
  el('devices', { attrs: {}, content: 'elements', once: true, repeat: 'first-wins', partial: true, children: [MEMORY_DEVICE] }),
];

/**
 * Every element libvirt 9.0 knows directly under `<domain>` (memory area or not). A child not in
 * this list is unknown to libvirt; the linter only reports those that look like memory settings.
 */
export const DOMAIN_CHILDREN: ReadonlySet<string> = new Set([
  'name', 'uuid', 'genid', 'title', 'description', 'metadata',
  'cpu', 'sysinfo', 'os', 'bootloader', 'bootloader_args', 'clock',
  'maxMemory', 'memory', 'currentMemory', 'memoryBacking',
  'vcpu', 'vcpus', 'iothreads', 'iothreadids', 'defaultiothread',
  'blkiotune', 'memtune', 'cputune', 'numatune', 'resource',
  'features', 'on_poweroff', 'on_reboot', 'on_crash', 'on_lockfailure',
  'pm', 'perf', 'idmap', 'devices', 'seclabel', 'keywrap', 'launchSecurity',
]);

/** Top-level children libvirt writes before `<memoryBacking>` / `<memtune>` (spec R1.3, R3.7). */
export const BEFORE_MEMTUNE = ['maxMemory', 'memory', 'currentMemory', 'blkiotune'] as const;
export const BEFORE_MEMORY_BACKING = [...BEFORE_MEMTUNE, 'memtune'] as const;

/** A place in the memory area: the chain of element names below `<domain>`. */
export type AreaPath = readonly string[];

export interface Placement {
  path: AreaPath;
  spec: ElementSpec;
}

function collect(spec: ElementSpec, path: AreaPath, out: Map<string, Placement[]>): void {
  for (const c of spec.children ?? []) {
    if (c.content === 'unchecked') continue;
    const p = [...path, c.name];
    const list = out.get(c.name) ?? [];
    list.push({ path: p, spec: c });
    out.set(c.name, list);
    collect(c, p, out);
  }
}

/** The memory area as one profile's schema has it. */
export interface MemoryArea {
  profile: ProfileId;
  /** The memory-area children of `<domain>`. */
  children: readonly ElementSpec[];
  /** Every memory-area element name → the places it may stand (e.g. `nosharepages` → memoryBacking). */
  placements: ReadonlyMap<string, readonly Placement[]>;
}

const has = (profile: ProfileId, since: ProfileId | undefined): boolean =>
  since === undefined || PROFILE_IDS.indexOf(since) <= PROFILE_IDS.indexOf(profile);

function forProfile(spec: ElementSpec, profile: ProfileId): ElementSpec {
  const attrs = Object.fromEntries(Object.entries(spec.attrs).filter(([a]) => has(profile, spec.attrsSince?.[a])));
  const children = spec.children?.filter((c) => has(profile, c.since)).map((c) => forProfile(c, profile));
  return areaSpec(spec.name, attrs, spec.content, children, spec.once, spec.repeat, spec.partial);
}

/**
 * A spec of a profile's memory area. Every one has the same fields in the same order (absent ones
 * undefined), so that the walks over the area, run for every element of every document, read
 * them from one object shape; objects spread together, or with fields deleted, would each have a
 * shape of their own (or none, after a delete), and V8's optimised code for those walks would be
 * thrown away as each new one turned up.
 */
export function areaSpec(
  name: string,
  attrs: ElementSpec['attrs'],
  content: Content,
  children: readonly ElementSpec[] | undefined,
  once: boolean,
  repeat: RepeatPolicy,
  partial: boolean | undefined,
): ElementSpec {
  return { name, attrs, content, children, once, repeat, partial };
}

const areas = new Map<ProfileId, MemoryArea>();

/** The memory area of `profile`'s schema (9.0's when none is given). */
export function memoryArea(profile: ProfileId = '9.0'): MemoryArea {
  let area = areas.get(profile);
  if (!area) {
    const children = ALL_MEMORY_CHILDREN.filter((c) => has(profile, c.since)).map((c) => forProfile(c, profile));
    const placements = new Map<string, Placement[]>();
    collect(el('domain', { attrs: {}, content: 'elements', once: true, repeat: 'first-wins', children }), [], placements);
    // <cpu> and <devices> are containers, not memory settings.
    placements.delete('cpu');
    placements.delete('devices');
    area = { profile, children, placements };
    areas.set(profile, area);
  }
  return area;
}

/** Names that are so generic (or belong to other parts of the domain too) that a stray copy is not a memory setting by its name alone. */
export const GENERIC_NAMES: ReadonlySet<string> = new Set([
  'memory', 'source', 'target', 'size', 'path', 'uuid', 'node', 'label', 'readonly', 'address', 'alias', 'acpi',
  'line', 'cache', 'type', 'id', 'block', 'current', 'requested', 'distances', 'sibling', 'latency', 'bandwidth', 'interconnects',
]);

/** The spec of a child of `spec` by name. */
export function childSpec(spec: ElementSpec, name: string): ElementSpec | undefined {
  const children = spec.children;
  if (children === undefined) return undefined;
  for (let i = 0; i < children.length; i++) if ((children[i] as ElementSpec).name === name) return children[i];
  return undefined;
}

/** Domain-level spec by name. */
export function domainChildSpec(name: string, area: MemoryArea = memoryArea()): ElementSpec | undefined {
  const children = area.children;
  for (let i = 0; i < children.length; i++) if ((children[i] as ElementSpec).name === name) return children[i];
  return undefined;
}

/** `<a><b>` form of a path, for messages. */
export function formatPath(path: AreaPath): string {
  return path.map((p) => `<${p}>`).join('');
}

// ---------------------------------------------------------------------------------------------
// "Did you mean": spelling slips against a list of known names.

/** Lower case without `-`, `_` and spaces: `hard-limit`, `Hard_Limit`, `hardlimit` all match. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

/** Damerau-Levenshtein (optimal string alignment) distance. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

export type SlipKind =
  /** Same letters, other case or `-`/`_` (`hard-limit` → `hard_limit`, `memorybacking`). */
  | 'spelling'
  /** A plural `s` too many or too few (`hugepage` → `hugepages`, `units` → `unit`). */
  | 'plural'
  /** One letter wrong, missing, extra or swapped (`memoryBaking`). */
  | 'typo'
  /** Two letters off: a guess, never fixed automatically. */
  | 'guess';

export interface Suggestion {
  name: string;
  kind: SlipKind;
}

/**
 * The known names `name` is plausibly a slip of, best first. `sure` is set when exactly one
 * name fits at the best level and that level is certain enough to fix (spelling, plural, or a
 * one-letter typo in a name of five letters or more).
 */
export function suggestName(name: string, known: readonly string[]): { best: Suggestion[]; sure: Suggestion | null } {
  const n = normaliseName(name);
  const levels: Record<SlipKind, string[]> = { spelling: [], plural: [], typo: [], guess: [] };
  for (const k of new Set(known)) {
    if (k === name) continue;
    const m = normaliseName(k);
    if (m === n) levels.spelling.push(k);
    else if (m === n + 's' || m + 's' === n) levels.plural.push(k);
    else {
      const dist = editDistance(n, m);
      if (dist === 1 && Math.min(n.length, m.length) >= 4) levels.typo.push(k);
      else if (dist === 2 && Math.min(n.length, m.length) >= 7) levels.guess.push(k);
      // A word cut short or run on (`lock` for `locked`, `hugepagesize` for `hugepages`).
      else if (Math.min(n.length, m.length) >= 4 && Math.abs(n.length - m.length) <= 3 && (m.startsWith(n) || n.startsWith(m))) levels.guess.push(k);
    }
  }
  for (const kind of ['spelling', 'plural', 'typo', 'guess'] as const) {
    const list = levels[kind];
    if (list.length === 0) continue;
    const best = list.map((k) => ({ name: k, kind }));
    const certain = kind !== 'guess' && (kind !== 'typo' || n.length >= 5);
    return { best, sure: certain && best.length === 1 ? (best[0] as Suggestion) : null };
  }
  return { best: [], sure: null };
}

// ---------------------------------------------------------------------------------------------
// Walking the memory area of a document.


export interface AreaVisit {
  el: XElement;
  spec: ElementSpec;
  /** Names from `<domain>` down to `el`, e.g. ['memoryBacking', 'hugepages']. */
  path: AreaPath;
}

/**
 * Every known memory-area element of the domain, parents before children, with its spec.
 * Unknown elements (and what is below them), namespaced elements, and the parts of `<cpu>` and
 * `<devices>` outside the memory area are not visited.
 */
export function walkMemoryArea(root: XElement, area: MemoryArea = memoryArea()): readonly AreaVisit[] {
  // Three rules walk each document in turn: the last walk is kept for them (a tree never changes).
  if (lastWalk !== null && lastWalk.root === root && lastWalk.area === area) return lastWalk.visits;
  const out: AreaVisit[] = [];
  const visit = (el: XElement, spec: ElementSpec, path: AreaPath): void => {
    out.push({ el, spec, path });
    if (spec.content !== 'elements') return;
    const children = el.children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i] as XNode;
      if (c.kind !== 'element' || c.namespace !== null || c.name.includes(':')) continue;
      const cs = childSpec(spec, c.name);
      if (cs && cs.content !== 'unchecked') visit(c, cs, [...path, c.name]);
    }
  };
  // Indexed loops: every file's top level, before V8 has optimised this (a for…of allocates per step).
  const top = root.children;
  for (let i = 0; i < top.length; i++) {
    const c = top[i] as XNode;
    if (c.kind !== 'element' || c.namespace !== null) continue;
    const spec = domainChildSpec(c.name, area);
    if (spec) visit(c, spec, [c.name]);
  }
  lastWalk = { root, area, visits: freezeShared(out) };
  return out;
}
let lastWalk: { root: XElement; area: MemoryArea; visits: readonly AreaVisit[] } | null = null;

// ---------------------------------------------------------------------------------------------
// Where libvirt expects an element, for fixes. The edits are built by src/xml/fixes.ts.

/** The order libvirt writes the children of a container in, when it has one. */
export function canonicalOrder(container: string): readonly string[] | null {
  if (container === 'memoryBacking') return MEMORY_BACKING_ORDER;
  if (container === 'memtune') return MEMTUNE_LIMITS;
  return null;
}

/** Where libvirt writes a domain-level `<memtune>` or `<memoryBacking>`. */
export function containerPlace(container: 'memoryBacking' | 'memtune'): ChildPlace {
  return container === 'memtune' ? { after: BEFORE_MEMTUNE, before: ['memoryBacking', 'vcpu'] } : { after: BEFORE_MEMORY_BACKING, before: ['vcpu'] };
}

/** Insert `markup` (an element named `name`) into `container` at its canonical position. */
export function insertInOrder(fixer: Fixer, container: XElement, name: string, markup: string): TextEdit {
  return insertInOrderOf(fixer, container, name, markup, canonicalOrder(container.name));
}

/** Create `<container>` holding `inner` (markup of one child) where libvirt writes it in `<domain>`. */
export function createContainer(fixer: Fixer, root: XElement, container: 'memoryBacking' | 'memtune', inner: string): TextEdit {
  return createChildContainer(fixer, root, container, inner, containerPlace(container));
}

/**
 * Move `el` (renamed to `name` when given) into the domain-level `container`, creating the
 * container when the domain has none. Null when the container already has such a child (the
 * move would make a duplicate) or `el` is the container itself.
 */
export function moveIntoContainer(fixer: Fixer, root: XElement, el: XElement, container: 'memoryBacking' | 'memtune', name = el.name): TextEdit[] | null {
  const target = firstChild(root, container);
  if (target === el) return null;
  if (target && firstChild(target, name)) return null;
  return moveInto(fixer, el, name, target ?? null, canonicalOrder(container), { parent: root, container, place: containerPlace(container) });
}

/**
 * Remove a memtune limit with a comment trailing it on its line; when it is all the only
 * `<memtune>` holds, the `<memtune>` goes too (libvirt drops an empty one). Null when removing it
 * would let a later copy of the element take its place.
 */
export function removeLimit(memtune: MemtuneModel | null, fixer: Fixer, name: MemtuneLimitName, el: XElement): TextEdit | null {
  if (!memtune || (memtune.children[name]?.length ?? 0) !== 1) return null;
  return removeWithNoteOrParent(fixer, el, memtune.all.length === 1);
}

// ---------------------------------------------------------------------------------------------
// What is lost when libvirt ignores an element, for messages.

const LOST: Readonly<Record<string, string>> = {
  memory: 'the guest memory size it sets is not read',
  currentMemory: 'the balloon target falls back to <memory>',
  maxMemory: 'memory hotplug is not configured',
  memoryBacking: 'none of its settings take effect',
  hugepages: 'guest RAM gets no huge pages',
  page: 'that page size is not used',
  nosharepages: 'KSM may still merge the guest\'s memory',
  locked: 'guest memory is not locked',
  source: 'the default memory source is used',
  access: 'the default memory access mode is used',
  allocation: 'the default allocation is used',
  discard: 'memory is not discarded',
  memtune: 'none of its limits are applied',
  hard_limit: 'no hard limit is applied',
  soft_limit: 'no soft limit is applied',
  swap_hard_limit: 'no swap limit is applied',
  min_guarantee: 'no minimum guarantee is set',
  numatune: 'guest memory is not bound to host nodes',
  memnode: 'that guest cell is not bound to host nodes',
  numa: 'the guest gets no NUMA topology',
  cell: 'that guest NUMA cell does not exist',
  pagesize: 'the memory device\'s page size is not used',
  node: 'the memory device has no target guest NUMA cell',
  size: 'the size is not read',
  nodemask: 'the memory device is not bound to host nodes',
};

/** "what is lost" for an ignored element meant to be `intended`, or a generic phrase. */
export function lostSetting(intended: string | null): string {
  return (intended && LOST[intended]) || 'whatever it was meant to set is lost';
}

/**
 * The detail line `virsh define --validate` prints for a schema violation inside the domain-level
 * element `top` (libxml2 names the top-level child whose content fails, not the inner element).
 * `unknownTop` is set for an element libvirt does not know at domain level at all.
 */
export function schemaDetail(top: string, unknownTop = false): string {
  return unknownTop ? schema.extraContent(top) : schema.extraElement(top);
}

/** How findings of the schema stage quote libvirt (the line after the generic first line). */
export function schemaQuote(top: string, unknownTop = false): string {
  return `(libvirt --validate: ${schemaDetail(top, unknownTop)})`;
}

// ---------------------------------------------------------------------------------------------
// Who explains a schema violation in the memory area.

const SIZE_RULES = ['size-value', 'size-schema', 'unknown-memory-element', 'unknown-memory-attribute', 'duplicate-memory-element'] as const;

/**
 * Where the memory-area rules explain what libvirt's RNG schema rejects, and which rules do.
 * The `libvirt-schema` rule leaves a violation inside such an element to them whenever one of
 * them reported something there, and reports it itself otherwise (those rules off, or a
 * violation they do not know). `['*']` stands for a child of `<domain>` libvirt does not know.
 */
export const SCHEMA_EXPLAINED_BY: readonly { area: AreaPath; rules: readonly string[] }[] = [
  { area: ['memory'], rules: [...SIZE_RULES, 'memory-size-required'] },
  { area: ['currentMemory'], rules: SIZE_RULES },
  { area: ['maxMemory'], rules: [...SIZE_RULES, 'memory-max'] },
  { area: ['memtune'], rules: [...SIZE_RULES, 'memtune-unlimited', 'memtune-sentinel'] },
  {
    area: ['memoryBacking'],
    rules: [...SIZE_RULES, 'hugepage-stray-page', 'hugepage-page-attributes', 'hugepage-backing-values'],
  },
  {
    area: ['numatune'],
    rules: ['numatune-schema', 'numatune-mode', 'numatune-nodeset', 'numatune-auto-nodeset', 'numatune-duplicate', 'numatune-memnode', 'unknown-memory-element', 'unknown-memory-attribute', 'duplicate-memory-element'],
  },
  {
    area: ['cpu', 'numa'],
    rules: [...SIZE_RULES, 'numa-cells-missing', 'numa-cell-id', 'numa-cell-cpus-syntax', 'hugepage-backing-values'],
  },
  { area: ['devices', 'memory'], rules: [...SIZE_RULES, 'hugepage-backing-values'] },
  { area: ['*'], rules: ['unknown-memory-element'] },
];

/** The elements of the document that stand for an area of SCHEMA_EXPLAINED_BY, with their rules. */
export function explainedAreas(root: XElement): { el: XElement; rules: readonly string[] }[] {
  const out: { el: XElement; rules: readonly string[] }[] = [];
  for (const { area, rules } of SCHEMA_EXPLAINED_BY) {
    if (area[0] === '*') {
      for (const c of childElements(root)) if (c.namespace === null && !c.name.includes(':') && !DOMAIN_CHILDREN.has(c.name)) out.push({ el: c, rules });
      continue;
    }
    let level = [root];
    for (const name of area) level = level.flatMap((e) => childElements(e, name));
    for (const el of level) out.push({ el, rules });
  }
  return out;
}
