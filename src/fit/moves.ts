/**
 * The moves `kvmxml fit` may make, as text edits on the original bytes: give a guest cell (or the
 * whole guest, or a memory device with its own `<pagesize>`) another huge page size, point a
 * `<numatune>` nodeset at other host nodes. Sizes and units are written in the file's own style:
 * a page written in a unit that was wrong (`unit='MB'`, a bare `size='2'`) keeps its number and
 * gets the unit that makes it the size chosen.
 */
import { cellIdOf, type EffectivePage } from '../domain/hugepages.js';
import type { DomainModel, MemoryDevice } from '../domain/model.js';
import { formatNodeset } from '../domain/nodeset.js';
import { parseUnit } from '../domain/units.js';
import type { Fixer, TextEdit } from '../xml/edit.js';
import { attr, type XAttr, type XElement } from '../xml/tree.js';

/** How sizes are spelt in a document: `M`/`G` letters or `MiB`/`GiB`. */
export type UnitStyle = 'letter' | 'binary';

const LETTERS: Record<number, string> = { 1: 'K', 1024: 'M', 1048576: 'G' };
const BINARY: Record<number, string> = { 1: 'KiB', 1024: 'MiB', 1048576: 'GiB' };

/** The style most `unit` attributes of the document use (binary units when it has none). */
export function unitStyleOf(root: XElement): UnitStyle {
  let letter = 0;
  let binary = 0;
  const walk = (el: XElement): void => {
    const u = attr(el, 'unit')?.value;
    if (u !== undefined) {
      if (/^[kmgt]$/i.test(u)) letter++;
      else if (/^[kmgt](ib|b)$/i.test(u)) binary++;
    }
    for (const c of el.children) if (c.kind === 'element') walk(c);
  };
  walk(root);
  return letter > binary ? 'letter' : 'binary';
}

function unitName(kibPerUnit: number, style: UnitStyle): string {
  return (style === 'letter' ? LETTERS : BINARY)[kibPerUnit] as string;
}

/** The style of one unit as written: its own spelling when binary, else the document's. */
function styleOfUnit(unit: string | null, doc: UnitStyle): UnitStyle {
  if (unit !== null && /^[kmgt]$/i.test(unit)) return 'letter';
  if (unit !== null && /^[kmgt]ib$/i.test(unit)) return 'binary';
  return doc;
}

/**
 * How to write `targetKiB` where `number` (as written) and `unit` (null = none) stand now:
 * the unit alone when the number in the right unit is the size (a page size in the wrong unit),
 * the number alone when it is a whole number of the written unit, else both.
 */
export function spellSize(number: string | null, unit: string | null, targetKiB: number, docStyle: UnitStyle): { number: string | null; unit: string | null } {
  const style = styleOfUnit(unit, docStyle);
  const n = number !== null && /^\s*\+?\d+\s*$/.test(number) ? Number(number.trim().replace(/^\+/, '')) : null;
  const info = unit === null ? null : parseUnit(unit);
  const wrongUnit = unit === null || info === null || info.decimal;
  const keepNumber = (): { number: null; unit: string } | null => {
    if (n === null || n === 0) return null;
    for (const per of [1024, 1048576, 1]) if (n * per === targetKiB) return { number: null, unit: unitName(per, style) };
    return null;
  };
  const keepUnit = (): { number: string; unit: null } | null => {
    if (!info || info.decimal) return null;
    const bytes = BigInt(targetKiB) * 1024n;
    if (bytes % info.multiplier !== 0n) return null;
    const n = bytes / info.multiplier;
    // 1024 M is written 1 G: a unit is kept for numbers below 1024, or where the file counts KiB
    return n < 1024n || info.multiplier === 1024n ? { number: String(n), unit: null } : null;
  };
  const found = wrongUnit ? (keepNumber() ?? keepUnit()) : (keepUnit() ?? keepNumber());
  if (found) return found;
  const per = targetKiB % 1048576 === 0 ? 1048576 : targetKiB % 1024 === 0 ? 1024 : 1;
  return { number: String(targetKiB / per), unit: unitName(per, style) };
}

