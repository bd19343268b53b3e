/**
 * From libxml2's verdict to findings a person can act on. libxml2 decides whether a document is
 * valid, but inside `<domain>` (an RNG interleave) it only names the top-level element that
 * failed ("Extra element devices in interleave"). So, for an invalid document:
 *  1. names: every attribute, element and fixed value is looked up in the grammar at its place
 *     (unknown `<taget>`, `buss=`, `device='dsk'`), with what the schema has there instead;
 *  2. elements libxml2 blames that step 1 found nothing in are narrowed down with libxml2
 *     itself: each device of `<devices>` is validated alone, then the attribute or element whose
 *     removal makes it valid is the one the schema does not accept;
 *  3. whatever is still unexplained is reported where libxml2 points, in its own words.
 */
import type { XmlDocument } from '../xml/document.js';
import { applyEdits, type TextEdit } from '../xml/edit.js';
import { childElements, textOf, type Range, type XAttr, type XElement } from '../xml/tree.js';
import { suggestName } from '../domain/schema-table.js';
import { normaliseToken, type AttributeInfo, type ElementInfo, type Grammar } from './rng.js';
import type { LibvirtSchema, SchemaError } from './validator.js';

export interface Violation {
  node: XElement | XAttr;
  /** What is wrong, and what the schema expects there. */
  message: string;
}

export interface SchemaVerdict {
  /** libxml2's messages for the whole document (empty: valid). */
  errors: SchemaError[];
  violations: Violation[];
}

/** Most variants validated to narrow one element down (each costs one validation). */
const MAX_VARIANTS = 400;
/** Narrowing stops where the variants would add up to more text than this (huge files). */
const MAX_VARIANT_CHARS = 20_000_000;

export function diagnose(schema: LibvirtSchema, doc: XmlDocument): SchemaVerdict {
  const errors = schema.validate(doc.text);
  if (errors.length === 0) return { errors, violations: [] };
  const violations = checkNames(schema.grammar, doc.root);
  const covered = (scope: XElement): boolean => violations.some((v) => within(v.node.range, scope.range));
  const budget: Budget = { variants: MAX_VARIANTS, chars: MAX_VARIANT_CHARS };
  // libxml2 stops at the first failing part of <domain>: set aside what is found, ask again.
  let current = errors;
  for (let round = 0; round < MAX_ROUNDS && current.length > 0; round++) {
    const scopes = [...new Set(blamedElements(doc.root, current).map((b) => scopeOf(doc.root, b)))].filter((sc) => isDevices(sc) || !covered(sc));
    const before = violations.length;
    for (const sc of scopes) violations.push(...narrow(schema, doc, sc, violations.map((v) => v.node.range), budget));
    if (violations.length === before) break;
    const ok = validWithout(schema, doc.text, violations.map((v) => v.node.range), budget);
    if (ok === null) break;
    current = ok ? [] : schema.validate(without(doc.text, violations.map((v) => v.node.range)));
  }
  if (violations.length === 0) violations.push({ node: doc.root, message: "the document does not match libvirt's schema (libxml2 names no element)" });
  return { errors, violations: violations.sort((a, b) => a.node.range.start - b.node.range.start) };
}

function isDevices(el: XElement): boolean {
  return el.name === 'devices' && el.parent !== null && el.parent.parent === null;
}

/** How many times the document is validated again without what was found. */
const MAX_ROUNDS = 8;

/**
 * The part of the document a blamed element is judged in: the device (a child of `<devices>`)
 * or the child of `<domain>` it belongs to; libxml2's own pointer inside it may be a sibling of
 * the cause (it names the first alternative it tried).
 */
function scopeOf(root: XElement, el: XElement): XElement {
  let e = el;
  while (e.parent && e.parent !== root && !(e.parent.name === 'devices' && e.parent.parent === root)) e = e.parent;
  return e;
}

// ---------------------------------------------------------------------------------------------
// 1. Names the grammar does not have at their place.

function elementPath(el: XElement): string[] {
  const p: string[] = [];
  for (let e: XElement | null = el; e; e = e.parent) p.unshift(e.name);
  return p;
}

function listNames(names: string[], wrap: (n: string) => string, max = 12): string {
  const sorted = [...names].sort();
  const shown = sorted.slice(0, max).map(wrap);
  return sorted.length > max ? `${shown.join(', ')}, … (${sorted.length} in all)` : shown.join(', ');
}

function describeValues(a: AttributeInfo): string {
  const vals = a.values ? [...a.values] : [];
  return listNames(vals, (v) => `'${v}'`, 16);
}

