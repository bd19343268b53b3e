/**
 * The source tree: every element, attribute, text run and comment of a document with its
 * exact offsets in the original text. Offsets index the decoded string (UTF-16 code units),
 * which maps one-to-one onto the file's bytes because files are UTF-8 and kept as they are.
 *
 * The scanner builds these nodes as small objects holding offsets (src/xml/scan.ts); ranges and
 * raw text are computed when read. Treat nodes as read-only.
 */

/** Half-open range [start, end) of offsets into XmlDocument.text. */
export interface Range {
  start: number;
  end: number;
}

export interface XAttr {
  kind: 'attr';
  name: string;
  /** Value with entity and character references resolved. */
  value: string;
  /** Value as written, between the quotes. */
  raw: string;
  quote: '"' | "'";
  /** `name="value"` as a whole. */
  range: Range;
  nameRange: Range;
  /** Inside the quotes. */
  valueRange: Range;
  owner: XElement;
}

export interface XText {
  kind: 'text' | 'cdata' | 'comment' | 'pi';
  range: Range;
  /** Text with references resolved (text), or the inner content (cdata, comment, pi). */
  value: string;
  parent: XElement | null;
}

export interface XElement {
  kind: 'element';
  name: string;
  /**
   * The element's namespace URI; null for none. libvirt looks its elements up by name in no
   * namespace: one in another namespace (prefixed, or under a default xmlns='…') is not one of
   * them, whatever its name.
   */
  namespace: string | null;
  attributes: XAttr[];
  children: XNode[];
  parent: XElement | null;
  /** From `<` to `>` of the start tag (or of the whole `<x/>`). */
  startTag: Range;
  /** From `</` to `>`; null when self-closing. */
  endTag: Range | null;
  selfClosing: boolean;
  /** The whole element, start tag to end tag. */
  range: Range;
  /** Between the tags; null when self-closing. */
  content: Range | null;
}

export type XNode = XElement | XText;

export function isElement(node: XNode | null | undefined): node is XElement {
  return node?.kind === 'element';
}

// These helpers run for every rule on every element they look at: indexed loops, which allocate
// nothing in any tier of V8 (an array iterator allocates a result per step until it is optimized).

/**
 * Child elements, optionally only those with the given name: a name is looked up as libvirt
 * does, among the children in no namespace (see XElement.namespace).
 */
export function childElements(el: XElement, name?: string): XElement[] {
  const out: XElement[] = [];
  const children = el.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as XNode;
    if (c.kind === 'element' && (name === undefined || (c.name === name && c.namespace === null))) out.push(c);
  }
  return out;
}

/** The first child element of that name in no namespace, as libvirt looks one up. */
export function firstChild(el: XElement | null | undefined, name: string): XElement | undefined {
  if (!el) return undefined;
  const children = el.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as XNode;
    if (c.kind === 'element' && c.name === name && c.namespace === null) return c;
  }
  return undefined;
}

export function attr(el: XElement, name: string): XAttr | undefined {
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) if ((attrs[i] as XAttr).name === name) return attrs[i];
  return undefined;
}

/** Concatenated text and CDATA of an element's direct children (what libvirt reads as its value). */
export function textOf(el: XElement): string {
  let s = '';
  const children = el.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as XNode;
    if (c.kind === 'text' || c.kind === 'cdata') s += c.value;
  }
  return s;
}

/** Text of all descendants, like DOM textContent. */
export function deepTextOf(el: XElement): string {
  let s = '';
  for (const c of el.children) {
    if (c.kind === 'element') s += deepTextOf(c);
    else if (c.kind === 'text' || c.kind === 'cdata') s += c.value;
  }
  return s;
}

/** `/domain/memoryBacking/hugepages` style path, for messages. */
export function pathOf(el: XElement): string {
  const parts: string[] = [];
  for (let e: XElement | null = el; e; e = e.parent) parts.unshift(e.name);
  return '/' + parts.join('/');
}
