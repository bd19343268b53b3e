/**
 * The engine: parse → view → rules → findings, and the multipass fixer. One call lints one
 * document; reading files and printing are the CLI's business.
 */
import { renderLibvirtError } from '../domain/libvirt-error.js';
import { buildDomainModel, type DomainModel } from '../domain/model.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { libvirt } from '../libvirt/messages.js';
import { DEFAULT_PROFILE, type Profile } from '../libvirt/profile.js';
import type { LibvirtSchema } from '../schema/validator.js';
import { decodeUtf8, parseXml, type ParseResult, type XmlDocument } from '../xml/document.js';
import { applyEdits, Fixer, type TextEdit } from '../xml/edit.js';
import { firstChild, type Range, type XAttr, type XElement, type XText } from '../xml/tree.js';
import { Directives } from './directives.js';
import { describeThrown, RuleError, type FixProblem } from './errors.js';
import { appliesTo } from './drivers.js';
import { selectElements } from './select.js';
import type { DomainPart, EarlierFinding, LintMessage, LintResult, Report, Rule, RuleContext, Stage } from './types.js';

export const PARSE_RULE_ID = 'xml-well-formed';
const MAX_PASSES = 10;

export interface ActiveRule {
  rule: Rule;
  severity: 1 | 2;
  options: Record<string, unknown>;
}

export interface LintOptions {
  filePath: string;
  rules: ActiveRule[];
  host?: HostSnapshot | null;
  schema?: LibvirtSchema | null;
  fix?: boolean;
  /** Whose behaviour and words to reproduce; DEFAULT_PROFILE when absent. */
  profile?: Profile;
  /** Report `kvmxml-disable` comments that suppress nothing: 0 off, 1 warning (the default), 2 error. */
  reportUnusedDisableDirectives?: 0 | 1 | 2;
  /** Run every rule on every document, whatever its `needs` (the test suite holds both ways equal). */
  everyRule?: boolean;
  /** The XML parser (parseXml); a test may hand in one that counts. */
  parse?: (text: string) => ParseResult;
}

/** A lint with what it read: the document and its model (null when it did not parse, or is not a domain). */
export interface LintedDocument {
  result: FileLintResult;
  doc: XmlDocument | null;
  domain: DomainModel | null;
}

export interface FileLintResult extends LintResult {
  /** Set when the file was not linted, with the reason (e.g. not a domain definition). */
  skipped?: string;
  /** With fix: what fixing could not do (fixes dropped because they would break the document, fixes that never settle). */
  fixProblems?: FixProblem[];
}

interface Collected {
  message: LintMessage;
  edits: TextEdit[] | null;
}

function rangeOf(node: XElement | XAttr | XText | Range): Range {
  if ('kind' in node) {
    if (node.kind === 'element') return node.startTag;
    return node.range;
  }
  return node;
}

function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function summarise(filePath: string, messages: LintMessage[], extra?: Partial<FileLintResult>): FileLintResult {
  // Rule ids in code-unit order: the same on every machine, and localeCompare's first call costs 10 ms (ICU).
  messages.sort((a, b) => a.line - b.line || a.column - b.column || ordinal(a.ruleId ?? '', b.ruleId ?? ''));
  let errorCount = 0;
  let warningCount = 0;
  let fixableErrorCount = 0;
  let fixableWarningCount = 0;
  for (const m of messages) {
    if (m.severity === 2) {
      errorCount++;
      if (m.fix) fixableErrorCount++;
    } else {
      warningCount++;
      if (m.fix) fixableWarningCount++;
    }
  }
  const result: FileLintResult = { filePath, messages, errorCount, warningCount, fixableErrorCount, fixableWarningCount };
  return extra === undefined ? result : Object.assign(result, extra);
}

function fatal(filePath: string, message: string, line = 1, column = 1): FileLintResult {
  return summarise(filePath, [{ ruleId: PARSE_RULE_ID, severity: 2, message, line, column, stage: 'parse', fatal: true }]);
}

/** Lint raw file bytes: not UTF-8 or binary content is a parse finding, as libvirt refuses it too. */
/** Lint raw file bytes (see lintOnce); the result names the profile it was judged by. */
export function lintBytes(bytes: Uint8Array, opts: LintOptions): FileLintResult {
  return lintDocument(bytes, opts).result;
}

