/**
 * Parse: text → XmlDocument (source tree with exact positions), or one well-formedness problem
 * with line and column. Never throws for bad input. One parse: the scanner's verdict includes
 * what xmldom would refuse (scan.ts); xmldom parses a document only when the scanner marks it
 * for a second opinion (rare constructs) and when ctx.select first needs a DOM.
 */
import { DOMParser } from '@xmldom/xmldom';
import { scanXml } from './scan.js';
import type { Range, XElement, XNode } from './tree.js';

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units, not counting a byte-order mark. */
  column: number;
}

export interface XmlProblem {
  offset: number;
  line: number;
  column: number;
  message: string;
  hint?: string;
}

export class XmlDocument {
  readonly bom: boolean;
  private starts: number[] | null = null;
  private lineEnding: '\n' | '\r\n' | null = null;
  constructor(
    readonly text: string,
    readonly root: XElement,
    readonly prolog: XNode[],
  ) {
    this.bom = text.charCodeAt(0) === 0xfeff;
  }

  /** Offset of each line's start, made when a position is first asked for (most files report nothing). */
  get lineStarts(): number[] {
    this.starts ??= lineStartsOf(this.text);
    return this.starts;
  }

  /** The file's dominant line ending; inserted lines use it. */
  get eol(): '\n' | '\r\n' {
    if (this.lineEnding === null) {
      const text = this.text;
      let crlf = 0;
      let lf = 0;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
        if (i > 0 && text.charCodeAt(i - 1) === 13) crlf++;
        else lf++;
      }
      this.lineEnding = crlf > lf ? '\r\n' : '\n';
    }
    return this.lineEnding;
  }

  positionAt(offset: number): Position {
    return positionIn(this.lineStarts, this.bom, offset);
  }

  /** Offset of the start of the line containing `offset`. */
  lineStartOf(offset: number): number {
    return this.lineStarts[lineIndex(this.lineStarts, offset)] ?? 0;
  }

  /** The whitespace that starts the line containing `offset`. */
  indentOf(offset: number): string {
    const start = this.lineStartOf(offset);
    let i = start;
    while (i < this.text.length && (this.text[i] === ' ' || this.text[i] === '\t')) i++;
    return this.text.slice(start, i);
  }

  /** True when only whitespace stands between the line start and `offset`. */
  startsLine(offset: number): boolean {
    return /^[ \t]*$/.test(this.text.slice(this.lineStartOf(offset), offset).replace(/^\uFEFF/, ''));
  }

  slice(range: Range): string {
    return this.text.slice(range.start, range.end);
  }
}

