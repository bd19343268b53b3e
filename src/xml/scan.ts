/**
 * A strict, position-keeping XML scanner. It builds the source tree and reports the first
 * well-formedness error in libxml2's words (libvirt parses with libxml2, so that is the
 * message a user sees from `virsh define`). It also catches what xmldom lets through:
 * a bare `&`, `]]>` in text, characters XML forbids (NUL and other controls).
 *
 * It also answers what xmldom (the DOM behind ctx.select) refuses in a document the scanner
 * accepts, in xmldom's words and at the position xmldom gives: names that are not qualified
 * names and namespace errors (see checkNames). A document holding constructs whose finer rules
 * only xmldom knows (a DOCTYPE, a processing instruction, an XML declaration outside the
 * common shape, a comment ending `--->`, U+FFFD) is marked `secondOpinion`: the caller asks
 * xmldom about it. Without them, the scanner's verdict is the whole verdict: one parse.
 */
import type { Range, XAttr, XElement, XNode, XText } from './tree.js';

export interface ScanError {
  offset: number;
  /** libxml2's message when we know it, otherwise a plain description. */
  message: string;
  /** Extra explanation for the user (what is probably wrong). */
  hint?: string;
}

export interface ScanResult {
  root: XElement | null;
  /** Top-level comments, PIs and the like, outside the root element. */
  prolog: XNode[];
  error: ScanError | null;
  /** Offset of the XML declaration's encoding value, if any. */
  encoding: string | null;
  /**
   * The first problem xmldom would report in a document with no scanner error (a name or a
   * namespace), in xmldom's words; its offset is where xmldom places it (the element's `<`).
   */
  domError: ScanError | null;
  /** The document holds a construct only xmldom's own parse can judge as xmldom does. */
  secondOpinion: boolean;
}

/** libxml2's xmlParserMaxDepth: the most open elements an element may be nested in. */
export const MAX_DEPTH = 256;

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
/** The names almost every document uses: ASCII, no colon. */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// A qualified name as xmldom 0.9 tests it: NCName (':' NCName)?, with its character ranges
// (XML 1.1's name characters, U+0370..U+1FFF in one range and planes 1..16 allowed).
const NC_START = 'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{10FFFF}';
const NC_MORE = '\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040';
const NC_NAME = `[${NC_START}][${NC_START}${NC_MORE}]*`;
// eslint-disable-next-line no-misleading-character-class -- the classes list code points one by one (U+200C, U+200D, combining marks): none is meant to join another
const QNAME = new RegExp(`^${NC_NAME}(?::${NC_NAME})?$`, 'u');
/** An XML declaration of the shape xmldom accepts (version, then encoding and standalone). */
const XML_DECL = /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:'1\.[0-9]+'|"1\.[0-9]+")(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:'[A-Za-z][A-Za-z0-9._-]*'|"[A-Za-z][A-Za-z0-9._-]*"))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:'(?:yes|no)'|"(?:yes|no)"))?[ \t\r\n]*\?>/;

/** Kinds of names for the namespace checks: no colon and not `xmlns`; another QName; not a QName. */
const PLAIN = 0;
const QNAME_OTHER = 1;
const NOT_QNAME = 2;

function isQName(name: string): boolean {
  return PLAIN_NAME.test(name) || QNAME.test(name);
}

/** Classes of the ASCII characters for names (isNameStart, isNameChar, and PLAIN_NAME's characters), one load per character. */
const NAME_START = 1;
const NAME_CHAR = 2;
const PLAIN_CHAR = 4;
const NAME_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const start = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58;
  const char = start || (c >= 48 && c <= 57) || c === 45 || c === 46;
  NAME_CLASS[c] = (start ? NAME_START : 0) | (char ? NAME_CHAR : 0) | (char && c !== 58 ? PLAIN_CHAR : 0);
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c >= 0xc0;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
/** XML 1.0 Char production, for one UTF-16 unit (surrogates are allowed through in pairs). */
function isXmlChar(c: number): boolean {
  return c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xfffd && c !== 0xfffe);
}