/**
 * lintBytes, keeping the document and model the last pass read: `check` judges the start from
 * them (and the prediction host-start made from that model) instead of reading the file again.
 */
export function lintDocument(bytes: Uint8Array, opts: LintOptions): LintedDocument {
  const nul = bytes.indexOf(0);
  const libvirt = (opts.profile ?? DEFAULT_PROFILE).id;
  if (nul >= 0 && nul < 8192) return { result: { ...fatal(opts.filePath, `binary file (NUL byte at offset ${nul}): not an XML document`), libvirt }, doc: null, domain: null };
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) return { result: { ...fatal(opts.filePath, `not UTF-8 text: invalid byte 0x${(bytes[decoded.byteOffset] ?? 0).toString(16).padStart(2, '0')} at offset ${decoded.byteOffset}`), libvirt }, doc: null, domain: null };
  const linted = lintTextOnce(decoded.text, opts);
  // Each result is new (summarise): naming the profile on it spares copying it (spreads are slow per file).
  linted.result.libvirt = libvirt;
  return linted;
}

export function lintText(text: string, opts: LintOptions): FileLintResult {
  return { ...lintTextOnce(text, opts).result, libvirt: (opts.profile ?? DEFAULT_PROFILE).id };
}

function linted(run: Run): LintedDocument {
  return run.kind === 'linted' ? { result: run.result, doc: run.doc, domain: run.domain } : { result: run.result, doc: null, domain: null };
}

function lintTextOnce(text: string, opts: LintOptions): LintedDocument {
  const first = runOnce(text, opts);
  if (!opts.fix || first.kind !== 'linted' || !first.collected.some((c) => c.edits)) return linted(first);
  const problems: FixProblem[] = [];
  let current = text;
  // Every text a pass started from: meeting one again means fixes undo each other.
  const texts: string[] = [text];
  // The rules whose fixes each pass applied, and those whose fixes would break the document.
  const passRules: string[][] = [];
  const refused = new Set<string>();
  let settled = false;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const run = pass === 0 ? first : runOnce(current, opts);
    if (run.kind !== 'linted') {
      settled = true;
      break;
    }
    const fixes = run.collected.filter((c): c is Collected & { edits: TextEdit[] } => c.edits !== null && !refused.has(c.message.ruleId ?? ''));
    if (fixes.length === 0) {
      settled = true;
      break;
    }
    // Apply whole fixes only: a fix whose edits overlap an earlier fix waits for the next pass.
    let chosen: (Collected & { edits: TextEdit[] })[] = [];
    for (const c of fixes) {
      if (c.edits.every((e) => chosen.every((o) => o.edits.every((oe) => !overlaps(e, oe))))) chosen.push(c);
    }
    let next = applyEdits(current, chosen.flatMap((c) => c.edits)).text;
    // A fix must never break the document: the fixes that would are dropped, and said so.
    if (next !== current && !parseXml(next).ok) {
      const broken = chosen.filter((c) => !parseXml(applyEdits(current, c.edits).text).ok);
      for (const ruleId of unique(broken.map((c) => c.message.ruleId ?? ''))) {
        const one = broken.find((c) => c.message.ruleId === ruleId) as Collected & { edits: TextEdit[] };
        refused.add(ruleId);
        problems.push({ ruleIds: [ruleId], message: `the fix of rule '${ruleId}' was not applied: it would leave the document not well-formed (${describeProblem(applyEdits(current, one.edits).text)})` });
      }
      chosen = chosen.filter((c) => !broken.includes(c));
      next = applyEdits(current, chosen.flatMap((c) => c.edits)).text;
      if (next !== current && !parseXml(next).ok) {
        const ids = unique(chosen.map((c) => c.message.ruleId ?? ''));
        problems.push({ ruleIds: ids, message: `the fixes of rules ${ids.map((id) => `'${id}'`).join(', ')} were not applied: together they would leave the document not well-formed (${describeProblem(next)})` });
        settled = true;
        break;
      }
    }
    if (next === current) {
      settled = true;
      break;
    }
    passRules.push(unique(chosen.map((c) => c.message.ruleId ?? '')));
    const again = texts.indexOf(next);
    if (again >= 0) {
      const ids = unique(passRules.slice(again).flat()).sort();
      problems.push({ ruleIds: ids, message: `circular fixes: the fixes of rules ${ids.map((id) => `'${id}'`).join(', ')} undo each other, so fixing never settles; the file was left as it was` });
      current = text;
      settled = true;
      break;
    }
    texts.push(next);
    current = next;
  }
  if (!settled) {
    const last = runOnce(current, opts);
    const still = last.kind === 'linted' ? unique(last.collected.filter((c) => c.edits).map((c) => c.message.ruleId ?? '')) : [];
    if (still.length > 0) {
      problems.push({ ruleIds: still, message: `fixes did not settle within ${MAX_PASSES} passes (rules ${still.map((id) => `'${id}'`).join(', ')} still fix what they fixed); the file was left as it was` });
      current = text;
    }
  }
  const final = linted(runOnce(current, opts));
  const withProblems = problems.length ? { ...final.result, fixProblems: problems } : final.result;
  return { ...final, result: current === text ? withProblems : { ...withProblems, output: current } };
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