function lineIndex(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function positionIn(lineStarts: number[], bom: boolean, offset: number): Position {
  const idx = lineIndex(lineStarts, offset);
  const col = offset - (lineStarts[idx] ?? 0) + 1 - (idx === 0 && bom && offset > 0 ? 1 : 0);
  return { line: idx + 1, column: col };
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

export type ParseResult = { ok: true; doc: XmlDocument } | { ok: false; problem: XmlProblem };

function problemAt(text: string, offset: number, message: string, hint?: string): XmlProblem {
  const pos = positionIn(lineStartsOf(text), text.charCodeAt(0) === 0xfeff, offset);
  return hint === undefined ? { offset, ...pos, message } : { offset, ...pos, message, hint };
}

/** The decoder for every file of a run (one per file showed in a profile); replaced after a refusal. */
let utf8: TextDecoder | null = null;

/** Decode file bytes as UTF-8 (keeping a BOM); null with the offending offset when not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; byteOffset: number } {
  try {
    return { ok: true, text: (utf8 ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })).decode(bytes) };
  } catch {
    utf8 = null;
    // Find the first invalid sequence to report a position.
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i] ?? 0;
      const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
      if (len === 0) return { ok: false, byteOffset: i };
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + len));
      } catch {
        return { ok: false, byteOffset: i };
      }
      i += len;
    }
    return { ok: false, byteOffset: 0 };
  }
}

export function parseXml(text: string): ParseResult {
  const scan = scanXml(text);
  if (scan.error) return { ok: false, problem: problemAt(text, scan.error.offset, scan.error.message, scan.error.hint) };
  if (scan.encoding && !/^utf-?8$/i.test(scan.encoding)) {
    const at = text.indexOf(scan.encoding);
    return {
      ok: false,
      problem: problemAt(text, at, `unsupported encoding '${scan.encoding}'`, 'libvirt domain XML is UTF-8; convert the file and drop the encoding declaration'),
    };
  }
  // What xmldom objects to in a document the scanner accepts is reported as xmldom reports it:
  // the scanner found it itself (names, namespaces), or xmldom is asked for the rare constructs
  // whose finer rules only it applies. Its DOM is not kept (a large document's DOM outweighs the
  // source tree); XPath queries build one when they need it.
  if (scan.domError) {
    const at = scan.domError.offset;
    return { ok: false, problem: { offset: at, ...xmldomPositionAt(text, at), message: scan.domError.message } };
  }
  if (scan.secondOpinion) {
    const domProblem = xmldomProblem(text);
    if (domProblem) return { ok: false, problem: domProblem };
  }
  return { ok: true, doc: new XmlDocument(text, scan.root as XElement, scan.prolog) };
}

/**
 * Line and column as xmldom's locator counts them: the BOM is not part of its text, and each of
 * CR LF, CR U+0085, CR, LF, U+0085, U+2028 and U+2029 ends a line (its line-end normalisation).
 */
export function xmldomPositionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = lineStart; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) {
      const n = text.charCodeAt(i + 1);
      if (n === 10 || n === 0x85) i++;
    } else if (c !== 10 && c !== 0x85 && c !== 0x2028 && c !== 0x2029) continue;
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Parse with xmldom; its first problem, or null (and the DOM) when it has none. */
function xmldomParse(text: string): { problem: XmlProblem | null; dom: Document | undefined } {
  let problem: XmlProblem | null = null;
  let dom: Document | undefined;
  try {
    dom = new DOMParser({
      onError: (_level, msg, ctx) => {
        if (problem) return;
        const loc = (ctx as { locator?: { lineNumber?: number; columnNumber?: number } } | undefined)?.locator;
        problem = { offset: 0, line: loc?.lineNumber ?? 1, column: loc?.columnNumber ?? 1, message: cleanXmldomMessage(String(msg)) };
      },
    }).parseFromString(text.replace(/^\uFEFF/, ''), 'text/xml') as unknown as Document;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    problem ??= { offset: 0, line: 1, column: 1, message: cleanXmldomMessage(msg) };
  }
  return { problem, dom };
}

function xmldomProblem(text: string): XmlProblem | null {
  return xmldomParse(text).problem;
}

export interface DomIndex {
  /** xmldom's document element, null when xmldom built none. */
  root: Element | null;
  /** Each DOM element's source element. */
  source: Map<unknown, XElement>;
}

const domIndexes = new WeakMap<XmlDocument, DomIndex>();

/** A DOM of the document (for XPath) paired with its source elements, built on first use. */
export function domIndexOf(doc: XmlDocument): DomIndex {
  let index = domIndexes.get(doc);
  if (!index) {
    const { dom } = xmldomParse(doc.text);
    const root = (dom?.documentElement as unknown as Element | null | undefined) ?? null;
    index = { root, source: new Map() };
    if (root) pairElements(doc.root, root, index.source);
    domIndexes.set(doc, index);
  }
  return index;
}

function cleanXmldomMessage(msg: string): string {
  return msg.replace(/^\[xmldom \w+\]\s*/, '').split('\n')[0]?.replace(/\s*@#\[line:.*$/, '').trim() ?? msg;
}

/** Pair source elements with DOM elements; both are in document order. */
function pairElements(root: XElement, domRoot: Element, out: Map<unknown, XElement>): void {
  const work: [XElement, Element][] = [[root, domRoot]];
  for (let next = work.pop(); next; next = work.pop()) {
    const [x, d] = next;
    out.set(d, x);
    const xs = x.children.filter((c): c is XElement => c.kind === 'element');
    const ds: Element[] = [];
    for (let n = d.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) ds.push(n as Element);
    for (let i = 0; i < xs.length && i < ds.length; i++) work.push([xs[i] as XElement, ds[i] as Element]);
  }
}
