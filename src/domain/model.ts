/**
 * View: the source tree → a typed model of what the memory rules need. Every value keeps the
 * element or attribute it came from (for positions and fixes) and is parsed exactly once, with
 * the one unit parser and the one nodeset parser. Like libvirt's parser, the model reads the
 * first of a repeated element; rules that care about the others find them in `all*` lists.
 */
import { attr, childElements, firstChild, textOf, type XAttr, type XElement } from '../xml/tree.js';
import { parseNodeset } from './nodeset.js';
import { noViews, VIEWS } from './per-document.js';
import { parseScaled, type ParseScaledOptions, type ScaledResult } from './units.js';
import { MEMTUNE_LIMITS, MEMTUNE_UPPER_LIMITS, parseUInt, type MemtuneLimitName } from './values.js';

/** A scaled integer as written: element text + `unit` attribute, or two attributes. */
export interface SizeValue {
  /** The element that carries the value (or the attribute's owner). */
  el: XElement;
  /** The attribute holding the number, when the number is an attribute (`<page size>`). */
  valueAttr: XAttr | null;
  unitAttr: XAttr | null;
  /** The number as written (null when absent or empty). */
  text: string | null;
  unit: string | null;
  /** libvirt's internal XPath for this value, as its messages print it. */
  xpath: string;
  result: ScaledResult;
}

export type NodesetValue = ReturnType<typeof parseNodeset>;

export interface NodesetAttr {
  attr: XAttr;
  parsed: NodesetValue;
}

export interface PageDef {
  el: XElement;
  hugepages: XElement;
  size: SizeValue;
  nodeset: NodesetAttr | null;
}

export interface NumaCell {
  el: XElement;
  /** Position among the cells. */
  index: number;
  idAttr: XAttr | null;
  /**
   * The `id` as libvirt reads it (an unsigned int: `'+1'` is 1); null when absent (the cell then
   * takes its position) or not an unsigned int (define fails).
   */
  id: number | null;
  memory: SizeValue;
  cpus: NodesetAttr | null;
  memAccess: XAttr | null;
  discard: XAttr | null;
}

export interface MemoryBackingModel {
  /** First `<memoryBacking>`; libvirt merges repeated ones (spec R1.2). */
  el: XElement;
  all: XElement[];
  hugepages: XElement | null;
  allHugepages: XElement[];
  /** Pages of every `<hugepages>` (libvirt pools them), in document order. */
  pages: PageDef[];
  /** `<page>` written directly under `<memoryBacking>`: libvirt ignores them. */
  strayPages: XElement[];
  /** The same stray pages read like real ones (`hugepages` is then their `<memoryBacking>`), for rules that move them. */
  strayPageDefs: PageDef[];
  nosharepages: XElement | null;
  locked: XElement | null;
  source: XElement | null;
  access: XElement | null;
  allocation: XElement | null;
  discard: XElement | null;
}

export type { MemtuneLimitName } from './values.js';

export interface MemtuneModel {
  el: XElement;
  all: XElement[];
  /**
   * Each limit as libvirt reads it (`./memtune/NAME[1]` over every `<memtune>`): the value of the
   * first such element in document order, the unit of the first of them that has a `unit`
   * attribute (observed: with two `<memtune>`, a unit-less `<soft_limit>` in the first takes
   * the `unit` of the `<soft_limit>` in the second). `hard_limit`, `soft_limit` and
   * `swap_hard_limit` are parsed as limits (`virDomainParseMemoryLimit`).
   */
  limits: Partial<Record<MemtuneLimitName, SizeValue>>;
  /** Every child of every `<memtune>` with a known limit name, in document order (duplicates included). */
  children: Partial<Record<MemtuneLimitName, XElement[]>>;
}

export interface NumatuneMemory {
  el: XElement;
  mode: XAttr | null;
  placement: XAttr | null;
  nodeset: NodesetAttr | null;
}

export interface Memnode {
  el: XElement;
  cellid: XAttr | null;
  mode: XAttr | null;
  nodeset: NodesetAttr | null;
}

export interface NumatuneModel {
  el: XElement;
  all: XElement[];
  memory: NumatuneMemory | null;
  memnodes: Memnode[];
}

export interface MemoryDevice {
  el: XElement;
  model: string | null;
  size: SizeValue | null;
  /** Target guest cell, as written. */
  node: XElement | null;
  pagesize: SizeValue | null;
  nodemask: { el: XElement; parsed: NodesetValue } | null;
}

/** A host CPU set the guest's threads are pinned to (`<vcpu cpuset>`, `<cputune>` pins). */
export interface CpuPin {
  el: XElement;
  cpuset: XAttr;
  /** Whose threads: `vCPU 0`, `the emulator`, `I/O thread 1`, `the emulator and the vCPUs`. */
  what: string;
  parsed: NodesetValue;
}