/** Where and why a text does not parse, for a fix problem's message. */
function describeProblem(text: string): string {
  const parsed = parseXml(text);
  if (parsed.ok) return 'it parses';
  const p = parsed.problem;
  return `line ${p.line}, column ${p.column}: ${p.message}`;
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (a.range.start === a.range.end && b.range.start === b.range.end) return a.range.start === b.range.start;
  return a.range.start < b.range.end && b.range.start < a.range.end;
}

/** One fix's edits, checked: edits that overlap each other break the contract (ESLint's too). */
function editsOf(ruleId: string, what: string, e: TextEdit | TextEdit[] | null | undefined): TextEdit[] {
  const list = e ? (Array.isArray(e) ? e : [e]) : [];
  const sorted = [...list].sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as TextEdit;
    const cur = sorted[i] as TextEdit;
    if (cur.range.start < prev.range.end) {
      throw new RuleError(ruleId, `returned overlapping edits in one ${what} (offsets ${prev.range.start}-${prev.range.end} and ${cur.range.start}-${cur.range.end}): a fix's edits must not overlap`);
    }
  }
  return list;
}

type Run = { kind: 'linted'; result: FileLintResult; collected: Collected[]; doc: XmlDocument; domain: DomainModel } | { kind: 'other'; result: FileLintResult };

function runOnce(text: string, opts: LintOptions): Run {
  const parsed = (opts.parse ?? parseXml)(text);
  if (!parsed.ok) {
    const p = parsed.problem;
    const message = p.hint ? `${p.hint} (libvirt: ${p.message})` : p.message;
    return { kind: 'other', result: fatal(opts.filePath, message, p.line, p.column) };
  }
  const doc = parsed.doc;
  if (doc.root.name !== 'domain') {
    return { kind: 'other', result: summarise(opts.filePath, [], { skipped: `root element is <${doc.root.name}>, not <domain>` }) };
  }
  const unnamed = namespacedRoot(doc);
  if (unnamed) return { kind: 'other', result: fatal(opts.filePath, unnamed.message, unnamed.line, unnamed.column) };
  const domain = buildDomainModel(doc.root);
  const collected = runRules(doc, domain, opts);
  return { kind: 'linted', result: summarise(opts.filePath, collected.map((c) => c.message)), collected, doc, domain };
}

/**
 * A <domain> in a namespace (xmlns='…' on it): libvirt looks its elements up in no namespace,
 * so it finds none of them, and define fails on the first it needs, <name> (checked on libvirt
 * 9.0 and 11.3, fixtures/conformance/xml-domain-default-namespace).
 */
function namespacedRoot(doc: XmlDocument): { message: string; line: number; column: number } | null {
  const root = doc.root;
  if (root.namespace === null || firstChild(root, 'name')) return null;
  const at = doc.positionAt(root.startTag.start);
  const message = `<domain> declares the default namespace '${root.namespace}', so libvirt finds none of its elements, not even <name>, and define fails; remove the xmlns declaration (libvirt: ${renderLibvirtError(libvirt.missingName())})`;
  return { message, line: at.line, column: at.column };
}

