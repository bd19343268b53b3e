/**
 * libvirt's RelaxNG grammar read as written (`domain.rng` and its includes), for saying what
 * the schema expects at a place: which attributes and child elements an element may have, and
 * the fixed values an attribute takes. libxml2 decides validity; this only names things.
 *
 * The grammar is kept as its source tree: a pattern is an RNG element (`element`, `attribute`,
 * `ref`, `choice`, `optional`, …), and `define`s of the same name (combine="choice" or
 * "interleave") are pooled.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scanXml } from '../xml/scan.js';
import { attr, type XElement } from '../xml/tree.js';

/** What an element of the grammar allows, pooled over every definition of it at that place. */
export interface AttributeInfo {
  /** Its fixed values, or null when it also takes free text or a datatype. */
  values: Set<string> | null;
  /** The datatypes it takes, for messages (`a value of type unsignedInt`, `text matching [0-9]+`). */
  types: Set<string>;
}

export interface ElementInfo {
  attributes: Map<string, AttributeInfo>;
  /** Any attribute is allowed (an `anyName` attribute). */
  anyAttribute: boolean;
  /** Child element names. */
  children: Set<string>;
  /** Child elements that may appear more than once (under zeroOrMore/oneOrMore). */
  repeatable: Set<string>;
  /** Any child element is allowed (an `anyName` element, as in `<metadata>`). */
  anyChild: boolean;
  /** The fixed values its text takes (`<on_poweroff>`), or null when free or none. */
  textValues: Set<string> | null;
}

export interface Grammar {
  /** The RNG `element` patterns for the element at `path` (names from the root down). */
  elementsAt(path: readonly string[]): XElement[];
  /** What the element at `path` allows; null when the grammar has no such element there. */
  infoAt(path: readonly string[]): ElementInfo | null;
}

/** Pattern wrappers the walk looks through. */
const CONTAINERS = new Set(['group', 'interleave', 'choice', 'optional', 'zeroOrMore', 'oneOrMore', 'mixed', 'list', 'div']);

function kids(el: XElement): XElement[] {
  const out: XElement[] = [];
  for (const c of el.children) if (c.kind === 'element') out.push(c);
  return out;
}

/** The local name of an RNG element (the grammar may use a prefix). */
function local(el: XElement): string {
  const i = el.name.indexOf(':');
  return i < 0 ? el.name : el.name.slice(i + 1);
}

/** Names an `element` or `attribute` pattern matches: its names, or null for anyName/nsName. */
function namesOf(p: XElement): { names: string[]; any: boolean } {
  const n = attr(p, 'name');
  if (n) return { names: [n.value.trim()], any: false };
  const cls = kids(p)[0];
  if (!cls) return { names: [], any: false };
  const names: string[] = [];
  let any = false;
  const walk = (c: XElement): void => {
    const k = local(c);
    if (k === 'name') names.push(textContent(c).trim());
    else if (k === 'anyName' || k === 'nsName') any = true;
    else if (k === 'choice') kids(c).forEach(walk);
  };
  walk(cls);
  return { names, any };
}

/** The content patterns of an `element`/`attribute` (after its name class, when not an attribute). */
function bodyOf(p: XElement): XElement[] {
  const ks = kids(p);
  return attr(p, 'name') ? ks : ks.slice(1);
}

/** RNG compares a `<value>` as a token: surrounding spaces dropped, inner runs made one. */
export function normaliseToken(s: string): string {
  return s.trim().replace(/[ \t\r\n]+/g, ' ');
}

function textContent(el: XElement): string {
  let s = '';
  for (const c of el.children) if (c.kind === 'text' || c.kind === 'cdata') s += c.value;
  return s;
}