export interface DomainModel {
  root: XElement;
  /** `type` attribute of `<domain>` (kvm, qemu, …). */
  type: string | null;
  name: string | null;
  memory: SizeValue | null;
  allMemory: XElement[];
  currentMemory: SizeValue | null;
  maxMemory: SizeValue | null;
  maxMemorySlots: XAttr | null;
  vcpuPlacement: string | null;
  cpu: XElement | null;
  numa: XElement | null;
  cells: NumaCell[];
  memoryBacking: MemoryBackingModel | null;
  memtune: MemtuneModel | null;
  numatune: NumatuneModel | null;
  memoryDevices: MemoryDevice[];
  /** Host CPU pinning, in document order. */
  cpuPins: CpuPin[];
}

function elementSize(el: XElement, xpath: string, unitAttr: XAttr | null = attr(el, 'unit') ?? null, options: ParseScaledOptions = {}): SizeValue {
  const raw = textOf(el);
  const text = raw === '' ? null : raw;
  return { el, valueAttr: null, unitAttr, text, unit: unitAttr?.value ?? null, xpath, result: parseScaled(text, unitAttr?.value ?? null, xpath, options) };
}

function attrSize(el: XElement, name: string, xpath: string): SizeValue {
  const valueAttr = attr(el, name) ?? null;
  const unitAttr = attr(el, 'unit') ?? null;
  const text = valueAttr && valueAttr.value !== '' ? valueAttr.value : null;
  return { el, valueAttr, unitAttr, text, unit: unitAttr?.value ?? null, xpath, result: parseScaled(text, unitAttr?.value ?? null, xpath) };
}

function nodesetAttr(el: XElement, name: string): NodesetAttr | null {
  const a = attr(el, name);
  return a ? { attr: a, parsed: parseNodeset(a.value, name) } : null;
}

function buildMemoryBacking(root: XElement): MemoryBackingModel | null {
  const all = childElements(root, 'memoryBacking');
  const el = all[0];
  if (!el) return null;
  const allHugepages = all.flatMap((mb) => childElements(mb, 'hugepages'));
  const pages: PageDef[] = [];
  for (const hp of allHugepages) for (const p of childElements(hp, 'page')) pages.push({ el: p, hugepages: hp, size: attrSize(p, 'size', './@size'), nodeset: nodesetAttr(p, 'nodeset') });
  const first = (name: string): XElement | null => {
    for (const mb of all) {
      const c = firstChild(mb, name);
      if (c) return c;
    }
    return null;
  };
  return {
    el,
    all,
    hugepages: allHugepages[0] ?? null,
    allHugepages,
    pages,
    strayPages: all.flatMap((mb) => childElements(mb, 'page')),
    strayPageDefs: all.flatMap((mb) => childElements(mb, 'page').map((p) => ({ el: p, hugepages: mb, size: attrSize(p, 'size', './@size'), nodeset: nodesetAttr(p, 'nodeset') }))),
    nosharepages: first('nosharepages'),
    locked: first('locked'),
    source: first('source'),
    access: first('access'),
    allocation: first('allocation'),
    discard: first('discard'),
  };
}

function buildMemtune(root: XElement): MemtuneModel | null {
  const all = childElements(root, 'memtune');
  const el = all[0];
  if (!el) return null;
  const limits: Partial<Record<MemtuneLimitName, SizeValue>> = {};
  const children: Partial<Record<MemtuneLimitName, XElement[]>> = {};
  for (const name of MEMTUNE_LIMITS) {
    const found = all.flatMap((m) => childElements(m, name));
    if (found.length) children[name] = found;
    // `./memtune/NAME[1]`: the first NAME of each <memtune>; string() takes the first in document order.
    const firsts = all.map((m) => firstChild(m, name)).filter((c): c is XElement => c !== undefined);
    const c = firsts[0];
    if (!c) continue;
    const unitAttr = firsts.map((f) => attr(f, 'unit')).find((a) => a !== undefined) ?? null;
    limits[name] = elementSize(c, `./memtune/${name}[1]`, unitAttr, { limit: MEMTUNE_UPPER_LIMITS.includes(name) });
  }
  return { el, all, limits, children };
}

function buildNumatune(root: XElement): NumatuneModel | null {
  const all = childElements(root, 'numatune');
  const el = all[0];
  if (!el) return null;
  const m = firstChild(el, 'memory');
  return {
    el,
    all,
    memory: m ? { el: m, mode: attr(m, 'mode') ?? null, placement: attr(m, 'placement') ?? null, nodeset: nodesetAttr(m, 'nodeset') } : null,
    memnodes: childElements(el, 'memnode').map((n) => ({ el: n, cellid: attr(n, 'cellid') ?? null, mode: attr(n, 'mode') ?? null, nodeset: nodesetAttr(n, 'nodeset') })),
  };
}

