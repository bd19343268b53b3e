/**
 * SARIF 2.1.0, as GitHub code scanning reads it: one run; `tool.driver.rules` describes every
 * rule (with its doc page as help text, and `helpUri` where the page has a URL), each finding is
 * a result pointing at a region of a file whose URI is relative to the repository root
 * (`%SRCROOT%`: git's top level, else the working directory), with a `partialFingerprints` entry
 * that stays the same when lines move, so code scanning tracks an alert across commits. A file
 * that is not well-formed is a result too (rule `xml-well-formed`).
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LintMessage, RuleMeta } from '../engine/types.js';
import type { Formatter, RuleDocs } from './index.js';

const SRCROOT = '%SRCROOT%';

type Level = 'error' | 'warning' | 'note';

const levelOf = (severity: 1 | 2): Level => (severity === 2 ? 'error' : 'warning');

/** Findings with no rule of their own: unused kvmxml-disable comments (ESLint reports them with ruleId null). */
const DIRECTIVE_RULE: RuleMeta = { id: 'unused-disable-directive', description: 'A kvmxml-disable comment that suppresses nothing: remove it, or name the rule that fires there', severity: 'warn', stage: 'style', fixable: false };

function describeRule(id: string, meta: RuleMeta | undefined, docs: RuleDocs | undefined): Record<string, unknown> {
  if (!meta) return { id, shortDescription: { text: id } };
  const doc = docs?.text(meta) ?? null;
  const url = docs?.url(meta) ?? null;
  return {
    id,
    name: id,
    shortDescription: { text: meta.description },
    fullDescription: { text: (doc && docSummary(doc)) ?? meta.description },
    ...(doc ? { help: { text: doc, markdown: doc } } : { help: { text: `${meta.description}\n\nSee: kvmxml explain ${id}` } }),
    ...(url ? { helpUri: url } : {}),
    defaultConfiguration: { level: meta.severity === 'error' ? 'error' : 'warning' },
    properties: { tags: ['libvirt', meta.stage], stage: meta.stage, fixable: meta.fixable },
  };
}

/** A relative URI reference under %SRCROOT% for files below `root`, else an absolute file: URI. */
function artifactLocation(filePath: string, root: string, cwd: string): { uri: string; uriBaseId?: string } {
  if (filePath === '<stdin>') return { uri: 'stdin' };
  const abs = isAbsolute(filePath) ? filePath : resolve(cwd, filePath);
  const rel = relative(root, abs);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) {
    return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  }
  return { uri: pathToFileURL(abs).href };
}

function region(m: LintMessage): Record<string, number> {
  const startLine = Math.max(1, m.line || 1);
  const startColumn = Math.max(1, m.column || 1);
  let endLine = m.endLine ?? startLine;
  let endColumn = m.endColumn ?? startColumn + 1;
  if (endLine < startLine || (endLine === startLine && endColumn < startColumn)) {
    endLine = startLine;
    endColumn = startColumn + 1;
  }
  return { startLine, startColumn, endLine, endColumn };
}

export const format: Formatter = (results, ctx) => {
  const ruleIndex = new Map<string, number>();
  const rules: Record<string, unknown>[] = [];
  const addRule = (id: string) => {
    let i = ruleIndex.get(id);
    if (i === undefined) {
      i = rules.length;
      ruleIndex.set(id, i);
      rules.push(describeRule(id, ctx.rules.get(id), ctx.docs));
    }
    return i;
  };
  for (const id of ctx.rules.keys()) addRule(id);
  const root = ctx.root ?? ctx.cwd;

  const sarifResults: Record<string, unknown>[] = [];
  for (const r of results) {
    const location = artifactLocation(r.filePath, root, ctx.cwd);
    const seen = new Map<string, number>();
    for (const m of r.messages) {
      const id = m.ruleId ?? DIRECTIVE_RULE.id;
      if (!ctx.rules.has(id) && id === DIRECTIVE_RULE.id) ctx.rules.set(id, DIRECTIVE_RULE);
      // Rule, file and message identify a finding; the occurrence count tells repeats apart.
      const key = `${id}\u0000${location.uri}\u0000${m.message}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      sarifResults.push({
        ruleId: id,
        ruleIndex: addRule(id),
        level: levelOf(m.severity),
        message: { text: m.message },
        locations: [{ physicalLocation: { artifactLocation: location, region: region(m) } }],
        partialFingerprints: { 'kvmxmlFinding/v1': `${createHash('sha256').update(key).digest('hex').slice(0, 32)}:${n}` },
        properties: { stage: m.stage, ...(m.fix ? { fixable: true } : {}) },
      });
    }
  }

  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'kvmxml', version: ctx.docs?.version ?? '0.0.0', semanticVersion: ctx.docs?.version ?? '0.0.0', rules } },
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(root.endsWith(sep) ? root : root + sep).href } },
        columnKind: 'utf16CodeUnits',
        // the profiles (libvirt + QEMU) the files were judged by
        properties: { libvirt: [...new Set(results.map((r) => r.libvirt).filter((p) => p !== undefined))] },
        results: sarifResults,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
};

/** The first prose paragraph of a doc page (after the title and the stage/default line). */
export function docSummary(markdown: string): string | null {
  const paragraphs = markdown.split(/\r?\n\s*\r?\n/).map((p) => p.trim());
  for (const p of paragraphs) {
    if (!p || p.startsWith('#') || p.startsWith('```') || p.startsWith('**Stage:**')) continue;
    return p.replace(/\s*\r?\n\s*/g, ' ');
  }
  return null;
}