export function readGrammar(rngPath: string): Grammar {
  const defines = new Map<string, XElement[]>();
  let start: XElement[] = [];
  const loaded = new Set<string>();

  const load = (path: string): void => {
    if (loaded.has(path)) return;
    loaded.add(path);
    const scan = scanXml(readFileSync(path, 'utf8'));
    if (scan.error || !scan.root) throw new Error(`${path}: not well-formed XML${scan.error ? ` (${scan.error.message})` : ''}`);
    collect(scan.root, dirname(path));
  };
  const collect = (el: XElement, dir: string): void => {
    for (const c of kids(el)) {
      const k = local(c);
      if (k === 'include') {
        load(join(dir, attr(c, 'href')?.value ?? ''));
        // An include's own defines replace the included ones of the same name.
        for (const d of kids(c)) if (local(d) === 'define') defines.set(attr(d, 'name')?.value ?? '', [d]);
      } else if (k === 'define') {
        const name = attr(c, 'name')?.value ?? '';
        const list = defines.get(name) ?? [];
        list.push(c);
        defines.set(name, list);
      } else if (k === 'start') start = [...start, c];
      else if (k === 'div') collect(c, dir);
    }
  };
  load(rngPath);

  /**
   * `element` (or `attribute`) patterns reachable from `patterns` without entering another
   * element; `repeated` holds those reached through zeroOrMore/oneOrMore.
   */
  const reachAll = (patterns: XElement[], kind: 'element' | 'attribute'): { found: XElement[]; repeated: Set<XElement> } => {
    const found: XElement[] = [];
    const repeated = new Set<XElement>();
    const seen = new Map<XElement, boolean>();
    const walk = (p: XElement, many: boolean): void => {
      const before = seen.get(p);
      if (before === true || (before === false && !many)) return;
      seen.set(p, many);
      const k = local(p);
      const more = many || k === 'zeroOrMore' || k === 'oneOrMore';
      if (k === kind) {
        if (before === undefined) found.push(p);
        if (many) repeated.add(p);
      } else if (k === 'ref' || k === 'parentRef') for (const d of defines.get(attr(p, 'name')?.value ?? '') ?? []) kids(d).forEach((c) => walk(c, more));
      else if (CONTAINERS.has(k) || k === 'start') kids(p).forEach((c) => walk(c, more));
    };
    patterns.forEach((p) => walk(p, false));
    return { found, repeated };
  };
  const reach = (patterns: XElement[], kind: 'element' | 'attribute'): XElement[] => reachAll(patterns, kind).found;

  const byPath = new Map<string, XElement[]>();
  const elementsAt = (path: readonly string[]): XElement[] => {
    const key = path.join('/');
    const hit = byPath.get(key);
    if (hit) return hit;
    let found: XElement[];
    if (path.length === 0) found = [];
    else {
      const from = path.length === 1 ? start : elementsAt(path.slice(0, -1)).flatMap(bodyOf);
      const name = path[path.length - 1] as string;
      found = reach(from, 'element').filter((e) => namesOf(e).names.includes(name));
    }
    byPath.set(key, found);
    return found;
  };

  /** What an attribute pattern takes: fixed values, datatypes, or free text. */
  const valuesOf = (a: XElement, isAttribute = true): AttributeInfo => {
    const values = new Set<string>();
    const types = new Set<string>();
    let open = false;
    const seen = new Set<XElement>();
    const walk = (p: XElement): void => {
      if (seen.has(p)) return;
      seen.add(p);
      const k = local(p);
      if (k === 'value') values.add(normaliseToken(textContent(p)));
      else if (k === 'ref') for (const d of defines.get(attr(p, 'name')?.value ?? '') ?? []) kids(d).forEach(walk);
      else if (k === 'choice' || k === 'group') kids(p).forEach(walk);
      else if (!isAttribute && (k === 'attribute' || k === 'element' || k === 'empty' || k === 'notAllowed')) return;
      else if (!isAttribute && CONTAINERS.has(k) && k !== 'list') kids(p).forEach(walk);
      else {
        if (k === 'data') {
          const pattern = kids(p).find((c) => local(c) === 'param' && attr(c, 'name')?.value === 'pattern');
          types.add(pattern ? `text matching ${textContent(pattern).trim()}` : `a value of type ${attr(p, 'type')?.value ?? 'string'}`);
        }
        open = true; // data, text, list, …
      }
    };
    const body = bodyOf(a);
    if (body.length === 0) return { values: isAttribute ? null : values, types }; // <attribute name="x"/> is text; <element name="x"/> is empty
    body.forEach(walk);
    return { values: open ? null : values, types };
  };

  const infos = new Map<string, ElementInfo | null>();
  const infoAt = (path: readonly string[]): ElementInfo | null => {
    const key = path.join('/');
    let info = infos.get(key);
    if (info === undefined) {
      info = computeInfo(path);
      infos.set(key, info);
    }
    return info;
  };

  const computeInfo = (path: readonly string[]): ElementInfo | null => {
    const els = elementsAt(path);
    if (els.length === 0) return null;
    const info: ElementInfo = { attributes: new Map(), anyAttribute: false, children: new Set(), repeatable: new Set(), anyChild: false, textValues: null };
    let openText = false;
    const textValues = new Set<string>();
    for (const e of els) {
      for (const a of reach(bodyOf(e), 'attribute')) {
        const { names, any } = namesOf(a);
        if (any) info.anyAttribute = true;
        const taken = valuesOf(a);
        for (const n of names) {
          const prev = info.attributes.get(n);
          if (prev === undefined) info.attributes.set(n, { values: taken.values && new Set(taken.values), types: new Set(taken.types) });
          else {
            if (taken.values === null) prev.values = null;
            else if (prev.values) for (const v of taken.values) prev.values.add(v);
            for (const t of taken.types) prev.types.add(t);
          }
        }
      }
      const text = valuesOf(e, false);
      if (text.values === null) openText = true;
      else for (const v of text.values) textValues.add(v);
      const { found, repeated } = reachAll(bodyOf(e), 'element');
      for (const c of found) {
        const { names, any } = namesOf(c);
        if (any) info.anyChild = true;
        for (const n of names) {
          info.children.add(n);
          if (repeated.has(c)) info.repeatable.add(n);
        }
      }
    }
    if (!openText && textValues.size > 0) info.textValues = textValues;
    return info;
  };

  return { elementsAt, infoAt };
}
