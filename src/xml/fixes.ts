/**
 * Building fixes from the source tree: renaming, removing with a trailing comment, inserting in a
 * given order, creating a container, moving an element. Edits only, nothing is re-serialised;
 * where things go (libvirt's orders) is the caller's knowledge, passed in.
 */
import type { Fixer, TextEdit } from './edit.js';
import { childElements, firstChild, type XElement, type XText } from './tree.js';

/** Rename an element in place (start and end tag). */
export function renameEdits(el: XElement, name: string): TextEdit[] {
  const edits: TextEdit[] = [{ range: { start: el.startTag.start + 1, end: el.startTag.start + 1 + el.name.length }, text: name }];
  if (el.endTag) edits.push({ range: { start: el.endTag.start + 2, end: el.endTag.start + 2 + el.name.length }, text: name });
  return edits;
}

/**
 * The markup of `el` as written, optionally renamed, with its continuation lines moved from the
 * element's own indentation to `indent`.
 */
export function elementMarkup(fixer: Fixer, el: XElement, opts: { name?: string; indent?: string } = {}): string {
  const doc = fixer.doc;
  let text = doc.text.slice(el.range.start, el.range.end);
  if (opts.name && opts.name !== el.name) {
    const endAt = el.endTag ? el.endTag.start - el.range.start + 2 : -1;
    if (endAt >= 0) text = text.slice(0, endAt) + opts.name + text.slice(endAt + el.name.length);
    text = '<' + opts.name + text.slice(1 + el.name.length);
  }
  if (opts.indent !== undefined && doc.startsLine(el.startTag.start)) {
    const from = doc.indentOf(el.startTag.start);
    const lines = text.split('\n');
    text = lines.map((l, i) => (i > 0 && l.startsWith(from) ? opts.indent + l.slice(from.length) : l)).join('\n');
  }
  return text;
}

/** Whether `el` has child elements standing on lines of their own (block layout). */
export function blockLayout(fixer: Fixer, el: XElement): boolean {
  const first = childElements(el)[0];
  return first ? fixer.doc.startsLine(first.startTag.start) : true;
}

/** A comment that follows `el` on the same line (after spaces or tabs only). */
export function trailingComment(el: XElement): XText | null {
  const sibs = el.parent?.children ?? [];
  const i = sibs.indexOf(el);
  const next = sibs[i + 1];
  if (next?.kind === 'comment' && next.range.start === el.range.end) return next;
  const after = sibs[i + 2];
  if (next?.kind === 'text' && /^[ \t]+$/.test(next.value) && after?.kind === 'comment') return after;
  return null;
}

/** Remove `el` together with a comment that follows it on the same line (whole lines when alone). */
export function removeWithNote(fixer: Fixer, el: XElement): TextEdit {
  const note = trailingComment(el);
  return { range: fixer.lineSpan({ start: el.range.start, end: note ? note.range.end : el.range.end }), text: '' };
}

/**
 * Remove `el` with its trailing comment; when that is all its parent holds and `emptyParentGoes`,
 * remove the parent instead (an element that would be left empty).
 */
export function removeWithNoteOrParent(fixer: Fixer, el: XElement, emptyParentGoes = true): TextEdit {
  const note = trailingComment(el);
  const parent = el.parent;
  if (emptyParentGoes && parent && parent.parent && parent.children.every((c) => c === el || c === note || (c.kind === 'text' && c.value.trim() === ''))) {
    return fixer.removeElement(parent);
  }
  return removeWithNote(fixer, el);
}

/** Insert `markup` (an element named `name`) into `container` at its place in `order` (at the end when `order` does not name it). */
export function insertInOrder(fixer: Fixer, container: XElement, name: string, markup: string, order: readonly string[] | null): TextEdit {
  if (order && order.includes(name)) {
    const idx = order.indexOf(name);
    const before = childElements(container).find((c) => order.indexOf(c.name) > idx);
    if (before) return fixer.insertChild(container, markup, { before });
  }
  return fixer.insertChild(container, markup);
}

/** Where a new child of `parent` goes: after the last child named in `after`, else before the first of `before` present, else at the end. */
export interface ChildPlace {
  after: readonly string[];
  before: readonly string[];
}

/** Create `<name>` holding `inner` (markup of one child) in `parent`, at `place`, laid out like `parent`'s children. */
export function createContainer(fixer: Fixer, parent: XElement, name: string, inner: string, place: ChildPlace): TextEdit {
  const doc = fixer.doc;
  const anchors = childElements(parent).filter((c) => place.after.includes(c.name));
  const after = anchors[anchors.length - 1];
  const ind = fixer.childIndent(parent);
  const markup = blockLayout(fixer, parent) ? `<${name}>${doc.eol}${ind}${fixer.indentUnit()}${inner}${doc.eol}${ind}</${name}>` : `<${name}>${inner}</${name}>`;
  if (after) return fixer.insertChild(parent, markup, { after });
  for (const b of place.before) {
    const next = firstChild(parent, b);
    if (next) return fixer.insertChild(parent, markup, { before: next });
  }
  return fixer.insertChild(parent, markup);
}

/**
 * Move `el` (renamed to `name`) into `target`, at its place in `order`, with a comment trailing it
 * on its line; when `target` is null, into a new `<container>` created in `parent` at `place`.
 */
export function moveInto(
  fixer: Fixer,
  el: XElement,
  name: string,
  target: XElement | null,
  order: readonly string[] | null,
  create: { parent: XElement; container: string; place: ChildPlace },
): TextEdit[] {
  const note = trailingComment(el);
  const tail = note ? fixer.doc.text.slice(el.range.end, note.range.end) : '';
  const removal: TextEdit = { range: fixer.lineSpan({ start: el.range.start, end: note ? note.range.end : el.range.end }), text: '' };
  if (target) {
    const indent = blockLayout(fixer, target) ? fixer.childIndent(target) : undefined;
    const markup = elementMarkup(fixer, el, { name, ...(indent !== undefined ? { indent } : {}) }) + tail;
    return [removal, insertInOrder(fixer, target, name, markup, order)];
  }
  const indent = blockLayout(fixer, create.parent) ? fixer.childIndent(create.parent) + fixer.indentUnit() : undefined;
  const markup = elementMarkup(fixer, el, { name, ...(indent !== undefined ? { indent } : {}) }) + tail;
  return [removal, createContainer(fixer, create.parent, create.container, markup, create.place)];
}
