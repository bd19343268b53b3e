import { formatNodeset } from '../src/domain/nodeset.js';
import {
  areaSpec,
  memoryArea,
  canonicalOrder,
  childSpec,
  formatPath,
  schemaQuote,
  walkMemoryArea,
  type MemoryArea,
  type AreaPath,
  type AreaVisit,
  type ElementSpec,
} from '../src/domain/schema-table.js';
import { parseScaled } from '../src/domain/units.js';
import type { PageDef } from '../src/domain/model.js';
import { renderLibvirtError, type LibvirtError } from '../src/domain/libvirt-error.js';
import type { Report, Rule, RuleContext } from '../src/engine/types.js';
import type { Fixer, TextEdit } from '../src/xml/edit.js';
import { childElements, firstChild, textOf, type XElement, type XText } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';
import { elementMarkup, removeWithNote } from '../src/xml/fixes.js';

/** Same element: name, attribute values, text and child elements (comments and layout aside). */
export function sameElement(a: XElement, b: XElement): boolean {
  if (a.name !== b.name || a.attributes.length !== b.attributes.length) return false;
  for (const x of a.attributes) if (b.attributes.find((y) => y.name === x.name)?.value !== x.value) return false;
  if (textOf(a).trim() !== textOf(b).trim()) return false;
  const ca = childElements(a);
  const cb = childElements(b);
  return ca.length === cb.length && ca.every((c, i) => sameElement(c, cb[i] as XElement));
}

/** How a copy reads in a message: `2 GiB`, `type='memfd'`, `<hugepages/>`. */
function describe(el: XElement, spec: ElementSpec): string {
  if (spec.content === 'number') {
    const text = textOf(el).trim();
    const unit = el.attributes.find((a) => a.name === 'unit')?.value ?? null;
    const r = parseScaled(text === '' ? null : text, unit, el.name);
    return r.ok ? `${r.kib} KiB` : `'${text}'`;
  }
  if (el.attributes.length) return el.attributes.map((a) => `${a.name}='${a.value}'`).join(' ');
  return `<${el.name}${childElements(el).length ? '>…' : '/>'}`;
}

/** The children of `dup` moved into `first` (each at its canonical place), and `dup` removed. */
function mergeInto(fixer: Fixer, first: XElement, dup: XElement): TextEdit[] | null {
  const doc = fixer.doc;
  // A comment right after the start tag, on its line, stays where the copy was; any other
  // comment inside the copy has no obvious new home, so leave the merge to the user.
  const headNote = headComment(doc, dup);
  if (dup.children.some((c) => (c.kind === 'comment' && c !== headNote) || c.kind === 'pi' || ((c.kind === 'text' || c.kind === 'cdata') && c.value.trim() !== ''))) return null;
  const kids = childElements(dup);
  const edits: TextEdit[] = [];
  if (headNote) {
    const note = doc.text.slice(headNote.range.start, headNote.range.end);
    const span = fixer.lineSpan(dup.range);
    const own = span.start !== dup.range.start;
    edits.push({ range: span, text: own ? `${doc.indentOf(dup.startTag.start)}${note}${doc.eol}` : note });
  } else {
    edits.push(removeWithNote(fixer, dup));
  }
  if (kids.length === 0) return edits;
  const firstKids = childElements(first);
  const block = firstKids.length ? doc.startsLine((firstKids[0] as XElement).startTag.start) : doc.startsLine(dup.startTag.start);
  const indent = fixer.childIndent(first);
  const order = canonicalOrder(first.name);
  const groups = new Map<XElement | null, string[]>();
  for (const k of kids) {
    const before = order ? (firstKids.find((c) => order.indexOf(c.name) > order.indexOf(k.name)) ?? null) : null;
    const list = groups.get(before) ?? [];
    list.push(elementMarkup(fixer, k, block ? { indent } : {}));
    groups.set(before, list);
  }
  for (const [before, markups] of groups) {
    const joined = markups.join(block ? `${doc.eol}${indent}` : '');
    edits.push(before ? fixer.insertChild(first, joined, { before }) : fixer.insertChild(first, joined));
  }
  return edits;
}

/** A comment that follows the start tag of `el` on the same line. */
function headComment(doc: Fixer['doc'], el: XElement): XText | null {
  for (const c of el.children) {
    if ((c.kind === 'text' && /^[ \t]*$/.test(c.value)) ) continue;
    if (c.kind === 'comment' && !doc.text.slice(el.startTag.end, c.range.start).includes('\n')) return c;
    return null;
  }
  return null;
}

