/**
 * The options lint, fix and check share beyond the basics: which files to leave out
 * (`--ignore-pattern`, `--no-ignore`), unused disable directives, `--print-config`.
 */
import type { Argv } from 'yargs';
import type { LoadedConfig } from '../engine/config.js';
import type { SeverityName } from '../engine/types.js';
import type { IgnoreOptions } from './ignore.js';
import { UsageError } from './files.js';

export interface IgnoreArgs {
  ignore: boolean;
  'ignore-pattern': string | string[] | undefined;
}

export interface ConventionArgs extends IgnoreArgs {
  'report-unused-disable-directives': SeverityName | undefined;
  'print-config': string | undefined;
}

export function ignoreOptions<T>(y: Argv<T>) {
  return y
    .option('ignore-pattern', { type: 'string', describe: 'leave out files matching this pattern (gitignore syntax, relative to the working directory; repeatable)' })
    .option('ignore', { type: 'boolean', default: true, describe: 'read .gitignore and .kvmxmlignore when expanding directories and globs (--no-ignore lints everything)' });
}

export function conventionOptions<T>(y: Argv<T>) {
  return ignoreOptions(y)
    .option('report-unused-disable-directives', { choices: ['off', 'warn', 'error'] as const, describe: 'report kvmxml-disable comments that suppress nothing (default warn, or the config key reportUnusedDisableDirectives)' })
    .option('print-config', { type: 'string', requiresArg: true, describe: 'print the effective configuration for FILE as JSON and exit' });
}

export function ignoreOptionsOf(argv: IgnoreArgs): IgnoreOptions {
  const patterns = argv['ignore-pattern'] === undefined ? [] : ([] as string[]).concat(argv['ignore-pattern']);
  if (patterns.some((p) => p.trim() === '')) throw new UsageError('--ignore-pattern needs a pattern');
  return { enabled: argv.ignore !== false, patterns, cwd: process.cwd() };
}

const LEVEL = { off: 0, warn: 1, error: 2 } as const;

/** The flag wins over the config key; without either, unused directives are warnings. */
export function unusedDirectivesLevel(flag: SeverityName | undefined, config: LoadedConfig | null): 0 | 1 | 2 {
  return LEVEL[flag ?? config?.config.reportUnusedDisableDirectives ?? 'warn'];
}

/** Where a message from an ignore check goes: standard error, as a warning that does not stop the run. */
export function warnOnStderr(message: string): void {
  process.stderr.write(`kvmxml: warning: ${message}\n`);
}
