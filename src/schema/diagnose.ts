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
import { childElements, type Range, type XAttr, type XElement } from '../xml/tree.js';
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
  const covered = (el: XElement): boolean => violations.some((v) => within(nodeRange(v.node), el.range));
  const blamed = blamedElements(doc.root, errors);
  for (const b of blamed) {
    if (!covered(b)) violations.push(...narrow(schema, doc, b, { variants: MAX_VARIANTS, chars: MAX_VARIANT_CHARS }));
  }
  if (violations.length === 0) violations.push({ node: doc.root, message: 'the document does not match libvirt\'s schema (libxml2 names no element)' });
  return { errors, violations };
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

function checkNames(grammar: Grammar, root: XElement): Violation[] {
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

function nodeRange(n: XElement | XAttr): Range {
  return n.range;
}

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

function validWithout(schema: LibvirtSchema, text: string, removed: Range[], budget: Budget): boolean | null {
  if (budget.variants <= 0 || budget.chars < text.length) return null;
  budget.variants--;
  budget.chars -= text.length;
  return schema.validate(applyEdits(text, removed.map(removal)).text).length === 0;
}

function describeNode(n: XElement | XAttr): string {
  return n.kind === 'attr' ? `${n.name}='${n.value}'` : `<${n.name}>`;
}

/** What the grammar says an attribute takes, for messages. */
function expectedFor(grammar: Grammar, a: XAttr): string {
  const info = grammar.infoAt(elementPath(a.owner))?.attributes.get(a.name);
  if (!info) return '';
  if (info.values) return `: it expects ${describeValues(info)}`;
  const types = [...info.types].filter((t) => t !== 'string');
  return types.length ? `: it expects ${types.map((t) => `a value of type ${t}`).join(' or ')}` : '';
}

function narrow(schema: LibvirtSchema, doc: XmlDocument, blamed: XElement, budget: Budget): Violation[] {
  const text = doc.text;
  // <devices>: each device alone, so the ones at fault are told apart.
  if (blamed.name === 'devices' && blamed.parent?.parent === null) {
    const devices = childElements(blamed);
    const bad: Violation[] = [];
    for (const d of devices) {
      const others = devices.filter((o) => o !== d).map((o) => o.range);
      const ok = validWithout(schema, text, others, budget);
      if (ok === null) break;
      if (!ok) bad.push(...culprits(schema, doc, d, others, budget));
    }
    if (bad.length) return bad;
  }
  return culprits(schema, doc, blamed, [], budget);
}

/**
 * Within `el` (in the document less `removed`): the attributes or elements whose removal alone
 * makes the document valid. Falls back to `el` itself.
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
  const out: Violation[] = [];
  for (const c of candidates) {
    // Inside something already found to be the cause: the outer one says it.
    if (out.some((o) => o.node.kind === 'element' && within(c.range, o.node.range))) continue;
    const ok = validWithout(schema, doc.text, [...removed, c.range], budget);
    if (ok === null) break;
    if (!ok) continue;
    const owner = c.kind === 'attr' ? c.owner : (c.parent as XElement);
    const message =
      c.kind === 'attr'
        ? `the schema does not accept ${describeNode(c)} on <${owner.name}>${expectedFor(schema.grammar, c) || ' here (the value has the wrong form, or does not go with the other attributes)'}; without it <${el.name}> would be valid`
        : `the schema does not accept <${c.name}> here in <${owner.name}> as written (a value of the wrong form, a part missing, or parts that do not go together); without it <${el.name}> would be valid`;
    out.push({ node: c, message });
  }
  if (out.length) return out;
  return [{ node: el, message: `<${el.name}> does not match libvirt's schema: its names are all known here, so a value has the wrong form, a required part is missing, or parts that do not go together are combined` }];
}