export const rule: Rule = {
  meta: {
    id: 'duplicate-memory-element',
    description: 'Repeated memory elements: libvirt merges the copies or reads only the first, and a repeated <page> fails to define',
    severity: 'error',
    stage: 'schema',
    fixable: true,
    drivers: anyDriver('virDomainDefParseXML (src/conf/domain_conf.c) and the domain schema (domain.rng)'),
    docs: 'rules/duplicate-memory-element.md',
  },
  check(ctx) {
    const root = ctx.domain.root;
    const area = memoryArea(ctx.profile.id);
    checkRepeats(ctx, root, topSpecOf(area), []);
    const visits = walkMemoryArea(root, area);
    for (let v = 0; v < visits.length; v++) {
      const { el, spec, path } = visits[v] as AreaVisit;
      if (spec.content === 'elements') checkRepeats(ctx, el, spec, path);
    }
    checkPages(ctx);
  },
};

/** `<domain>` as checkRepeats sees it, per memory area (one per profile). */
const topSpecs = new WeakMap<MemoryArea, ElementSpec>();
function topSpecOf(area: MemoryArea): ElementSpec {
  let spec = topSpecs.get(area);
  if (spec === undefined) {
    // <numatune> twice is a define error reported by the NUMA rules; <cpu>/<devices> are not ours.
    spec = areaSpec('domain', {}, 'elements', area.children.filter((s) => !s.partial && s.name !== 'numatune'), true, 'first-wins', undefined);
    topSpecs.set(area, spec);
  }
  return spec;
}

/** Names seen by checkRepeats in the parent it looks at (cleared for each). */
const seenOnce = new Set<string>();

function checkRepeats(ctx: RuleContext, parent: XElement, spec: ElementSpec, path: AreaPath): void {
  // Nothing to look for where every child may come any number of times (<devices>, whose
  // memory devices do, and the rest of which is not ours).
  if (!spec.children?.some((c) => c.once && c.content !== 'unchecked')) return;
  const once = (c: XElement): boolean => {
    // An element of another namespace is no copy of libvirt's, whatever its name.
    if (c.namespace !== null) return false;
    const cs = childSpec(spec, c.name);
    return cs !== undefined && Boolean(cs.once) && cs.content !== 'unchecked';
  };
  // Most parents repeat nothing: the copies are only gathered once some name is seen twice.
  const children = childElements(parent);
  seenOnce.clear();
  let repeats = false;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as XElement;
    if (!once(c)) continue;
    if (seenOnce.has(c.name)) {
      repeats = true;
      break;
    }
    seenOnce.add(c.name);
  }
  seenOnce.clear();
  if (!repeats) return;
  const byName = new Map<string, XElement[]>();
  for (const c of children) if (once(c)) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  const where = path.length ? `in ${formatPath(path)}` : 'in <domain>';
  for (const [name, copies] of byName) {
    if (copies.length < 2) continue;
    const cs = childSpec(spec, name) as ElementSpec;
    const first = copies[0] as XElement;
    const q = schemaQuote(path[0] ?? name);
    for (const dup of copies.slice(1)) {
      const nth = copies.indexOf(dup) + 1;
      const head = `<${name}> appears ${nth === 2 ? 'a second time' : `${nth} times`} ${where}`;
      ctx.report(repeatReport(ctx, first, dup, cs, head, q));
    }
  }
}

