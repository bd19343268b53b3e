/** Output formats, each loaded only when asked for. */
import type { FileLintResult } from '../engine/lint.js';
import type { RuleMeta } from '../engine/types.js';
import type { CheckResult } from '../predict/check.js';

export interface FormatContext {
  color: boolean;
  cwd: string;
  /** Where machine formats (sarif, github, junit) root file paths: the repository's top level, else cwd. */
  root?: string;
  rules: Map<string, RuleMeta>;
  /** The report goes to a terminal (not a pipe or a file): stylish then also sums up clean runs. */
  tty?: boolean;
  /** Each rule's documentation and kvmxml's version, for json and sarif (read by the caller: formatters read no files). */
  docs?: RuleDocs;
}

export interface RuleDocs {
  /** A URL for the rule's page, or null. */
  url(meta: RuleMeta | undefined): string | null;
  /** The page's Markdown, or null. */
  text(meta: RuleMeta): string | null;
  version: string;
}

export type Formatter = (results: FileLintResult[], ctx: FormatContext) => string;

/** A formatter of `kvmxml check`'s verdicts. Formatters return text; the caller writes it. */
export type CheckFormatter = (results: CheckResult[], ctx: FormatContext) => string;

export const FORMATS = ['stylish', 'json', 'sarif', 'github', 'junit'] as const;
export type FormatName = (typeof FORMATS)[number];

/** Formats read by programs: no progress line, no colour, nothing but the report. */
export const MACHINE_FORMATS: readonly FormatName[] = ['json', 'sarif', 'github', 'junit'];

export async function loadFormatter(name: FormatName): Promise<Formatter> {
  switch (name) {
    case 'json':
      return (await import('./json.js')).format;
    case 'sarif':
      return (await import('./sarif.js')).format;
    case 'github':
      return (await import('./github.js')).format;
    case 'junit':
      return (await import('./junit.js')).format;
    case 'stylish':
    default:
      return (await import('./stylish.js')).format;
  }
}

/**
 * `kvmxml check`'s formatter for a format: stylish and json have their own shape (verdicts,
 * demand tables); sarif, github and junit carry each reason as a lint finding.
 */
export async function loadCheckFormatter(name: FormatName): Promise<CheckFormatter> {
  const check = await import('./check.js');
  if (name === 'json') return (results) => check.formatCheckJson(results) + '\n';
  if (name === 'stylish') return check.formatCheckStylish;
  const lint = await loadFormatter(name);
  return (results, ctx) => lint(check.checkAsLint(results), { ...ctx, rules: new Map([...ctx.rules, [check.PREDICTION_META.id, check.PREDICTION_META]]) });
}
