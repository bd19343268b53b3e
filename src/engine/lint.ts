/**
 * The engine: parse → view → rules → findings, and the multipass fixer. One call lints one
 * document; reading files and printing are the CLI's business.
 */
import { buildDomainModel } from '../domain/model.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { DEFAULT_PROFILE, type Profile } from '../libvirt/profile.js';
import type { LibvirtSchema } from '../schema/validator.js';
import { decodeUtf8, parseXml, type XmlDocument } from '../xml/document.js';
import { applyEdits, Fixer, type TextEdit } from '../xml/edit.js';
import type { Range, XAttr, XElement, XText } from '../xml/tree.js';
import { Directives } from './directives.js';
import { appliesTo } from './drivers.js';
import { selectElements } from './select.js';
import type { EarlierFinding, LintMessage, LintResult, Report, Rule, RuleContext, Stage } from './types.js';

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
}

export interface FileLintResult extends LintResult {
  /** Set when the file was not linted, with the reason (e.g. not a domain definition). */
  skipped?: string;
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

function summarise(filePath: string, messages: LintMessage[], extra: Partial<FileLintResult> = {}): FileLintResult {
  messages.sort((a, b) => a.line - b.line || a.column - b.column || (a.ruleId ?? '').localeCompare(b.ruleId ?? ''));
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
  return { filePath, messages, errorCount, warningCount, fixableErrorCount, fixableWarningCount, ...extra };
}

function fatal(filePath: string, message: string, line = 1, column = 1): FileLintResult {
  return summarise(filePath, [{ ruleId: PARSE_RULE_ID, severity: 2, message, line, column, stage: 'parse', fatal: true }]);
}

/** Lint raw file bytes: not UTF-8 or binary content is a parse finding, as libvirt refuses it too. */
/** Lint raw file bytes (see lintOnce); the result names the profile it was judged by. */
export function lintBytes(bytes: Uint8Array, opts: LintOptions): FileLintResult {
  return { ...lintBytesOnce(bytes, opts), libvirt: (opts.profile ?? DEFAULT_PROFILE).id };
}

function lintBytesOnce(bytes: Uint8Array, opts: LintOptions): FileLintResult {
  const nul = bytes.indexOf(0);
  if (nul >= 0 && nul < 8192) return fatal(opts.filePath, `binary file (NUL byte at offset ${nul}): not an XML document`);
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) return fatal(opts.filePath, `not UTF-8 text: invalid byte 0x${(bytes[decoded.byteOffset] ?? 0).toString(16).padStart(2, '0')} at offset ${decoded.byteOffset}`);
  return lintText(decoded.text, opts);
}

export function lintText(text: string, opts: LintOptions): FileLintResult {
  return { ...lintTextOnce(text, opts), libvirt: (opts.profile ?? DEFAULT_PROFILE).id };
}

function lintTextOnce(text: string, opts: LintOptions): FileLintResult {
  const first = runOnce(text, opts);
  if (!opts.fix || first.kind !== 'linted' || !first.collected.some((c) => c.edits)) return first.result;
  let current = text;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const run = pass === 0 ? first : runOnce(current, opts);
    if (run.kind !== 'linted') break;
    const edits = run.collected.flatMap((c) => c.edits ?? []);
    if (edits.length === 0) break;
    // Apply whole fixes only: a fix whose edits overlap an earlier fix waits for the next pass.
    const chosen: TextEdit[] = [];
    for (const c of run.collected) {
      if (!c.edits) continue;
      if (c.edits.every((e) => chosen.every((o) => !overlaps(e, o)))) chosen.push(...c.edits);
    }
    const next = applyEdits(current, chosen).text;
    if (next === current) break;
    // A fix must never break the document; if it would, keep what we had.
    if (!parseXml(next).ok) break;
    current = next;
  }
  const final = runOnce(current, opts).result;
  return current === text ? final : { ...final, output: current };
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (a.range.start === a.range.end && b.range.start === b.range.end) return a.range.start === b.range.start;
  return a.range.start < b.range.end && b.range.start < a.range.end;
}