function repeatReport(ctx: RuleContext, first: XElement, dup: XElement, spec: ElementSpec, head: string, q: string): Report {
  const name = spec.name;
  const remove = (f: Fixer): TextEdit => removeWithNote(f, dup);
  if (spec.content === 'empty') {
    return { node: dup, message: `${head}: one is enough, libvirt reads the switch once ${q}`, fix: remove };
  }
  if (sameElement(first, dup)) {
    return { node: dup, message: `${head}, identical to the first: remove the copy ${q}`, fix: remove };
  }
  switch (spec.repeat) {
    case 'pooled':
      return {
        node: dup,
        message: `${head}: libvirt pools the <page> elements of every <${name}>, so keep them in one ${q}`,
        fix: (f) => mergeInto(f, first, dup),
      };
    case 'merged': {
      if (name === 'allocation') {
        const conflicts = dup.attributes.filter((a) => first.attributes.some((b) => b.name === a.name && b.value !== a.value));
        if (conflicts.length) {
          return {
            node: dup,
            message: `${head}: libvirt takes each attribute from the first <allocation> that has it, so ${conflicts.map((a) => `${a.name}='${a.value}'`).join(' and ')} here is ignored ${q}`,
            suggestions: [{ desc: 'Remove the ignored copy', fix: remove }],
          };
        }
        return {
          node: dup,
          message: `${head}: libvirt takes each attribute from the first <allocation> that has it; write them on one element ${q}`,
          fix: (f) => [...dup.attributes.filter((a) => !first.attributes.some((b) => b.name === a.name)).map((a) => f.setAttr(first, a.name, a.value)), removeWithNote(f, dup)],
        };
      }
      // <memoryBacking>, <memtune>: read as one, the first copy of each setting wins.
      // The settings both copies have, as libvirt reads them: in no namespace.
      const shared = childElements(dup).filter((c) => c.namespace === null && firstChild(first, c.name) !== undefined);
      const lost = shared.filter((c) => {
        const cs = childSpec(spec, c.name);
        return cs && cs.content !== 'empty' && cs.repeat !== 'pooled' && !childElements(first, c.name).some((d) => sameElement(d, c));
      });
      const what = name === 'memtune' ? 'limit' : 'setting';
      if (lost.length) {
        return {
          node: dup,
          message: `${head}: libvirt reads the copies as one, taking each ${what} from the first copy that has it, so ${lost.map((c) => `<${c.name}>`).join(', ')} here ${lost.length === 1 ? 'is' : 'are'} ignored (the first <${name}> sets ${lost.length === 1 ? 'it' : 'them'}) ${q}`,
        };
      }
      return {
        node: dup,
        message: `${head}: libvirt reads the copies as one (${what}s of every copy count), so merge them into one <${name}> ${q}`,
        ...(shared.length === 0 ? { fix: (f: Fixer) => mergeInto(f, first, dup) } : {}),
      };
    }
    default:
      return {
        node: dup,
        message: `${head}: libvirt reads only the first (${describe(first, spec)}) and ignores this one (${describe(dup, spec)}); keep the one you mean ${q}`,
        suggestions: [{ desc: 'Remove the ignored copy', fix: remove }],
      };
  }
}

/** Two pages of the same size for the same cells: define fails. */
function checkPages(ctx: RuleContext): void {
  const mb = ctx.domain.memoryBacking;
  if (!mb) return;
  const cells = ctx.domain.cells.length;
  const key = (p: PageDef): string | null => {
    if (!p.size.result.ok) return null;
    if (!p.nodeset) return `${p.size.result.kib}|`;
    if (!p.nodeset.parsed.ok) return null;
    return `${p.size.result.kib}|${formatNodeset(p.nodeset.parsed.ids)}`;
  };
  const seen = new Map<string, PageDef>();
  for (const p of mb.pages) {
    const k = key(p);
    if (k === null) continue;
    const earlier = seen.get(k);
    if (!earlier) {
      seen.set(k, p);
      continue;
    }
    const kib = (p.size.result as { kib: number }).kib;
    const ids = p.nodeset && p.nodeset.parsed.ok ? p.nodeset.parsed.ids : null;
    let said: LibvirtError;
    // libvirt turns nodeset='0' into a size-only page when the guest has no NUMA cells (R1.6).
    const master = ids === null || (cells === 0 && ids.length === 1 && ids[0] === 0);
    const missing = ids?.find((i) => i >= cells);
    if (master) said = libvirt.twoMasterHugepages(kib, kib);
    else if (missing !== undefined) said = libvirt.hugepagesNodeNotFound(missing);
    else said = libvirt.hugepagesIntersect(kib, kib);
    const forWhat = ids === null ? 'without nodeset' : `for the same guest cells (nodeset ${formatNodeset(ids)})`;
    const sameBlock = earlier.hugepages === p.hugepages;
    ctx.report({
      node: p.el,
      message: `<page> repeats an earlier page of the same size (${kib} KiB) ${forWhat}${sameBlock ? '' : ' in another <hugepages>'}: libvirt refuses the definition; remove the copy (libvirt: ${renderLibvirtError(said)})`,
      stage: 'define',
      fix: (f) => removeWithNote(f, p.el),
    });
  }
}