function buildCells(numa: XElement | null): NumaCell[] {
  if (!numa) return [];
  return childElements(numa, 'cell').map((el, index) => {
    const idAttr = attr(el, 'id') ?? null;
    const id = idAttr ? parseUInt(idAttr.value) : null;
    return {
      el,
      index,
      idAttr,
      id,
      memory: attrSize(el, 'memory', './@memory'),
      cpus: nodesetAttr(el, 'cpus'),
      memAccess: attr(el, 'memAccess') ?? null,
      discard: attr(el, 'discard') ?? null,
    };
  });
}

function buildMemoryDevices(root: XElement): MemoryDevice[] {
  // Built by push into a literal, as the list of a domain without devices is: map() would give
  // the empty list another array shape, and code reading .length would be optimised again.
  const out: MemoryDevice[] = [];
  const devices = firstChild(root, 'devices');
  if (!devices) return out;
  for (const el of childElements(devices, 'memory')) {
    const target = firstChild(el, 'target');
    const source = firstChild(el, 'source');
    const sizeEl = target ? firstChild(target, 'size') : undefined;
    const pagesizeEl = source ? firstChild(source, 'pagesize') : undefined;
    const nodemaskEl = source ? firstChild(source, 'nodemask') : undefined;
    out.push({
      el,
      model: attr(el, 'model')?.value ?? null,
      size: sizeEl ? elementSize(sizeEl, './size') : null,
      node: (target && firstChild(target, 'node')) ?? null,
      pagesize: pagesizeEl ? elementSize(pagesizeEl, './pagesize') : null,
      nodemask: nodemaskEl ? { el: nodemaskEl, parsed: parseNodeset(textOf(nodemaskEl), 'nodemask') } : null,
    });
  }
  return out;
}

export function buildDomainModel(root: XElement): DomainModel {
  const memEls = childElements(root, 'memory');
  const memEl = memEls[0];
  const cur = firstChild(root, 'currentMemory');
  const max = firstChild(root, 'maxMemory');
  const vcpu = firstChild(root, 'vcpu');
  const cpu = firstChild(root, 'cpu') ?? null;
  const numa = (cpu && firstChild(cpu, 'numa')) ?? null;
  const model: DomainModel & { [VIEWS]: unknown[] } = {
    root,
    type: attr(root, 'type')?.value ?? null,
    name: (firstChild(root, 'name') && textOf(firstChild(root, 'name') as XElement)) || null,
    memory: memEl ? elementSize(memEl, './memory[1]') : null,
    allMemory: memEls,
    currentMemory: cur ? elementSize(cur, './currentMemory[1]') : null,
    maxMemory: max ? elementSize(max, './maxMemory[1]') : null,
    maxMemorySlots: (max && attr(max, 'slots')) ?? null,
    vcpuPlacement: (vcpu && attr(vcpu, 'placement')?.value) ?? null,
    cpu,
    numa,
    cells: buildCells(numa),
    memoryBacking: buildMemoryBacking(root),
    memtune: buildMemtune(root),
    numatune: buildNumatune(root),
    memoryDevices: buildMemoryDevices(root),
    cpuPins: buildCpuPins(root, vcpu),
    [VIEWS]: noViews(),
  };
  return model;
}

function buildCpuPins(root: XElement, vcpu: XElement | undefined): CpuPin[] {
  const out: CpuPin[] = [];
  const add = (el: XElement, what: string) => {
    const cpuset = attr(el, 'cpuset');
    if (cpuset) out.push({ el, cpuset, what, parsed: parseNodeset(cpuset.value, 'cpuset') });
  };
  if (vcpu) add(vcpu, 'the emulator and the vCPUs');
  const cputune = firstChild(root, 'cputune');
  for (const el of cputune ? childElements(cputune) : []) {
    if (el.namespace !== null) continue;
    if (el.name === 'vcpupin') add(el, `vCPU ${attr(el, 'vcpu')?.value ?? '?'}`);
    else if (el.name === 'emulatorpin') add(el, 'the emulator');
    else if (el.name === 'iothreadpin') add(el, `I/O thread ${attr(el, 'iothread')?.value ?? '?'}`);
  }
  return out;
}

/** KiB of a size that parsed, else null. */
export function kibOf(v: SizeValue | null | undefined): number | null {
  return v && v.result.ok ? v.result.kib : null;
}