/** Edits that make a `<page size unit>` element `targetKiB` in size. */
function setPageElementSize(f: Fixer, el: XElement, targetKiB: number, style: UnitStyle): TextEdit[] {
  const sizeAttr = attr(el, 'size');
  const unitAttr = attr(el, 'unit');
  const s = spellSize(sizeAttr?.value ?? null, unitAttr?.value ?? null, targetKiB, style);
  const edits: TextEdit[] = [];
  if (s.number !== null) edits.push(f.setAttr(el, 'size', s.number));
  if (s.unit !== null) edits.push(f.setAttr(el, 'unit', s.unit));
  return edits;
}

/** Markup of a new `<page>` in the document's quotes and style. */
function pageMarkup(f: Fixer, targetKiB: number, cells: number[] | null, style: UnitStyle): string {
  const q = f.quote;
  const s = spellSize(null, null, targetKiB, style);
  const nodeset = cells ? ` nodeset=${q}${formatNodeset(cells)}${q}` : '';
  return `<page size=${q}${s.number}${q} unit=${q}${s.unit}${q}${nodeset}/>`;
}

/** One edit set with what it does, in words. */
export interface Move {
  edits: TextEdit[];
  changes: string[];
}

const sizeWords = (kib: number | null): string => (kib === null ? 'huge pages of the default size (no hugetlbfs mount names it)' : kib >= 1048576 && kib % 1048576 === 0 ? `${kib / 1048576} GiB pages` : kib >= 1024 && kib % 1024 === 0 ? `${kib / 1024} MiB pages` : `${kib} KiB pages`);

/**
 * Give guest cells (key: cell id; `null` = the guest without cells) new page sizes, rearranging
 * the `<page>` list as little as it can: a master page whose cells all move changes its size; a
 * cell moves into the nodeset of a page of its new size, or out of a nodeset when the master page
 * has that size; what is left gets an emptied page or a new `<page>` after the last one. Pages
 * left without cells are removed.
 */