// The source tree's nodes. A large document has hundreds of thousands of them, so each holds
// offsets into the text and computes its ranges (and raw text) when they are read: a few
// fields per node instead of a handful of small objects.
// The empty lists every childless element and attribute-less tag shares. Not frozen: a frozen
// array has an elements kind of its own, and every `for…of` over children or attributes then
// allocates a result per step (a tenth of a lint's garbage). Nothing writes to a tree.
const NO_NODES: XNode[] = [];
const NO_ATTRS: XAttr[] = [];

class ElementNode implements XElement {
  declare readonly kind: 'element';
  declare readonly src: string;
  declare name: string;
  declare parent: XElement | null;
  /** The attributes once read (see `attributes`). */
  declare attrs: XAttr[] | null;
  declare children: XNode[];
  declare readonly start: number;
  /** End of the start tag; start of the end tag (-1 when self-closing); end of the element. */
  declare tagEnd: number;
  declare endStart: number;
  declare end: number;
  declare namespace: string | null;
  constructor(src: string, name: string, parent: XElement | null, start: number) {
    this.src = src;
    this.name = name;
    this.parent = parent;
    this.namespace = null;
    this.attrs = null;
    this.children = NO_NODES;
    this.start = start;
    this.tagEnd = start;
    this.endStart = -1;
    this.end = start;
  }
  /**
   * The scanner checks every attribute but keeps none: they are read again from the start tag
   * the first time they are asked for (rules look at a few elements' attributes; a large
   * document's attribute nodes would outweigh the rest of its tree).
   */
  get attributes(): XAttr[] {
    if (this.attrs === null) this.attrs = readAttributes(this);
    return this.attrs;
  }
  get selfClosing(): boolean {
    return this.endStart < 0;
  }
  get startTag(): Range {
    return { start: this.start, end: this.tagEnd };
  }
  get endTag(): Range | null {
    return this.endStart < 0 ? null : { start: this.endStart, end: this.end };
  }
  get range(): Range {
    return { start: this.start, end: this.end };
  }
  get content(): Range | null {
    return this.endStart < 0 ? null : { start: this.tagEnd, end: this.endStart };
  }
}
Object.defineProperty(ElementNode.prototype, 'kind', { value: 'element' });

class AttrNode implements XAttr {
  declare readonly kind: 'attr';
  declare readonly src: string;
  declare name: string;
  declare value: string;
  declare readonly start: number;
  declare readonly valueStart: number;
  declare readonly valueEnd: number;
  declare owner: XElement;
  constructor(src: string, name: string, value: string, start: number, valueStart: number, valueEnd: number, owner: XElement) {
    this.src = src;
    this.name = name;
    this.value = value;
    this.start = start;
    this.valueStart = valueStart;
    this.valueEnd = valueEnd;
    this.owner = owner;
  }
  get quote(): '"' | "'" {
    return this.src.charCodeAt(this.valueStart - 1) === 34 ? '"' : "'";
  }
  get nameEnd(): number {
    return this.start + this.name.length;
  }
  get raw(): string {
    return this.src.slice(this.valueStart, this.valueEnd);
  }
  get range(): Range {
    return { start: this.start, end: this.valueEnd + 1 };
  }
  get nameRange(): Range {
    return { start: this.start, end: this.nameEnd };
  }
  get valueRange(): Range {
    return { start: this.valueStart, end: this.valueEnd };
  }
}
Object.defineProperty(AttrNode.prototype, 'kind', { value: 'attr' });

/** The scanner that reads attributes back, kept for the document being read (rules read many elements' attributes). */
let attributeReader: Scanner | null = null;

function readAttributes(el: ElementNode): XAttr[] {
  if (attributeReader === null || !attributeReader.reads(el.src)) attributeReader = new Scanner(el.src);
  const s = attributeReader;
  s.pos = el.start + 1 + el.name.length;
  const out: XAttr[] = [];
  for (;;) {
    s.skipSpace();
    const c = el.src.charCodeAt(s.pos);
    if (c === 62 /* > */ || c === 47 /* / */ || s.pos >= el.tagEnd) break;
    const start = s.pos;
    const name = s.attribute();
    out.push(new AttrNode(el.src, name, s.attributeValue(), start, s.valueStart, s.valueEnd, el));
  }
  return out.length === 0 ? NO_ATTRS : out;
}