type Run = { kind: 'linted'; result: FileLintResult; collected: Collected[] } | { kind: 'other'; result: FileLintResult };

function runOnce(text: string, opts: LintOptions): Run {
  const parsed = parseXml(text);
  if (!parsed.ok) {
    const p = parsed.problem;
    const message = p.hint ? `${p.hint} (libvirt: ${p.message})` : p.message;
    return { kind: 'other', result: fatal(opts.filePath, message, p.line, p.column) };
  }
  const doc = parsed.doc;
  if (doc.root.name !== 'domain') {
    return { kind: 'other', result: summarise(opts.filePath, [], { skipped: `root element is <${doc.root.name}>, not <domain>` }) };
  }
  const collected = runRules(doc, opts);
  return { kind: 'linted', result: summarise(opts.filePath, collected.map((c) => c.message)), collected };
}

function runRules(doc: XmlDocument, opts: LintOptions): Collected[] {
  const domain = buildDomainModel(doc.root);
  const directives = new Directives(doc);
  const fixer = new Fixer(doc);
  const out: Collected[] = [];
  const host = opts.host ?? null;
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const schema = opts.schema ?? null;
  const earlier: EarlierFinding[] = [];
  for (const active of opts.rules) {
    const { rule } = active;
    if (rule.meta.needsHost && !host) continue;
    if (rule.meta.needsSchema && !schema) continue;
    if (rule.meta.profiles && !rule.meta.profiles.includes(profile.id)) continue;
    if (!appliesTo(rule.meta.drivers, domain.type)) continue;
    const seen = new Set<string>();
    const ctx: RuleContext = {
      doc,
      domain,
      host,
      profile,
      schema,
      earlier,
      options: { ...(rule.meta.defaultOptions ?? {}), ...active.options },
      filePath: opts.filePath,
      select: (expr) => selectElements(doc, expr),
      report: (r: Report) => {
        if (r.drivers && !appliesTo(r.drivers, domain.type)) return;
        const range = rangeOf(r.node);
        const start = doc.positionAt(range.start);
        const end = doc.positionAt(range.end);
        if (directives.isDisabled(rule.meta.id, start.line)) return;
        const key = `${range.start}:${r.message}`;
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
        if (r.fix && rule.meta.fixable) {
          const e = r.fix(fixer);
          edits = e ? (Array.isArray(e) ? e : [e]) : null;
          if (edits && edits.length) message.fix = mergeEdits(doc.text, edits, doc.bom);
          else edits = null;
        }
        if (r.suggestions?.length) {
          const sugg = [];
          for (const s of r.suggestions) {
            const e = s.fix(fixer);
            const list = e ? (Array.isArray(e) ? e : [e]) : [];
            if (list.length) sugg.push({ desc: s.desc, fix: mergeEdits(doc.text, list, doc.bom) });
          }
          if (sugg.length) message.suggestions = sugg;
        }
        out.push({ message, edits });
        earlier.push({ ruleId: rule.meta.id, range });
      },
    };
    try {
      rule.check(ctx);
    } catch (e) {
      // A broken rule must not take the run down; say which rule failed.
      out.push({
        message: { ruleId: rule.meta.id, severity: 2, message: `rule ${rule.meta.id} failed: ${e instanceof Error ? e.message : String(e)}`, line: 1, column: 1, stage: rule.meta.stage, fatal: true },
        edits: null,
      });
    }
  }
  const level = opts.reportUnusedDisableDirectives ?? 1;
  if (level) {
    const notRun = new Set(opts.rules.filter((a) => a.rule.meta.needsHost && !host).map((a) => a.rule.meta.id));
    for (const { directive: d, rules } of directives.unused((id) => !notRun.has(id))) {
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