export function pageMoves(f: Fixer, domain: DomainModel, pages: EffectivePage[], target: Map<number | null, number>, current: (p: EffectivePage) => number | null, style: UnitStyle): Move {
  const edits: TextEdit[] = [];
  const changes: string[] = [];
  if (target.size === 0) return { edits, changes };
  const master = pages.find((p) => p.master && !p.nodesetInvalid) ?? null;
  const setSize = (p: EffectivePage, kib: number): void => {
    if (p.def) edits.push(...setPageElementSize(f, p.el, kib, style));
    else edits.push(f.insertChild(p.el, pageMarkup(f, kib, null, style)));
  };
  if (domain.cells.length === 0) {
    const kib = target.get(null);
    if (kib === undefined || !master) return { edits, changes };
    setSize(master, kib);
    changes.push(`the guest memory: ${sizeWords(current(master))} → ${sizeWords(kib)}`);
    return { edits, changes };
  }
  const cellIds = domain.cells.map(cellIdOf);
  const pageOf = new Map<number, EffectivePage | null>();
  for (const c of cellIds) {
    let found: EffectivePage | null = null;
    for (const p of pages) if (!p.master && !p.nodesetInvalid && p.cells?.includes(c)) { found = p; break; }
    pageOf.set(c, found ?? master);
  }
  for (const [c, kib] of target) if (c !== null) changes.push(`guest cell ${c}: ${sizeWords(current(pageOf.get(c) as EffectivePage))} → ${sizeWords(kib)}`);
  const named = pages.filter((p) => !p.master && p.cells);
  const sets = new Map<EffectivePage, Set<number>>(named.map((p) => [p, new Set((p.cells as number[]).filter((c) => !target.has(c)))]));
  let masterSize = master ? current(master) : null;
  const masterCells = cellIds.filter((c) => pageOf.get(c) === master);
  const movedFromMaster = masterCells.filter((c) => target.has(c));
  const handled = new Set<number>();
  const inserts: { parent: XElement; markup: string; after?: XElement }[] = [];
  if (master && masterCells.length > 0 && movedFromMaster.length === masterCells.length && new Set(movedFromMaster.map((c) => target.get(c))).size === 1) {
    masterSize = target.get(movedFromMaster[0] as number) as number;
    setSize(master, masterSize);
    for (const c of movedFromMaster) handled.add(c);
  }
  // <hugepages/> stands for one page of the default size: once it gets children, the cells that
  // stay on the default size need that page written out.
  if (master && !master.def && handled.size === 0 && movedFromMaster.length > 0) {
    const stay = current(master);
    if (stay !== null && movedFromMaster.length < masterCells.length) inserts.push({ parent: master.el, markup: pageMarkup(f, stay, null, style) });
  }
  const pending = new Map<number, number[]>();
  for (const [c, kib] of target) {
    if (c === null || handled.has(c)) continue;
    const fromMaster = pageOf.get(c) === master;
    if (master && !fromMaster && masterSize === kib) continue; // out of its nodeset: the master page covers it
    const same = named.find((p) => current(p) === kib);
    if (same) (sets.get(same) as Set<number>).add(c);
    else pending.set(kib, [...(pending.get(kib) ?? []), c]);
  }
  const reused = new Set<EffectivePage>();
  for (const [kib, cells] of pending) {
    const empty = named.find((p) => !reused.has(p) && (sets.get(p) as Set<number>).size === 0);
    if (empty) {
      reused.add(empty);
      edits.push(...setPageElementSize(f, empty.el, kib, style));
      cells.forEach((c) => (sets.get(empty) as Set<number>).add(c));
    } else {
      const last = pages[pages.length - 1] as EffectivePage;
      const parent = last.def ? last.def.hugepages : last.el;
      inserts.push({ parent, markup: pageMarkup(f, kib, cells, style), ...(last.def ? { after: last.el } : {}) });
    }
  }
  // New pages for one parent go in as one edit (a self-closed <hugepages/> opens once).
  for (const parent of new Set(inserts.map((i) => i.parent))) {
    const mine = inserts.filter((i) => i.parent === parent);
    const markup = mine.map((i) => i.markup).join(f.doc.eol + f.childIndent(parent));
    edits.push(f.insertChild(parent, markup, mine[0]?.after ? { after: mine[0].after } : {}));
  }
  for (const p of named) {
    const now = [...(sets.get(p) as Set<number>)].sort((a, b) => a - b);
    const before = [...new Set(p.cells as number[])].sort((a, b) => a - b);
    if (now.join(',') === before.join(',')) continue;
    if (now.length === 0) edits.push(f.removeElement(p.el));
    else edits.push(f.setAttrValue((p.def?.nodeset as { attr: XAttr }).attr, formatNodeset(now)));
  }
  return { edits, changes };
}

/** A memory device's own `<source><pagesize>` made `targetKiB`. */
export function devicePageMove(f: Fixer, device: MemoryDevice, targetKiB: number, currentKiB: number | null, name: string, style: UnitStyle): Move {
  const el = device.pagesize?.el as XElement;
  const unitAttr = attr(el, 'unit');
  const s = spellSize(device.pagesize?.text ?? null, unitAttr?.value ?? null, targetKiB, style);
  const edits: TextEdit[] = [];
  if (s.number !== null) edits.push(f.replaceText(el, s.number));
  if (s.unit !== null) edits.push(f.setAttr(el, 'unit', s.unit));
  return { edits, changes: [`memory device ${name}: ${sizeWords(currentKiB)} → ${sizeWords(targetKiB)}`] };
}

/** A `<numatune>` nodeset pointed at other host nodes (the mode stays). */
export function nodesetMove(f: Fixer, a: XAttr, nodes: number[], what: string): Move {
  return { edits: [f.setAttrValue(a, formatNodeset(nodes))], changes: [`${what}: host node(s) ${a.value} → ${formatNodeset(nodes)}`] };
}