/** A rule's options (its defaults, then what the config set), the same object for every file of a run. */
const optionsByActive = new WeakMap<ActiveRule, Record<string, unknown>>();
function optionsOf(active: ActiveRule): Record<string, unknown> {
  let options = optionsByActive.get(active);
  if (options === undefined) {
    options = Object.freeze({ ...(active.rule.meta.defaultOptions ?? {}), ...active.options });
    optionsByActive.set(active, options);
  }
  return options;
}

/** A rule that runs on a document, with the options it runs with. */
interface Runnable {
  active: ActiveRule;
  options: Record<string, unknown>;
  /** The parts of a domain it needs, one bit each (see partsOf); 0: it runs on every domain. */
  needs: number;
}

// One bit per part. partsOf reads the constants, not PART_BITS: a property read in a branch that
// no domain had taken yet when V8 optimised runRules (where partsOf is inlined) threw that code
// away at the first domain with such a part (runRules was compiled three times per run).
const MEMORY_BACKING_BIT = 1;
const MEMTUNE_BIT = 2;
const NUMATUNE_BIT = 4;
const NUMA_BIT = 8;
const MEMORY_DEVICES_BIT = 16;
const PART_BITS: Readonly<Record<DomainPart, number>> = {
  memoryBacking: MEMORY_BACKING_BIT,
  memtune: MEMTUNE_BIT,
  numatune: NUMATUNE_BIT,
  numa: NUMA_BIT,
  memoryDevices: MEMORY_DEVICES_BIT,
};

/** RuleMeta.needs as bits; 0 (run always) when absent, empty, or naming a part kvmxml does not know. */
function needsOf(meta: Rule['meta']): number {
  let bits = 0;
  for (const part of meta.needs ?? []) {
    const bit = Object.hasOwn(PART_BITS, part) ? PART_BITS[part] : 0;
    if (bit === 0) return 0;
    bits |= bit;
  }
  return bits;
}

/** The parts a domain has, as bits. */
function partsOf(domain: DomainModel): number {
  return (
    (domain.memoryBacking ? MEMORY_BACKING_BIT : 0) |
    (domain.memtune ? MEMTUNE_BIT : 0) |
    (domain.numatune ? NUMATUNE_BIT : 0) |
    (domain.numa ? NUMA_BIT : 0) |
    (domain.memoryDevices.length > 0 ? MEMORY_DEVICES_BIT : 0)
  );
}

/**
 * The rules of a rule list that run with a run's settings (host, schema, profile) on a domain
 * of a given type, with their options, worked out once per list and settings rather than per
 * file.
 */
const runnableByRules = new WeakMap<readonly ActiveRule[], Map<string, Runnable[]>>();
function runnableRules(rules: readonly ActiveRule[], host: boolean, schema: boolean, profile: Profile['id'], type: string | null): Runnable[] {
  let bySettings = runnableByRules.get(rules);
  if (bySettings === undefined) runnableByRules.set(rules, (bySettings = new Map()));
  const key = `${profile}${host ? '+host' : ''}${schema ? '+schema' : ''}:${type ?? ''}`;
  let list = bySettings.get(key);
  if (list === undefined) {
    list = rules
      .filter(({ rule: { meta } }) => !(meta.needsHost && !host) && !(meta.needsSchema && !schema) && !(meta.profiles && !meta.profiles.includes(profile)) && appliesTo(meta.drivers, type))
      .map((active) => ({ active, options: optionsOf(active), needs: needsOf(active.rule.meta) }));
    // A type no driver knows is judged like any other by appliesTo; the cache does not grow with such names.
    if (bySettings.size < 64) bySettings.set(key, list);
  }
  return list;
}

/** A rule context whose rule-specific fields the engine sets before each rule runs. */
type EngineContext = { -readonly [K in keyof RuleContext]: RuleContext[K] };