/** How much markup stands before and after the value of each kind of text node. */
const TEXT_MARKUP = { text: [0, 0], cdata: [9, 3], comment: [4, 3], pi: [2, 2] } as const;

class TextNode implements XText {
  declare readonly kind: XText['kind'];
  declare readonly src: string;
  declare readonly start: number;
  declare readonly end: number;
  declare parent: XElement | null;
  /** The value when it differs from the source text (resolved references). */
  declare readonly decoded: string | null;
  constructor(kind: XText['kind'], src: string, start: number, end: number, parent: XElement | null, decoded: string | null) {
    this.kind = kind;
    this.src = src;
    this.start = start;
    this.end = end;
    this.parent = parent;
    this.decoded = decoded;
  }
  get value(): string {
    if (this.decoded !== null) return this.decoded;
    const [before, after] = TEXT_MARKUP[this.kind];
    return this.src.slice(this.start + before, this.end - after);
  }
  get range(): Range {
    return { start: this.start, end: this.end };
  }
}

class Fail extends Error {
  constructor(readonly scanError: ScanError) {
    super(scanError.message);
  }
}

export function scanXml(text: string): ScanResult {
  const s = new Scanner(text);
  try {
    s.document();
  } catch (e) {
    if (e instanceof Fail) return { root: s.root, prolog: s.prolog, error: e.scanError, encoding: s.encoding, domError: s.domError, secondOpinion: s.secondOpinion };
    throw e;
  }
  // xmldom warns about U+FFFD (a sign of a bad conversion) wherever it stands.
  const secondOpinion = s.secondOpinion || text.includes('\uFFFD');
  return { root: s.root, prolog: s.prolog, error: null, encoding: s.encoding, domError: s.domError, secondOpinion };
}

/**
 * The names read so far, for every document of a run, one per slot of a hash of their
 * characters (a later name takes the slot of an earlier one): a name found there is that string,
 * not a new one cut from the text. Documents repeat a few names very many times, so this spares
 * most of the strings, and a large document keeps one string per name. Bounded, so no input
 * makes it grow.
 */
const NAME_SLOTS = 4096;
const MAX_TABLED_NAME = 64;
const NAME_TABLE: (string | undefined)[] = new Array<string | undefined>(NAME_SLOTS).fill(undefined);

class Scanner {
  pos = 0;
  root: XElement | null = null;
  prolog: XNode[] = [];
  encoding: string | null = null;
  domError: ScanError | null = null;
  secondOpinion = false;
  private stack: XElement[] = [];
  /** Namespace declarations in scope, innermost last: [prefix ('' for the default), URI]. */
  private bindings: [string, string][] = [];
  /** The start tag being scanned: its attributes' names, and the values of its namespace declarations ('' for the others). */
  private attrNames: string[] = [];
  private attrValues: string[] = [];
  /** The value of the attribute read last (see attribute()). */
  valueStart = 0;
  valueEnd = 0;
  private valueDecoded: string | null = null;
  private valueSpaces = false;
  /** Children of the open elements, innermost last, up to pendingTop (see element()). */
  private pending: XNode[] = [];
  private pendingTop = 0;
  private nameKinds = new Map<string, number>();
  /** Whether the name read last is plain: ASCII letters, digits, `_`, `.` and `-`, no colon (see name()). */
  private namePlain = false;
  private nextCdataEnd = -1;
  /** Start offset of each open element, for `line N` in messages. */
  constructor(private readonly t: string) {}

  reads(text: string): boolean {
    return this.t === text;
  }

  fail(offset: number, message: string, hint?: string): never {
    throw new Fail(hint === undefined ? { offset, message } : { offset, message, hint });
  }

  lineOf(offset: number): number {
    let line = 1;
    for (let i = 0; i < offset; i++) if (this.t.charCodeAt(i) === 10) line++;
    return line;
  }