export function checkNames(grammar: Grammar, root: XElement): Violation[] {
  const out: Violation[] = [];
  const visit = (el: XElement, path: string[], info: ElementInfo): void => {
    const where = `<${el.name}>`;
    for (const a of el.attributes) {
      if (a.name === 'xmlns' || a.name.includes(':')) continue;
      const known = info.attributes.get(a.name);
      if (!known) {
        if (info.anyAttribute) continue;
        const names = [...info.attributes.keys()];
        const { best } = suggestName(a.name, names);
        const hint = best.length
          ? `; did you mean ${best.map((b) => `${b.name}=`).join(' or ')}?`
          : names.length
            ? ` (${where} takes ${listNames(names, (n) => `${n}=`)})`
            : ` (${where} takes no attributes)`;
        out.push({ node: a, message: `unknown attribute ${a.name}= on ${where}${hint}` });
      } else if (known.values && !known.values.has(normaliseToken(a.value))) {
        const { best } = suggestName(a.value, [...known.values]);
        out.push({
          node: a,
          message: `${a.name}='${a.value}' on ${where} is not a value the schema allows: it expects ${describeValues(known)}${best.length ? ` (did you mean '${best[0]?.name}'?)` : ''}`,
        });
      }
    }
    if (info.textValues && childElements(el).length === 0) {
      const value = textOf(el);
      if (!info.textValues.has(normaliseToken(value))) {
        out.push({ node: el, message: `${where}${value.trim()}</${el.name}> is not a value the schema allows: it expects ${listNames([...info.textValues], (v) => `'${v}'`, 16)}` });
      }
    }
    for (const c of childElements(el)) {
      if (c.name.includes(':')) continue;
      if (!info.children.has(c.name)) {
        if (info.anyChild) continue;
        const names = [...info.children];
        const { best } = suggestName(c.name, names);
        const hint = best.length
          ? `; did you mean ${best.map((b) => `<${b.name}>`).join(' or ')}?`
          : names.length
            ? ` (${where} may contain ${listNames(names, (n) => `<${n}>`)})`
            : ` (${where} has no child elements)`;
        out.push({ node: c, message: `<${c.name}> is not an element ${where} may contain${hint}` });
        continue;
      }
      const cp = [...path, c.name];
      const ci = grammar.infoAt(cp);
      if (ci) visit(c, cp, ci);
    }
  };
  const info = grammar.infoAt([root.name]);
  if (!info) return [{ node: root, message: `<${root.name}> is not the root element of a libvirt domain definition (the schema expects <domain>)` }];
  visit(root, [root.name], info);
  return out;
}

// ---------------------------------------------------------------------------------------------
// 2. Narrowing down what libxml2 blames.

function within(inner: Range, outer: Range): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

/** The element an XPath from libxml2 (`/domain/devices/disk[2]`) names, or its nearest ancestor found. */
export function elementAtXPath(root: XElement, xpath: string): XElement {
  const steps = xpath.split('/').filter(Boolean);
  let el = root;
  for (const step of steps.slice(1)) {
    const m = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(step);
    if (!m || m[1] === '*') break;
    const next = childElements(el, m[1])[Number(m[2] ?? 1) - 1];
    if (!next) break;
    el = next;
  }
  return el;
}

/** Elements libxml2's messages point at, deepest first, without the root when others are named. */
function blamedElements(root: XElement, errors: SchemaError[]): XElement[] {
  const set = new Set<XElement>();
  for (const e of errors) if (e.xpath) set.add(elementAtXPath(root, e.xpath));
  // "Extra element X in interleave" names a top-level child without a path.
  for (const e of errors) {
    const m = /^Extra element (\S+) in interleave$/.exec(e.message) ?? /^Element domain has extra content: (\S+)$/.exec(e.message);
    if (m) for (const c of childElements(root, m[1])) set.add(c);
  }
  if (set.size > 1) set.delete(root);
  // An ancestor of another blamed element adds nothing.
  const list = [...set].filter((a) => ![...set].some((b) => b !== a && within(b.range, a.range)));
  return list.sort((a, b) => a.range.start - b.range.start);
}

interface Budget {
  variants: number;
  chars: number;
}

function removal(range: Range): TextEdit {
  return { range, text: '' };
}

function without(text: string, removed: Range[]): string {
  return applyEdits(text, removed.map(removal)).text;
}

function validWithout(schema: LibvirtSchema, text: string, removed: Range[], budget: Budget): boolean | null {
  if (budget.variants <= 0 || budget.chars < text.length) return null;
  budget.variants--;
  budget.chars -= text.length;
  return schema.validate(without(text, removed)).length === 0;
}