function runRules(doc: XmlDocument, domain: DomainModel, opts: LintOptions): Collected[] {
  const directives = Directives.of(doc);
  // Made for the first report with a fix: most documents have none.
  let fixer: Fixer | null = null;
  const out: Collected[] = [];
  const host = opts.host ?? null;
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const schema = opts.schema ?? null;
  const earlier: EarlierFinding[] = [];
  // One context for the document, its rule-specific parts set per rule (allocating one per rule per file shows in a profile).
  let active = opts.rules[0] as ActiveRule;
  // Most rules report nothing on most files: the set of what was reported is made on the first report.
  let seen: Set<string> | null = null;
  const report = (r: Report): void => {
    const { rule } = active;
    if (r.drivers && !appliesTo(r.drivers, domain.type)) return;
    const range = rangeOf(r.node);
    const start = doc.positionAt(range.start);
    const end = doc.positionAt(range.end);
    if (directives.isDisabled(rule.meta.id, start.line)) return;
    const key = `${range.start}:${r.message}`;
    seen ??= new Set();
    if (seen.has(key)) return;
    seen.add(key);
    const stage: Stage = r.stage ?? rule.meta.stage;
    const message: LintMessage = {
      ruleId: rule.meta.id,
      severity: active.severity,
      message: r.message,
      line: start.line,
      column: start.column,
      endLine: end.line,
      endColumn: end.column,
      stage,
    };
    let edits: TextEdit[] | null = null;
    if (r.fix) {
      if (!rule.meta.fixable) throw new RuleError(rule.meta.id, 'reported a fix, but its meta does not say fixable: true');
      const list = editsOf(rule.meta.id, 'fix', r.fix((fixer ??= new Fixer(doc))));
      if (list.length) {
        edits = list;
        message.fix = mergeEdits(doc.text, list, doc.bom);
      }
    }
    if (r.suggestions?.length) {
      const sugg = [];
      for (const s of r.suggestions) {
        const list = editsOf(rule.meta.id, 'suggestion', s.fix((fixer ??= new Fixer(doc))));
        if (list.length) sugg.push({ desc: s.desc, fix: mergeEdits(doc.text, list, doc.bom) });
      }
      if (sugg.length) message.suggestions = sugg;
    }
    out.push({ message, edits });
    earlier.push({ ruleId: rule.meta.id, range });
  };
  const ctx: EngineContext = { doc, domain, host, profile, schema, earlier, options: {}, filePath: opts.filePath, select: (expr: string) => selectElements(doc, expr), report };
  const parts = opts.everyRule ? -1 : partsOf(domain);
  // Indexed: this loop runs for every rule of every file, and until V8 optimises it a for…of
  // allocates an iterator result per rule.
  const runnable = runnableRules(opts.rules, host !== null, schema !== null, profile.id, domain.type);
  for (let i = 0; i < runnable.length; i++) {
    const { active: current, options, needs } = runnable[i] as Runnable;
    if (needs !== 0 && (needs & parts) === 0) continue;
    const { rule } = current;
    active = current;
    seen = null;
    ctx.options = options;
    try {
      rule.check(ctx);
    } catch (e) {
      // A broken rule is kvmxml (or the plugin) failing, not a finding: say which rule.
      if (e instanceof RuleError) throw e;
      throw new RuleError(rule.meta.id, `threw: ${describeThrown(e)}`, e);
    }
  }
  const level = opts.reportUnusedDisableDirectives ?? 1;
  if (level) {
    // Made only for a document with directives (the callback is asked about each one).
    let notRun: Set<string> | null = null;
    const ran = (id: string) => !(notRun ??= new Set(opts.rules.filter((a) => a.rule.meta.needsHost && !host).map((a) => a.rule.meta.id))).has(id);
    for (const { directive: d, rules } of directives.unused(ran)) {
      const what = rules ? ` (no problems were reported from ${rules.map((r) => `'${r}'`).join(', ')})` : ' (no problems were reported)';
      out.push({
        message: { ruleId: null, severity: level, message: `Unused ${d.kind} directive${what}`, line: d.line, column: d.column, endLine: d.endLine, endColumn: d.endColumn, stage: 'style' },
        edits: null,
      });
    }
  }
  return out;
}

/** ESLint's fix shape is one range: merge a fix's edits into one replacement (offsets without BOM). */
function mergeEdits(text: string, edits: TextEdit[], bom: boolean): { range: [number, number]; text: string } {
  const start = Math.min(...edits.map((e) => e.range.start));
  const end = Math.max(...edits.map((e) => e.range.end));
  const inner = applyEdits(text.slice(start, end), edits.map((e) => ({ range: { start: e.range.start - start, end: e.range.end - start }, text: e.text }))).text;
  const shift = bom ? 1 : 0;
  return { range: [start - shift, end - shift], text: inner };
}
