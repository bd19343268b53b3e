/**
 * `kvmxml fit --host HOST [paths…]`: the options, and wiring the fit runner (src/fit/run.ts) to
 * files, diffs and reports. Writes go through fix's safe writer (src/cli/files.ts): every file
 * is checked before any is written, atomically where the file allows it.
 */
import { relative, resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { HostSnapshot } from '../host/snapshot.js';
import { describeProfile, PROFILE_IDS, PROFILES } from '../libvirt/profile.js';
import { demandTable, verdictPaints } from '../formatters/check.js';
import type { FitFileResult } from '../fit/run.js';
import { single } from './args.js';
import type { ConfigSetting } from './config-resolver.js';
import { prepareWrite, readStdin, UsageError, writeFixed } from './files.js';
import { ignoreOptions, ignoreOptionsOf, type IgnoreArgs } from './lint-options.js';
import { profileFor, type ProfileArgs } from './profile-option.js';
import { isFileSink, sinkFor, stderr, useColor, writeSink } from './stdio.js';

export const FIT_FORMATS = ['stylish', 'json'] as const;

export type FitCliArgs = {
  paths: string[];
  host: string | string[];
  format: (typeof FIT_FORMATS)[number];
  'output-file'?: string;
  'dry-run': boolean;
  'stdin-filename'?: string;
  config: ConfigSetting;
  color?: boolean;
} & IgnoreArgs &
  ProfileArgs;

export function fitOptions<T>(y: Argv<T>) {
  return ignoreOptions(y)
    .positional('paths', { type: 'string', array: true, default: [] as string[], describe: 'domain XML files, directories, quoted globs or - (alone: a filter, standard input to standard output)' })
    .option('host', { type: 'string', demandOption: true, describe: 'the host to fit to: kvmxml snapshot JSON, `virsh capabilities` XML or `virsh freepages --all` text, - for standard input (repeat to merge)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'write nothing: print the changes as a unified diff (with --format json, only the report, each fitted text in its `output`)' })
    .option('format', { alias: 'f', choices: FIT_FORMATS, default: 'stylish' as const, coerce: single('format'), describe: 'report format' })
    .option('output-file', { alias: 'o', type: 'string', coerce: single('output-file'), describe: 'write the report to a file (- for standard output)' })
    .option('stdin-filename', { type: 'string', coerce: single('stdin-filename'), describe: 'name to report (and to find the config by) when reading -' })
    .option('config', {
      alias: 'c',
      type: 'string',
      coerce: (v: unknown): ConfigSetting => (v === false ? false : single('config')(v)),
      describe: 'use this config file for every file (default: the nearest kvmxml.config.json; --no-config: none)',
    })
    .option('color', { type: 'boolean', describe: 'force colour on or off (default: on a terminal)' })
    .option('libvirt', { type: 'string', choices: PROFILE_IDS, coerce: single('libvirt'), describe: 'whose behaviour to fit for: 9.0 or 11.3 (default: config `libvirt`, else the --host snapshot\'s libvirt, else 9.0)' });
}

/** Exit code: 1 when a VM still would not start (it could not be fitted), else 0. */
export function fitExitCode(results: FitFileResult[]): number {
  return results.some((r) => r.after.verdict === 'fails') ? 1 : 0;
}

export async function runFit(argv: FitCliArgs, internalError: (filePath: string, e: unknown) => void): Promise<number> {
  const hosts = ([] as string[]).concat(argv.host);
  const dashes = argv.paths.filter((p) => p === '-').length;
  const hostDashes = hosts.filter((h) => h === '-').length;
  if (dashes + hostDashes > 1) throw new UsageError(hostDashes && dashes ? 'standard input cannot be both the host (--host -) and a file (-): it can be read only once' : 'standard input (-) given more than once: it can be read only once');
  if (dashes === 1 && argv.paths.length > 1) throw new UsageError('fit - is a filter (standard input to standard output) and takes no other paths: run it alone, or give only files');
  const filter = dashes === 1 && !argv['dry-run'];
  if (filter && argv['output-file'] === '-') throw new UsageError('fit - writes the fitted document to standard output; give -o FILE for the report');
  const { loadHostInputs } = await import('../host/load.js');
  let host: HostSnapshot;
  try {
    host = await loadHostInputs(hosts, () => readStdin());
  } catch (e) {
    if (e instanceof Error && e.name === 'HostInputError') throw new UsageError(e.message);
    throw e;
  }
  const { fitFiles } = await import('../fit/run.js');
  let input: Uint8Array | null = null;
  const readInput = (): Uint8Array => (input ??= readStdin());
  let internal = 0;
  const given = argv['stdin-filename'];
  const results = await fitFiles({
    paths: argv.paths,
    host,
    config: argv.config,
    ignore: ignoreOptionsOf(argv),
    stdinName: given ? { report: resolve(given), lookup: resolve(given) } : { report: '<stdin>', lookup: resolve('stdin.xml') },
    readStdin: readInput,
    onInternalError: (f, e) => {
      internal++;
      internalError(f, e);
    },
    profile: (cfg) => profileFor(argv.libvirt, cfg, host),
  });
  for (const r of results) if (r.skipped) stderr.write(`kvmxml: skipped ${relative(process.cwd(), r.filePath) || r.filePath}: ${r.skipped}\n`);
  const sink = sinkFor(argv['output-file'], filter ? 2 : 1);
  if (filter) {
    // A document fit leaves alone goes back byte for byte, whatever it holds.
    const r = results[0];
    writeSink(1, r?.output ?? input ?? new Uint8Array());
  } else if (argv['dry-run']) {
    if (argv.format !== 'json') writeSink(1, await unifiedDiff(results));
  } else {
    // Every file is checked before any is written: a refusal leaves all of them as they were.
    const changed = results.filter((r) => r.output !== undefined && r.filePath !== '<stdin>');
    const targets = changed.map((r) => prepareWrite(r.filePath));
    changed.forEach((r, i) => writeFixed(targets[i]!, r.output as string));
  }
  const color = !isFileSink(sink) && useColor(sink, argv.color);
  const report = argv.format === 'json' ? formatFitJson(results, argv['dry-run']) + '\n' : formatFitStylish(results, { color, cwd: process.cwd(), dryRun: argv['dry-run'] || filter });
  writeSink(sink, report);
  return internal > 0 ? 2 : fitExitCode(results);
}

async function unifiedDiff(results: FitFileResult[]): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  let patch = '';
  for (const r of results) {
    if (r.output === undefined) continue;
    const name = r.filePath === '<stdin>' ? 'stdin' : relative(process.cwd(), r.filePath) || r.filePath;
    patch += createTwoFilesPatch(`a/${name}`, `b/${name}`, r.original, r.output);
  }
  return patch;
}

/** One object per file: verdict before and after, the edits, the demand table after. */
export function formatFitJson(results: FitFileResult[], dryRun: boolean): string {
  return JSON.stringify(
    results.map((r) => ({
      filePath: r.filePath,
      ...(r.libvirt ? { libvirt: r.libvirt } : {}),
      status: r.status,
      before: { verdict: r.before.verdict, reasons: r.before.reasons },
      after: { verdict: r.after.verdict, reasons: r.after.reasons },
      changes: r.changes,
      edits: r.edits,
      demand: r.after.demand,
      ...(r.why ? { why: r.why } : {}),
      ...(dryRun && r.output !== undefined ? { output: r.output } : {}),
      ...(r.skipped ? { skipped: r.skipped } : {}),
    })),
  );
}

export function formatFitStylish(results: FitFileResult[], opts: { color: boolean; cwd: string; dryRun: boolean }): string {
  const { red, dim, verdict } = verdictPaints(opts.color);
  let out = '';
  for (const r of results) {
    const name = relative(opts.cwd, r.filePath) || r.filePath;
    if (r.skipped) {
      out += `${name}: skipped (${r.skipped})\n`;
      continue;
    }
    if (r.status === 'fitted') {
      out += `${name}: ${verdict(r.before.verdict)} → ${verdict(r.after.verdict)} (${opts.dryRun ? 'would be fitted' : 'fitted'})\n`;
      for (const c of r.changes) out += `  ${c}\n`;
    } else if (r.status === 'cannot-fit') {
      out += `${name}: ${verdict(r.before.verdict)}, ${red('cannot be fitted')}: ${r.why ?? ''}\n`;
      for (const m of r.before.reasons) {
        out += `  ${dim(`${m.line}:${m.column}`)}  ${m.message}  ${dim(`${m.ruleId ?? ''} [${m.stage}]`)}\n`;
        if (m.suggestion) out += `        ${dim('→')} ${m.suggestion}\n`;
      }
    } else {
      out += `${name}: ${verdict(r.before.verdict)} (unchanged${r.why ? `: ${r.why}` : ''})\n`;
    }
    out += demandTable(r.after.demand, dim);
  }
  const fitted = results.filter((r) => r.status === 'fitted').length;
  const failing = results.filter((r) => r.status === 'cannot-fit').length;
  if (results.length) {
    out += `\n${fitted} fitted${opts.dryRun && fitted ? ' (nothing written)' : ''}, ${failing} cannot be fitted, ${results.length - fitted - failing} unchanged; VMs take their pages in the given order.\n`;
    const profiles = [...new Set(results.map((r) => r.libvirt).filter((p) => p !== undefined))].map((id) => describeProfile(PROFILES[id]));
    if (profiles.length) out += `${dim(`Judged as ${profiles.join(' and ')} (--libvirt chooses).`)}\n`;
  }
  return out;
}
