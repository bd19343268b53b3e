/**
 * Text edits on the original bytes. A fix is a list of {range, text} replacements; nothing is
 * re-serialised, so quotes, indentation, comments, CRLF and the BOM outside the edited spans stay
 * exactly as they were.
 */
import type { XmlDocument } from './document.js';
import type { Range, XAttr, XElement, XNode } from './tree.js';

export interface TextEdit {
  range: Range;
  text: string;
}

export function escapeAttr(value: string, quote: '"' | "'"): string {
  let s = value.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  s = quote === '"' ? s.replace(/"/g, '&quot;') : s.replace(/'/g, '&apos;');
  return s;
}

export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Apply non-overlapping edits; overlapping ones after the first are dropped (the next pass retries). */
export function applyEdits(text: string, edits: TextEdit[]): { text: string; applied: number } {
  const sorted = [...edits].sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
  let out = '';
  let pos = 0;
  let applied = 0;
  for (const e of sorted) {
    if (e.range.start < pos) continue;
    out += text.slice(pos, e.range.start) + e.text;
    pos = e.range.end;
    applied++;
  }
  return { text: out + text.slice(pos), applied };
}

/** Builds edits for a rule's fix. Bound to one document. */
export class Fixer {
  constructor(readonly doc: XmlDocument) {}

  /** The quote character the document mostly uses (libvirt writes '). */
  get quote(): '"' | "'" {
    let dq = 0;
    let sq = 0;
    const walk = (el: XElement): void => {
      for (const a of el.attributes) {
        if (a.quote === '"') dq++;
        else sq++;
      }
      for (const c of el.children) if (c.kind === 'element') walk(c);
    };
    walk(this.doc.root);
    return dq > sq ? '"' : "'";
  }

  replaceRange(range: Range, text: string): TextEdit {
    return { range, text };
  }

  setAttrValue(a: XAttr, value: string): TextEdit {
    return { range: a.valueRange, text: escapeAttr(value, a.quote) };
  }

  /** Set an attribute, adding it after the last attribute (or the name) when missing. */
  setAttr(el: XElement, name: string, value: string): TextEdit {
    const existing = el.attributes.find((a) => a.name === name);
    if (existing) return this.setAttrValue(existing, value);
    const at = el.attributes.length ? (el.attributes[el.attributes.length - 1] as XAttr).range.end : el.startTag.start + 1 + el.name.length;
    const q = el.attributes[0]?.quote ?? this.quote;
    return { range: { start: at, end: at }, text: ` ${name}=${q}${escapeAttr(value, q)}${q}` };
  }

  /** Remove an attribute with the whitespace before it. */
  removeAttr(a: XAttr): TextEdit {
    let start = a.range.start;
    const t = this.doc.text;
    while (start > 0 && /[ \t\r\n]/.test(t[start - 1] ?? '')) start--;
    return { range: { start, end: a.range.end }, text: '' };
  }

  /** Replace the text content of an element that holds only text. */
  replaceText(el: XElement, text: string): TextEdit {
    if (el.content) return { range: el.content, text: escapeText(text) };
    // <x/> → <x>text</x>
    const st = el.startTag;
    const head = this.doc.text.slice(st.start, st.end).replace(/\s*\/>$/, '>');
    return { range: st, text: `${head}${escapeText(text)}</${el.name}>` };
  }

  /** Indentation unit of the document: child indent minus parent indent, else two spaces. */
  indentUnit(): string {
    const walk = (el: XElement): string | null => {
      const base = this.doc.indentOf(el.startTag.start);
      for (const c of el.children) {
        if (c.kind !== 'element') continue;
        if (this.doc.startsLine(c.startTag.start)) {
          const ind = this.doc.indentOf(c.startTag.start);
          if (ind.startsWith(base) && ind.length > base.length) return ind.slice(base.length);
        }
        const inner = walk(c);
        if (inner) return inner;
      }
      return null;
    };
    return walk(this.doc.root) ?? '  ';
  }

  /** Indentation a child of `parent` gets: like its element siblings, else parent + one unit. */
  childIndent(parent: XElement): string {
    for (const c of parent.children) if (c.kind === 'element' && this.doc.startsLine(c.startTag.start)) return this.doc.indentOf(c.startTag.start);
    return this.doc.indentOf(parent.startTag.start) + this.indentUnit();
  }

  /**
   * Insert `markup` as a child of `parent`: before `before` if given, else after `after`, else
   * as the last child. Indented like its siblings; `<x/>` is expanded to `<x>…</x>`.
   */
  insertChild(parent: XElement, markup: string, where: { before?: XElement; after?: XElement } = {}): TextEdit {
    const eol = this.doc.eol;
    const ind = this.childIndent(parent);
    const block = (parent.children.some((c) => c.kind === 'element') ? this.doc.startsLine(firstEl(parent)!.startTag.start) : true);
    if (parent.selfClosing) {
      const head = this.doc.text.slice(parent.startTag.start, parent.startTag.end).replace(/\s*\/>$/, '>');
      const pInd = this.doc.indentOf(parent.startTag.start);
      return { range: parent.startTag, text: `${head}${eol}${ind}${markup}${eol}${pInd}</${parent.name}>` };
    }
    if (where.before) {
      const at = where.before.startTag.start;
      if (block && this.doc.startsLine(at)) {
        const ls = this.doc.lineStartOf(at);
        return { range: { start: ls, end: ls }, text: `${ind}${markup}${eol}` };
      }
      return { range: { start: at, end: at }, text: `${markup}` };
    }
    const anchor = where.after ?? lastEl(parent);
    if (anchor) {
      const at = anchor.range.end;
      return { range: { start: at, end: at }, text: block ? `${eol}${ind}${markup}` : markup };
    }
    // Parent with no element children: put it on its own line before the end tag.
    const endTag = parent.endTag as Range;
    const content = parent.content as Range;
    const inner = this.doc.text.slice(content.start, content.end);
    const pInd = this.doc.indentOf(parent.startTag.start);
    if (/^\s*$/.test(inner)) return { range: content, text: `${eol}${ind}${markup}${eol}${pInd}` };
    return { range: { start: endTag.start, end: endTag.start }, text: markup };
  }

  /** Remove an element; when it stands alone on its line(s), the whole line goes with it. */
  removeElement(el: XElement): TextEdit {
    return { range: this.lineSpan(el.range), text: '' };
  }

  /** Widen a range to whole lines when nothing else shares them. */
  lineSpan(range: Range): Range {
    const t = this.doc.text;
    const ls = this.doc.lineStartOf(range.start);
    if (!/^[ \t]*$/.test(t.slice(ls, range.start).replace(/^\uFEFF/, ''))) return range;
    let end = range.end;
    while (end < t.length && (t[end] === ' ' || t[end] === '\t')) end++;
    if (t[end] === '\r' && t[end + 1] === '\n') end += 2;
    else if (t[end] === '\n') end += 1;
    else if (end < t.length) return range;
    return { start: t[ls] === '\uFEFF' ? ls + 1 : ls, end };
  }

  /**
   * The span that travels with a child when it moves: the child plus the comments directly
   * above it (on lines of their own), as whole lines when the child stands on its own line.
   */
  private chunkOf(el: XElement, siblings: XNode[]): Range {
    let start = el.range.start;
    const idx = siblings.indexOf(el);
    for (let i = idx - 1; i >= 0; i--) {
      const prev = siblings[i] as XNode;
      if (prev.kind === 'text' && /^\s*$/.test(prev.value)) {
        // A blank line separates groups: stop there.
        if ((prev.value.match(/\n/g) ?? []).length > 1) break;
        continue;
      }
      if (prev.kind === 'comment' && this.doc.startsLine(prev.range.start)) {
        start = prev.range.start;
        continue;
      }
      break;
    }
    // A comment after the child on the same line belongs to it too.
    let end = el.range.end;
    const next = siblings[idx + 1];
    const after = siblings[idx + 2];
    if (next?.kind === 'comment' && next.range.start === end) end = next.range.end;
    else if (next?.kind === 'text' && /^[ \t]+$/.test(next.value) && after?.kind === 'comment') end = after.range.end;
    return this.lineSpan({ start, end });
  }

  /**
   * Reorder the element children of `parent` so that `order` (a permutation of some of them)
   * comes out in that order, using the slots they occupy now. Each child moves with its
   * comments and indentation. Returns null when nothing changes.
   */
  reorderChildren(parent: XElement, order: XElement[]): TextEdit | null {
    const current = parent.children.filter((c): c is XElement => c.kind === 'element' && order.includes(c));
    if (current.every((c, i) => c === order[i])) return null;
    const chunks = current.map((c) => this.chunkOf(c, parent.children));
    for (let i = 1; i < chunks.length; i++) if ((chunks[i] as Range).start < (chunks[i - 1] as Range).end) return null;
    const t = this.doc.text;
    const first = chunks[0] as Range;
    const last = chunks[chunks.length - 1] as Range;
    let out = '';
    for (let i = 0; i < current.length; i++) {
      const moving = order[i] as XElement;
      const src = chunks[current.indexOf(moving)] as Range;
      out += t.slice(src.start, src.end);
      if (i < current.length - 1) out += t.slice((chunks[i] as Range).end, (chunks[i + 1] as Range).start);
    }
    return { range: { start: first.start, end: last.end }, text: out };
  }
}

function firstEl(parent: XElement): XElement | undefined {
  return parent.children.find((c): c is XElement => c.kind === 'element');
}

function lastEl(parent: XElement): XElement | undefined {
  const els = parent.children.filter((c): c is XElement => c.kind === 'element');
  return els[els.length - 1];
}