  document(): void {
    const t = this.t;
    if (t.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (this.pos >= t.length || t.slice(this.pos).trim() === '') this.fail(this.pos, 'Document is empty');
    if (t.startsWith('<?xml', this.pos) && isSpace(t.charCodeAt(this.pos + 5))) this.xmlDecl();
    // Prolog: misc and doctype until the root element.
    for (;;) {
      this.skipSpace();
      if (this.pos >= t.length) this.fail(this.pos, 'Start tag expected, \'<\' not found');
      if (t.startsWith('<!--', this.pos)) this.prolog.push(this.comment(null));
      else if (t.startsWith('<?', this.pos)) this.prolog.push(this.pi(null));
      else if (t.startsWith('<!DOCTYPE', this.pos)) this.doctype();
      else if (t.charCodeAt(this.pos) === 60 /* < */ && isNameStart(t.charCodeAt(this.pos + 1))) break;
      else this.fail(this.pos, "Start tag expected, '<' not found");
    }
    this.root = this.element(null);
    // Misc after the root element.
    for (;;) {
      this.skipSpace();
      if (this.pos >= t.length) return;
      if (t.startsWith('<!--', this.pos)) this.prolog.push(this.comment(null));
      else if (t.startsWith('<?', this.pos) && !t.startsWith('<?xml ', this.pos)) this.prolog.push(this.pi(null));
      else this.fail(this.pos, 'Extra content at the end of the document');
    }
  }

  skipSpace(): void {
    const t = this.t;
    let pos = this.pos;
    while (pos < t.length && isSpace(t.charCodeAt(pos))) pos++;
    this.pos = pos;
  }

  xmlDecl(): void {
    const end = this.t.indexOf('?>', this.pos);
    if (end < 0) this.fail(this.pos, 'parsing XML declaration: \'?>\' expected');
    const decl = this.t.slice(this.pos, end);
    if (!XML_DECL.test(this.t.slice(this.pos, end + 2))) this.secondOpinion = true;
    const enc = /\sencoding\s*=\s*(["'])([^"']*)\1/.exec(decl);
    if (enc) this.encoding = enc[2] ?? null;
    this.pos = end + 2;
  }

  doctype(): void {
    const t = this.t;
    const start = this.pos;
    let i = this.pos + 9;
    let depth = 0;
    for (; i < t.length; i++) {
      const c = t[i];
      if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '"' || c === "'") {
        const close = t.indexOf(c, i + 1);
        if (close < 0) break;
        i = close;
      } else if (c === '>' && depth <= 0) break;
    }
    if (i >= t.length) this.fail(start, 'DOCTYPE improperly terminated');
    this.secondOpinion = true;
    const body = t.slice(start, i + 1);
    const ent = body.search(/<!ENTITY/);
    if (ent >= 0) {
      this.fail(
        start + ent,
        'entity declarations are not accepted',
        'a domain definition needs no DTD; kvmxml refuses internal entities rather than expanding them (entity expansion is how "billion laughs" files exhaust memory)',
      );
    }
    this.pos = i + 1;
  }

  comment(parent: XElement | null): XText {
    const start = this.pos;
    const end = this.t.indexOf('-->', start + 4);
    if (end < 0) this.fail(start, 'Comment not terminated');
    const inner = this.t.slice(start + 4, end);
    const dd = inner.indexOf('--');
    if (dd >= 0) this.fail(start + 4 + dd, 'Double hyphen within comment');
    this.checkChars(start + 4, end);
    // xmldom's comment grammar also refuses a last '-' before '-->' and unpaired surrogates.
    if (inner.endsWith('-') || /[\uD800-\uDFFF]/.test(inner)) this.secondOpinion = true;
    this.pos = end + 3;
    return new TextNode('comment', this.t, start, this.pos, parent, null);
  }

  pi(parent: XElement | null): XText {
    const start = this.pos;
    const end = this.t.indexOf('?>', start + 2);
    if (end < 0) this.fail(start, 'PI not terminated');
    const target = /^[^\s?]+/.exec(this.t.slice(start + 2, end))?.[0] ?? '';
    if (target.toLowerCase() === 'xml') this.fail(start, 'XML declaration allowed only at the start of the document');
    this.secondOpinion = true;
    this.pos = end + 2;
    return new TextNode('pi', this.t, start, this.pos, parent, null);
  }

  name(): string {
    const t = this.t;
    const start = this.pos;
    const first = t.charCodeAt(start);
    const firstClass = first < 128 ? (NAME_CLASS[first] as number) : first >= 0xc0 ? NAME_START | NAME_CHAR : 0;
    if ((firstClass & NAME_START) === 0) return '';
    // Whether it is plain (PLAIN_NAME) is noted on the way: most names are, and checkNames then
    // has nothing to look up. So is a hash of its characters, to find it in the name table.
    let plain = (firstClass & PLAIN_CHAR) !== 0;
    let hash = first;
    let pos = start + 1;
    const end = t.length;
    while (pos < end) {
      const c = t.charCodeAt(pos);
      if (c < 128) {
        const k = NAME_CLASS[c] as number;
        if ((k & NAME_CHAR) === 0) break;
        if ((k & PLAIN_CHAR) === 0) plain = false;
      } else if (c >= 0xc0 || c === 0xb7) plain = false;
      else break;
      hash = (Math.imul(hash, 31) + c) | 0;
      pos++;
    }
    this.pos = pos;
    this.namePlain = plain;
    const length = pos - start;
    const slot = hash & (NAME_SLOTS - 1);
    const known = NAME_TABLE[slot];
    if (known !== undefined && known.length === length && t.startsWith(known, start)) return known;
    const name = t.slice(start, pos);
    if (length <= MAX_TABLED_NAME) NAME_TABLE[slot] = name;
    return name;
  }

  element(parent: XElement | null): XElement {
    const t = this.t;
    const start = this.pos;
    // libxml2 refuses an element below 256 open ancestors (xmlParserMaxDepth, without
    // XML_PARSE_HUGE, which libvirt does not set). Stopping here also bounds this recursion and
    // every walk over the tree after it.
    if (this.stack.length > MAX_DEPTH) {
      this.fail(start, `Excessive depth in document: ${MAX_DEPTH} use XML_PARSE_HUGE option`, `this element is nested ${MAX_DEPTH + 2} levels deep; libvirt's XML parser (libxml2) refuses documents nested deeper than ${MAX_DEPTH + 1} levels`);
    }
    this.pos++; // <
    const name = this.name();
    let plain = this.namePlain && name !== 'xmlns';
    const el = new ElementNode(t, name, parent, start);
    // Names (and namespace declarations) only, for the checks: the nodes are made when read (see
    // ElementNode.attributes). The lists are reused, filled up to `count`.
    const names = this.attrNames;
    const values = this.attrValues;
    let count = 0;
    let selfClosing = false;
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      const c = t.charCodeAt(this.pos);
      if (this.pos >= t.length) this.fail(start, `Couldn't find end of Start Tag ${name} line ${this.lineOf(start)}`);
      if (c === 62 /* > */) {
        this.pos++;
        break;
      }
      if (c === 47 /* / */) {
        if (t.charCodeAt(this.pos + 1) !== 62) this.fail(this.pos, `Couldn't find end of Start Tag ${name} line ${this.lineOf(start)}`);
        this.pos += 2;
        selfClosing = true;
        break;
      }
      if (before === this.pos) this.fail(this.pos, 'attributes construct error', `a space is needed between attributes of <${name}>`);
      if (!isNameStart(c)) this.fail(this.pos, 'attributes construct error');
      const attrStart = this.pos;
      const attrName = this.attribute();
      const attrPlain = this.namePlain;
      for (let i = 0; i < count; i++) if (names[i] === attrName) this.fail(attrStart, `Attribute ${attrName} redefined`);
      const declares = attrName.startsWith('xmlns');
      names[count] = attrName;
      values[count] = declares ? this.attributeValue() : '';
      count++;
      plain &&= attrPlain && !declares;
    }
    el.tagEnd = this.pos;
    if (count === 0) el.attrs = NO_ATTRS;
    // No colon, no declaration: only an inherited default namespace can be objected to.
    const bound = this.domError === null && !(plain && this.bindings.length === 0) ? this.checkNames(el, names.slice(0, count), values.slice(0, count)) : 0;
    // One way out for both kinds of element: the rare steps (ending a namespace scope) then have
    // one site, which the common case warms, and do not send V8's optimised code back when a
    // self-closing element first declares a namespace.
    if (!selfClosing) this.content(el, name, start);
    if (bound > 0) this.bindings.length -= bound;
    el.end = this.pos;
    return el;
  }

  /** The children and the end tag of `el` (named `name`, starting at `start`), after its start tag. */
  private content(el: ElementNode, name: string, start: number): void {
    const t = this.t;
    this.stack.push(el);
    // Children gather on one stack shared by all elements and are copied out, at their own
    // length, when the element ends: no growing array per element.
    const pending = this.pending;
    const base = this.pendingTop;
    for (;;) {
      if (this.pos >= t.length) {
        this.fail(this.pos, `Premature end of data in tag ${name} line ${this.lineOf(start)}`, `<${name}> is never closed`);
      }
      const c = t.charCodeAt(this.pos);
      let child: XNode;
      if (c === 60 /* < */) {
        const next = t.charCodeAt(this.pos + 1);
        if (next === 47 /* / */) break;
        if (next === 33 /* ! */ && t.startsWith('<!--', this.pos)) child = this.comment(el);
        else if (next === 33 && t.startsWith('<![CDATA[', this.pos)) child = this.cdata(el);
        else if (next === 63 /* ? */) child = this.pi(el);
        else if (isNameStart(next)) child = this.element(el);
        else this.fail(this.pos, 'StartTag: invalid element name');
      } else {
        child = this.text(el);
      }
      pending[this.pendingTop++] = child;
    }
    if (this.pendingTop > base) {
      el.children = pending.slice(base, this.pendingTop);
      this.pendingTop = base;
    }
    const endStart = this.pos;
    this.pos += 2;
    // The end tag's name is compared where it stands; it is only cut out to report a mismatch.
    const same = t.startsWith(name, this.pos) && !isNameChar(t.charCodeAt(this.pos + name.length));
    const endName = same ? name : this.name();
    if (same) this.pos += name.length;
    this.skipSpace();
    if (t.charCodeAt(this.pos) !== 62) this.fail(this.pos, `expected '>'`);
    this.pos++;
    if (!same) {
      const hint = this.mismatchHint(el, endName);
      this.fail(endStart, `Opening and ending tag mismatch: ${name} line ${this.lineOf(start)} and ${endName}`, hint);
    }
    this.stack.pop();
    el.endStart = endStart;
  }


  /**
   * What xmldom checks of a start tag once it is read, in its order: the element's name and
   * each attribute's name must be qualified names; then, with this element's namespace
   * declarations in scope, the element's and each attribute's (namespace, name) pair must be
   * one the DOM accepts. Records the first objection in domError; returns how many
   * declarations this element added to the scope (the caller removes them at its end).
   */
  checkNames(el: ElementNode, names: readonly string[], values: readonly string[]): number {
    let plain = this.nameKind(el.name) === PLAIN;
    for (let i = 0; plain && i < names.length; i++) plain = this.nameKind(names[i] as string) === PLAIN;
    // No colon, no declaration: only an inherited default namespace can be objected to.
    if (plain && this.bindings.length === 0) return 0;
    const where = el.start;
    if (this.nameKind(el.name) === NOT_QNAME) return this.domObjection(where, `element parse error: Error: invalid tagName:${el.name}`, 0);
    for (const name of names) if (this.nameKind(name) === NOT_QNAME) return this.domObjection(where, `element parse error: Error: invalid attribute:${name}`, 0);
    let bound = 0;
    names.forEach((name, i) => {
      if (name === 'xmlns') this.bindings.push(['', values[i] as string]);
      else if (name.startsWith('xmlns:')) this.bindings.push([name.slice(6), values[i] as string]);
      else return;
      bound++;
    });
    const elPrefix = prefixOf(el.name);
    el.namespace = this.lookup(elPrefix ?? '');
    let problem = namespaceProblem(el.namespace, el.name, elPrefix);
    for (let i = 0; problem === null && i < names.length; i++) {
      const name = names[i] as string;
      const prefix = prefixOf(name);
      const ns = name === 'xmlns' || prefix === 'xmlns' ? XMLNS_NS : prefix === null ? null : this.lookup(prefix);
      problem = namespaceProblem(ns, name, prefix);
    }
    if (problem !== null) return this.domObjection(where, `Error constructing the DOM: NamespaceError: ${problem}`, bound);
    return bound;
  }

  /** What a name is for checkNames, remembered per distinct name. */
  private nameKind(name: string): number {
    let kind = this.nameKinds.get(name);
    if (kind === undefined) {
      kind = name !== 'xmlns' && PLAIN_NAME.test(name) ? PLAIN : isQName(name) ? QNAME_OTHER : NOT_QNAME;
      this.nameKinds.set(name, kind);
    }
    return kind;
  }

  private domObjection(offset: number, message: string, bound: number): number {
    this.domError = { offset, message };
    return bound;
  }

  /** The namespace a prefix stands for here (null when none), as xmldom resolves it. */
  private lookup(prefix: string): string | null {
    for (let i = this.bindings.length - 1; i >= 0; i--) {
      const b = this.bindings[i] as [string, string];
      if (b[0] === prefix) return b[1] === '' ? null : b[1];
    }
    return prefix === 'xml' ? XML_NS : null;
  }

  /** Explain the common mistake of self-closing an element and then closing it again. */
  mismatchHint(open: XElement, endName: string): string {
    const selfClosed = open.children.find((c): c is XElement => c.kind === 'element' && c.name === endName && c.selfClosing);
    if (selfClosed) {
      const line = this.lineOf(selfClosed.startTag.start);
      const after = open.children.filter((c) => c.kind === 'element' && c.range.start > selfClosed.range.start && c !== selfClosed);
      const moved = after.length ? `, so ${after.length === 1 ? 'the element after it sits' : `the ${after.length} elements after it sit`} directly in <${open.name}>` : '';
      return `</${endName}> closes an element that is not open: <${endName}/> on line ${line} is self-closed${moved}; write <${endName}> instead of <${endName}/>`;
    }
    const openNames = this.stack.map((e) => e.name);
    if (!openNames.includes(endName)) return `</${endName}> closes an element that is not open; <${open.name}> is the innermost open element`;
    return `<${open.name}> (line ${this.lineOf(open.startTag.start)}) must be closed before </${endName}>`;
  }

  /**
   * One attribute at pos: its name is returned, where its value lies and what it decodes to are
   * kept for attributeValue() (the scan needs the values of namespace declarations only).
   */
  attribute(): string {
    const t = this.t;
    const start = this.pos;
    const name = this.name();
    this.skipSpace();
    if (t.charCodeAt(this.pos) !== 61 /* = */) this.fail(this.pos, `Specification mandates value for attribute ${name}`);
    this.pos++;
    this.skipSpace();
    const quote = t.charCodeAt(this.pos);
    if (quote !== 34 /* " */ && quote !== 39 /* ' */) this.fail(this.pos, 'AttValue: " or \' expected');
    // One pass to the closing quote, noting the first '<', '&' and forbidden character; the
    // errors then come in libxml2's order: no closing quote, then '<', then the character.
    const vStart = this.pos + 1;
    let vEnd = vStart;
    let lt = -1;
    let amp = -1;
    let bad = -1;
    let spaces = false;
    for (; vEnd < t.length; vEnd++) {
      const c = t.charCodeAt(vEnd);
      if (c === quote) break;
      if (c >= 0x20 && c < 0xd800) {
        if (c === 60 /* < */) {
          if (lt < 0) lt = vEnd;
        } else if (c === 38 /* & */ && amp < 0) amp = vEnd;
      } else if (c === 9 || c === 10 || c === 13) spaces = true;
      else if (bad < 0 && !isXmlChar(c)) bad = vEnd;
    }
    if (vEnd >= t.length) this.fail(start, 'AttValue: \' expected');
    if (lt >= 0) this.fail(lt, "Unescaped '<' not allowed in attributes values");
    if (bad >= 0) this.fail(bad, `Char 0x${t.charCodeAt(bad).toString(16).toUpperCase()} out of allowed range`);
    this.valueDecoded = amp < 0 ? null : this.decode(t.slice(vStart, vEnd), vStart);
    this.valueSpaces = spaces;
    this.valueStart = vStart;
    this.valueEnd = vEnd;
    this.pos = vEnd + 1;
    return name;
  }

  /** The value of the attribute read last: references resolved, tabs and line ends as spaces. */
  attributeValue(): string {
    const value = this.valueDecoded ?? this.t.slice(this.valueStart, this.valueEnd);
    return this.valueSpaces ? value.replace(/[\t\n\r]/g, ' ') : value;
  }

  cdata(parent: XElement): XText {
    const start = this.pos;
    const end = this.t.indexOf(']]>', start + 9);
    if (end < 0) this.fail(start, 'CData section not finished');
    this.checkChars(start + 9, end);
    this.pos = end + 3;
    return new TextNode('cdata', this.t, start, this.pos, parent, null);
  }

  text(parent: XElement): XText {
    const t = this.t;
    const start = this.pos;
    let end = t.indexOf('<', start);
    if (end < 0) end = t.length;
    // The next ']]>' is remembered: looking for it from every text node would be quadratic.
    if (this.nextCdataEnd < start) {
      const cd = t.indexOf(']]>', start);
      this.nextCdataEnd = cd < 0 ? Infinity : cd;
    }
    if (this.nextCdataEnd < end) this.fail(this.nextCdataEnd, "Sequence ']]>' not allowed in content");
    const decoded = this.decodeRange(start, end);
    this.pos = end;
    return new TextNode('text', t, start, end, parent, decoded);
  }

  checkChars(from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const c = this.t.charCodeAt(i);
      if (!isXmlChar(c)) this.fail(i, `Char 0x${c.toString(16).toUpperCase()} out of allowed range`);
    }
  }