function describeNode(n: XElement | XAttr): string {
  return n.kind === 'attr' ? `${n.name}='${n.value}'` : `<${n.name}>`;
}

/** What the grammar says an attribute takes, for messages. */
function expectedFor(grammar: Grammar, a: XAttr): string {
  const info = grammar.infoAt(elementPath(a.owner))?.attributes.get(a.name);
  if (!info) return '';
  if (info.values) return `: it expects ${describeValues(info)}`;
  const types = [...info.types].filter((t) => t !== 'a value of type string');
  return types.length ? `: it expects ${types.join(' or ')}` : '';
}

function narrow(schema: LibvirtSchema, doc: XmlDocument, scope: XElement, removed: Range[], budget: Budget): Violation[] {
  // <devices> as a whole: each device alone, so the ones at fault are told apart.
  if (isDevices(scope)) {
    const devices = childElements(scope);
    const bad: Violation[] = [];
    const reported = (d: XElement): boolean => removed.some((r) => within(r, d.range));
    const known = devices.some(reported);
    for (const d of devices) {
      if (reported(d)) continue;
      const others = devices.filter((o) => o !== d).map((o) => o.range);
      const ok = validWithout(schema, doc.text, [...removed, ...others], budget);
      if (ok === null) break;
      if (!ok) bad.push(...culprits(schema, doc, d, [...removed, ...others], budget));
    }
    // What is left may lie in a device already reported.
    if (bad.length || known) return bad;
  }
  // Outside <devices>, the devices are left out of every variant: <devices> is optional and
  // judged apart, and it is most of a large document's text.
  const devices = childElements(doc.root, 'devices').filter((d) => !within(scope.range, d.range) && !within(d.range, scope.range));
  return culprits(schema, doc, scope, [...removed, ...devices.map((d) => d.range)], budget);
}

/**
 * Within `el` (in the document less `removed`): the smallest parts whose removal alone makes the
 * document valid. Attributes of one element that each would do are one finding. Falls back to
 * `el` itself.
 */
function culprits(schema: LibvirtSchema, doc: XmlDocument, el: XElement, removed: Range[], budget: Budget): Violation[] {
  const candidates: (XElement | XAttr)[] = [];
  const collect = (e: XElement): void => {
    for (const a of e.attributes) if (a.name !== 'xmlns' && !a.name.startsWith('xmlns:')) candidates.push(a);
    for (const c of childElements(e)) {
      candidates.push(c);
      collect(c);
    }
  };
  collect(el);
  const found: (XElement | XAttr)[] = [];
  for (const c of candidates) {
    if (removed.some((r) => within(c.range, r))) continue;
    const ok = validWithout(schema, doc.text, [...removed, c.range], budget);
    if (ok === null) break;
    if (ok) found.push(c);
  }
  // An element whose removal helps because of something inside it that alone helps too: the inner one says more.
  const smallest = found.filter((c) => !found.some((o) => o !== c && c.kind === 'element' && within(o.range, c.range)));
  const out: Violation[] = [];
  const attrsByOwner = new Map<XElement, XAttr[]>();
  for (const c of smallest) {
    if (c.kind === 'attr') {
      const list = attrsByOwner.get(c.owner) ?? [];
      if (list.length === 0) attrsByOwner.set(c.owner, list);
      list.push(c);
      continue;
    }
    const owner = c.parent as XElement;
    out.push({
      node: c,
      message: `the schema does not accept <${c.name}> here in <${owner.name}> as written (a value of the wrong form, a part missing, or parts that do not go together); without it <${el.name}> would be valid`,
    });
  }
  for (const [owner, attrs] of attrsByOwner) {
    const first = attrs[0] as XAttr;
    const message =
      attrs.length === 1
        ? `the schema does not accept ${describeNode(first)} on <${owner.name}>${expectedFor(schema.grammar, first) || ' here (the value has the wrong form, or does not go with the other attributes)'}; without it <${el.name}> would be valid`
        : `the schema does not accept ${attrs.map(describeNode).join(' together with ')} on <${owner.name}>: without any one of them <${el.name}> would be valid`;
    out.push({ node: first, message });
  }
  if (out.length) return out.sort((a, b) => a.node.range.start - b.node.range.start);
  return [{ node: el, message: `<${el.name}> does not match libvirt's schema: its names are all known here, so a value has the wrong form, a required part is missing, or parts that do not go together are combined` }];
}