  /**
   * Check the characters of [from, to) and resolve its references, failing on what libxml2
   * refuses; null when the text has no reference (its value is the source text itself).
   */
  decodeRange(from: number, to: number): string | null {
    const t = this.t;
    let amp = -1;
    for (let i = from; i < to; i++) {
      const c = t.charCodeAt(i);
      if (c >= 0x20 && c < 0xd800) {
        if (c === 38 /* & */ && amp < 0) amp = i;
      } else if (c !== 9 && c !== 10 && c !== 13 && !isXmlChar(c)) this.fail(i, `Char 0x${c.toString(16).toUpperCase()} out of allowed range`);
    }
    return amp < 0 ? null : this.decode(t.slice(from, to), from);
  }

  /** Resolve references in text or an attribute value, failing on what libxml2 refuses. */
  decode(raw: string, offset: number): string {
    if (!raw.includes('&')) return raw;
    let out = '';
    let i = 0;
    while (i < raw.length) {
      const amp = raw.indexOf('&', i);
      if (amp < 0) {
        out += raw.slice(i);
        break;
      }
      out += raw.slice(i, amp);
      const semi = raw.indexOf(';', amp);
      const body = semi < 0 ? '' : raw.slice(amp + 1, semi);
      const at = offset + amp;
      if (body.startsWith('#')) {
        const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
        if (!m) this.fail(at, 'CharRef: invalid decimal value');
        const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2] ?? '', 10);
        if (!(code === 9 || code === 10 || code === 13 || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff))) {
          this.fail(at, `xmlParseCharRef: invalid xmlChar value ${code}`);
        }
        out += String.fromCodePoint(code);
      } else if (/^[A-Za-z_:][\w.:-]*$/.test(body)) {
        const v = PREDEFINED[body];
        if (v === undefined) this.fail(at, `Entity '${body}' not defined`);
        out += v;
      } else {
        this.fail(at, 'xmlParseEntityRef: no name', 'a bare & must be written as &amp;');
      }
      i = semi + 1;
    }
    return out;
  }
}

function prefixOf(qname: string): string | null {
  const colon = qname.indexOf(':');
  return colon < 0 ? null : qname.slice(0, colon);
}

/** The DOM's rule for a (namespace, qualified name) pair (createElementNS/createAttributeNS). */
function namespaceProblem(ns: string | null, qname: string, prefix: string | null): string | null {
  if (prefix !== null && ns === null) return 'prefix is non-null and namespace is null';
  if (prefix === 'xml' && ns !== XML_NS) return 'prefix is "xml" and namespace is not the XML namespace';
  if ((prefix === 'xmlns' || qname === 'xmlns') && ns !== XMLNS_NS) return 'either qualifiedName or prefix is "xmlns" and namespace is not the XMLNS namespace';
  if (ns === XMLNS_NS && prefix !== 'xmlns' && qname !== 'xmlns') return 'namespace is the XMLNS namespace and neither qualifiedName nor prefix is "xmlns"';
  return null;
}

export type { Range };
