/**
 * The command line: yargs commands that wire files, config, engine and formatters together.
 * No domain logic lives here. Exit codes (DESIGN.md): 0 no error-level finding, 1 at least one,
 * 2 the tool could not do its job.
 */
import { existsSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { engineRules, rules as builtinRules } from '../../rules/index.js';
import { ConfigError, type RuleEntry } from '../engine/config.js';
import { notConfigurable } from '../engine/config-schema.js';
import { driversShort } from '../engine/drivers.js';
import { RuleError } from '../engine/errors.js';
import type { FileLintResult } from '../engine/lint.js';
import { fixFiles, lintFiles, type FixRun } from '../runner/lint.js';
import { builtinMetas, builtinRuleMap, type LintJob } from '../runner/linter.js';
import type { WorkerSetting } from '../runner/pool.js';
import type { Rule, SeverityName } from '../engine/types.js';
import { oneLine } from '../host/errors.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { FORMATS, loadCheckFormatter, loadFormatter, MACHINE_FORMATS, type FormatContext, type FormatName } from '../formatters/index.js';
import { PROFILE_IDS, type ProfileId } from '../libvirt/profile.js';
import { count, protectDashes, restoreDashes, rewordYargsMessage, single, splitTrailingPaths } from './args.js';
import { quickArgs } from './quick-args.js';
import { ConfigResolver, type ConfigSetting } from './config-resolver.js';
import { INSTALLED_SCHEMA_DIR } from './schema-source.js';
import { expandPaths, readStdin, UsageError } from './files.js';
import { conventionOptions, ignoreOptions, ignoreOptionsOf, warnOnStderr, type ConventionArgs, type IgnoreArgs } from './lint-options.js';
import { PROGRESS_MIN_FILES, startProgress } from './progress.js';
import { debugSummary, debugTrace, debugWanted } from './debug.js';
import { profileFor, type ProfileArgs } from './profile-option.js';
import { isFileSink, sinkFor, stderr, stdout, useColor, writeSink, type Sink } from './stdio.js';
import { VERSION } from './version.js';
import { fitOptions, runFit, type FitCliArgs } from './fit.js';

interface CommonArgs extends ConventionArgs, ProfileArgs {
  paths: string[];
  format: FormatName;
  quiet: boolean;
  'max-warnings': number | undefined;
  'output-file': string | undefined;
  'stdin-filename': string | undefined;
  rule: string | string[] | undefined;
  config: ConfigSetting;
  color: boolean | undefined;
  host: string | string[] | undefined;
  schema: string | undefined;
}

/** The commands, for the message a bare `kvmxml` gets. */
const COMMANDS = ['lint', 'fix', 'check', 'fit', 'audit', 'snapshot', 'rules', 'explain', 'init'];

function parseRuleFlags(flags: string[], known: Map<string, Rule>): Record<string, RuleEntry> {
  const out: Record<string, RuleEntry> = {};
  for (const f of flags) {
    const m = /^([\w-]+):(off|warn|error)$/.exec(f.trim());
    if (!m) throw new UsageError(`--rule expects RULE:off|warn|error, got '${f}'`);
    const id = m[1] as string;
    if (engineRules.some((r) => r.id === id && r.fatal)) throw new UsageError(`--rule: ${notConfigurable(id)}`);
    if (!known.has(id)) throw new UsageError(`--rule: unknown rule '${id}'`);
    out[id] = m[2] as SeverityName;
  }
  return out;
}

/**
 * Standard input is read once, wherever `-` stands among the paths; it cannot also be the host.
 * `fix -` is a filter (document in, fixed document out) and so stands alone.
 */
function checkStdinUse(paths: string[], hosts: string[], mode: 'lint' | 'fix' | 'check'): void {
  const dashes = paths.filter((p) => p === '-').length;
  const hostDashes = hosts.filter((h) => h === '-').length;
  if (dashes + hostDashes > 1) {
    throw new UsageError(hostDashes > 0 && dashes > 0 ? 'standard input cannot be both the host (--host -) and a file (-): it can be read only once' : 'standard input (-) given more than once: it can be read only once');
  }
  if (mode === 'fix' && dashes === 1 && paths.length > 1) {
    throw new UsageError('fix - is a filter (standard input to standard output) and takes no other paths: run it alone, or give only files');
  }
}

/** The name a document read from standard input is reported (and its config found) by. */
function stdinName(argv: { 'stdin-filename'?: string | undefined }): { report: string; lookup: string } {
  const given = argv['stdin-filename'];
  return given ? { report: resolve(given), lookup: resolve(given) } : { report: '<stdin>', lookup: resolve('stdin.xml') };
}

async function runLint(argv: CommonArgs, mode: 'lint' | 'fix', dryRun: boolean): Promise<number> {
  const known = builtinRuleMap();
  const ruleFlags = argv.rule === undefined ? [] : ([] as string[]).concat(argv.rule);
  const cli = parseRuleFlags(ruleFlags, known);
  if (argv.paths.length === 0 && argv['print-config'] === undefined) throw new UsageError(`no files given (try: kvmxml ${mode} vm.xml, a directory, or - for standard input)`);
  checkStdinUse(argv.paths, hostList(argv.host), mode);
  if (argv['print-config'] !== undefined) {
    const configs = new ConfigResolver(argv.config, known);
    await configs.preload();
    const { printConfig } = await import('./print-config.js');
    return printConfig(argv['print-config'], { configs, builtin: builtinRules, cli, unusedDirectives: argv['report-unused-disable-directives'] });
  }
  // A config named on the command line is checked before anything else is read.
  if (typeof argv.config === 'string') await new ConfigResolver(argv.config, known).preload();
  const host = await loadHost(argv.host);
  const job: LintJob = { config: argv.config, cliRules: cli, host, schema: argv.schema, libvirt: argv.libvirt, unusedDirectives: argv['report-unused-disable-directives'], fix: mode === 'fix' };
  const files = await expandPaths(argv.paths, { ignore: ignoreOptionsOf(argv), warn: warnOnStderr });
  const name = stdinName(argv);
  const stdin = { report: name.report, lookup: name.lookup, read: readStdin };
  const filter = mode === 'fix' && files.length === 1 && files[0] === '-' && !dryRun;
  if (filter && argv['output-file'] === '-') throw new UsageError('fix - writes the fixed document to standard output; give -o FILE for the report');
  const progress = !filter && files.length >= PROGRESS_MIN_FILES && isatty(2) ? startProgress(process.stderr, files.length, argv.format) : null;
  const counts = { errors: 0, warnings: 0 };
  const opts = {
    stdin,
    workers: workersFromEnv(),
    cwd: process.cwd(),
    hooks: {
      onFileError: reportFileError,
      onResult: (r: FileLintResult, done: number, file: string) => {
        if (!progress) return;
        counts.errors += r.errorCount;
        counts.warnings += r.warningCount;
        progress.update(done, counts, file);
      },
    },
  };
  let run: FixRun;
  try {
    if (mode === 'lint') run = await lintFiles(job, files, opts);
    // A machine format carries the fixed text in each result's `output`; only people get a diff.
    else run = await fixFiles(job, files, filter ? 'stdout' : !dryRun ? 'write' : MACHINE_FORMATS.includes(argv.format) ? 'none' : 'diff', opts);
  } finally {
    progress?.clear();
  }
  if (run.document !== undefined) {
    // Filter mode: the (fixed) document goes to stdout, the report to stderr (or -o FILE).
    // Unchanged input goes back byte for byte, whatever it holds.
    writeSink(1, run.document);
  }
  if (run.diff) stdout.write(run.diff);
  const { results } = run;
  let failed = run.failedFiles;
  if (!filter) for (const r of results) if (r.skipped) stderr.write(`kvmxml: skipped ${relativeName(r.filePath)}: ${r.skipped}\n`);
  for (const r of results) {
    for (const p of r.fixProblems ?? []) {
      failed++;
      stderr.write(`kvmxml: ${relativeName(r.filePath)}: ${p.message}\n`);
    }
  }
  const wanted = cli['libvirt-schema'];
  if (!filter && wanted !== undefined && wanted !== 'off' && !run.schemaAsked) {
    stderr.write(`kvmxml: libvirt-schema needs libvirt's RNG schema: add --schema (the installed one, ${INSTALLED_SCHEMA_DIR}) or --schema=DIR; it did not run\n`);
  }
  await report(results, argv, sinkFor(argv['output-file'], filter ? 2 : 1));
  return failed > 0 ? 2 : exitCode(results, argv);
}

/** KVMXML_WORKERS: a number of worker threads, or off; unset or auto: workers for large runs only. */
function workersFromEnv(): WorkerSetting {
  const v = process.env.KVMXML_WORKERS;
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  if (v === 'off' || v === '0') return 'off';
  if (/^[1-9]\d{0,2}$/.test(v)) return Number(v);
  throw new UsageError(`KVMXML_WORKERS must be a number of worker threads, off or auto (got '${v}')`);
}

/** Format the results and write them where they go. */
async function report(results: FileLintResult[], argv: CommonArgs, sink: Sink): Promise<void> {
  const text = await formatResults(results, argv, sink);
  if (isFileSink(sink)) writeSink(sink, text);
  else if (text) writeSink(sink, text.endsWith('\n') || argv.format !== 'json' ? text : text + '\n');
}

function reportFileError(filePath: string, e: unknown): void {
  const debug = debugWanted(process.argv.slice(2));
  if (e instanceof RuleError) {
    // A rule broke the engine's contract: the line names the rule, for whoever wrote it.
    const thrown = e.cause !== undefined;
    stderr.write(`kvmxml: ${relativeName(filePath)}: ${e.message}${thrown && !debug ? ' (--debug shows where)' : ''}\n`);
    if (debug && thrown) stderr.write(debugTrace(e.cause instanceof Error ? e.cause : e));
    return;
  }
  stderr.write(`kvmxml: internal error while checking ${relativeName(filePath)}: ${firstLine(e)}${debug ? '' : ' (--debug shows where)'}\n`);
  if (debug) stderr.write(debugTrace(e));
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

function relativeName(p: string): string {
  const rel = p.startsWith(process.cwd() + '/') ? p.slice(process.cwd().length + 1) : p;
  return rel;
}

async function formatResults(results: FileLintResult[], argv: CommonArgs, sink: Sink): Promise<string> {
  const shown = argv.quiet
    ? results.map((r) => ({ ...r, messages: r.messages.filter((m) => m.severity === 2), warningCount: 0, fixableWarningCount: 0 }))
    : results;
  const formatter = await loadFormatter(argv.format);
  return formatter(shown, await formatContext(argv, sink));
}

/** What a formatter needs; sarif, github and junit name files relative to the repository root (git's top level, else the working directory). */
async function formatContext(argv: { format: FormatName; color?: boolean | undefined }, sink: Sink): Promise<FormatContext> {
  const metas = builtinMetas();
  const toFd = isFileSink(sink) ? null : sink;
  const cwd = process.cwd();
  // json names files by their absolute paths: only the other machine formats look for the root.
  const root = argv.format !== 'json' && MACHINE_FORMATS.includes(argv.format) ? ((await import('./ignore.js')).repositoryRoot(cwd) ?? cwd) : cwd;
  // Only the formats that link or carry rule pages read them (and package.json).
  const docs = argv.format === 'json' || argv.format === 'sarif' ? { docs: (await import('./package-info.js')).packageDocs() } : {};
  return { color: toFd !== null && useColor(toFd, argv.color), cwd, root, rules: metas, tty: toFd !== null && isatty(toFd), ...docs };
}

function exitCode(results: FileLintResult[], argv: CommonArgs): number {
  const errors = results.reduce((n, r) => n + r.errorCount, 0);
  const warnings = results.reduce((n, r) => n + r.warningCount, 0);
  if (errors > 0) return 1;
  const max = argv['max-warnings'];
  if (max !== undefined && warnings > max) {
    stderr.write(`kvmxml: too many warnings (${warnings}); maximum allowed is ${max}.\n`);
    return 1;
  }
  return 0;
}

async function listRules(format: string): Promise<number> {
  const metas = [...engineRules, ...builtinRules.map((r) => r.meta)];
  if (format === 'json') {
    stdout.write(JSON.stringify(metas, null, 2) + '\n');
    return 0;
  }
  const w = Math.max(...metas.map((m) => m.id.length));
  let text = '';
  for (const m of metas) {
    text += `${m.id.padEnd(w)}  ${m.severity.padEnd(5)}  ${m.stage.padEnd(7)}  ${driversShort(m.drivers).padEnd(8)}  ${m.fixable ? 'fixable' : '       '}  ${m.description}${m.fatal ? ' (always an error: not configurable)' : ''}${m.profiles ? ` (libvirt ${m.profiles.join(', ')} only)` : ''}\n`;
  }
  stdout.write(text);
  return 0;
}

function commonOptions<T>(y: Argv<T>) {
  return conventionOptions(y)
    .positional('paths', { type: 'string', array: true, default: [] as string[], describe: 'files, directories (searched for *.xml) or - for standard input' })
    .option('format', { alias: 'f', choices: FORMATS, default: 'stylish' as FormatName, coerce: single('format'), describe: 'output format' })
    .option('quiet', { type: 'boolean', default: false, describe: 'report errors only' })
    .option('max-warnings', { type: 'string', coerce: count('max-warnings'), describe: 'exit 1 when there are more warnings than this (a whole number)' })
    .option('output-file', { alias: 'o', type: 'string', coerce: single('output-file'), describe: 'write the report to a file (- for standard output)' })
    .option('stdin-filename', { type: 'string', coerce: single('stdin-filename'), describe: 'name to report (and to find the config by) when reading -' })
    .option('rule', { type: 'string', describe: 'set a rule severity, e.g. --rule memtune-order:off' })
    .option('config', configOption)
    .option('color', colorOption)
    .option('host', { type: 'string', describe: 'host description (kvmxml snapshot JSON, `virsh capabilities` XML or `virsh freepages --all` text, - for standard input; repeat to merge): enables the host rules' })
    .option('schema', { type: 'string', describe: `libvirt's RNG schema directory (holding domain.rng) for the libvirt-schema rule; alone: ${INSTALLED_SCHEMA_DIR}` })
    .option('libvirt', libvirtOption);
}

const libvirtOption = {
  // a string: yargs would read 9.0 as the number 9
  type: 'string',
  choices: PROFILE_IDS,
  coerce: single('libvirt'),
  describe: "whose behaviour and words to reproduce: 9.0 (libvirt 9.0 + QEMU 7.2, Debian 12; the default) or 11.3 (libvirt 11.3 + QEMU 10.0, Debian 13); default: config `libvirt`, else the --host snapshot's libvirt, else 9.0",
} as const;

const configOption = {
  alias: 'c',
  type: 'string',
  coerce: (v: unknown): ConfigSetting => (v === false ? false : single('config')(v)),
  describe: 'use this config file for every file (default: the nearest kvmxml.config.json; --no-config: none)',
} as const;
const colorOption = { type: 'boolean', describe: 'force colour on or off (default: on a terminal; FORCE_COLOR, NO_COLOR and TERM=dumb are honoured)' } as const;

function hostList(spec: string | string[] | undefined): string[] {
  return spec === undefined ? [] : ([] as string[]).concat(spec);
}

/** Load the --host inputs (merged in order; - is standard input); the host module is only loaded when asked for. */
async function loadHost(spec: string | string[] | undefined): Promise<HostSnapshot | null> {
  const paths = hostList(spec);
  if (paths.length === 0) return null;
  const { loadHostInputs } = await import('../host/load.js');
  try {
    return await loadHostInputs(paths, () => readStdin());
  } catch (e) {
    if (e instanceof Error && e.name === 'HostInputError') throw new UsageError(e.message);
    throw e;
  }
}

type CheckCliArgs = { paths: string[]; host: string | string[]; format: FormatName; 'output-file'?: string; config: ConfigSetting; color?: boolean } & IgnoreArgs & ProfileArgs;

async function runCheck(argv: CheckCliArgs): Promise<number> {
  checkStdinUse(argv.paths, hostList(argv.host), 'check');
  const host = await loadHost(argv.host);
  if (!host) throw new UsageError('check needs --host');
  const { checkFiles } = await import('../runner/check.js');
  let internalErrors = 0;
  const onInternalError = (filePath: string, e: unknown) => {
    internalErrors++;
    reportFileError(filePath, e);
  };
  const results = await checkFiles({ paths: argv.paths, host, config: argv.config, ignore: ignoreOptionsOf(argv), stdinName: stdinName({}), onInternalError, profile: (cfg) => profileFor(argv.libvirt, cfg, host) });
  for (const r of results) if (r.skipped) stderr.write(`kvmxml: skipped ${relativeName(r.filePath)}: ${r.skipped}\n`);
  const sink = sinkFor(argv['output-file']);
  const formatter = await loadCheckFormatter(argv.format);
  writeSink(sink, formatter(results, await formatContext(argv, sink)));
  const failed = results.some((r) => r.verdict === 'fails' || r.together?.verdict === 'fails');
  return internalErrors > 0 ? 2 : failed ? 1 : 0;
}

type AuditCliArgs = { connect?: string; libvirt?: ProfileId; host?: string | string[]; format: FormatName; 'output-file'?: string; config: boolean; color?: boolean; 'report-unused-disable-directives'?: SeverityName };

async function runAudit(argv: AuditCliArgs): Promise<number> {
  const { auditDomains, auditExitCode } = await import('../runner/audit.js');
  const { formatAudit } = await import('../formatters/audit.js');
  const host = await loadHost(argv.host);
  const domains = await auditDomains({ connect: argv.connect, config: argv.config, host, unusedDirectives: argv['report-unused-disable-directives'], libvirt: argv.libvirt });
  const sink = sinkFor(argv['output-file']);
  // Domains have no files: names are reported as they are, from the working directory.
  writeSink(sink, await formatAudit(domains, argv.format, { ...(await formatContext(argv, sink)), root: process.cwd() }));
  return auditExitCode(domains);
}

async function runSnapshot(argv: { root: string; output: string | undefined }): Promise<number> {
  const { takeSnapshot } = await import('../host/take.js');
  let taken;
  try {
    taken = await takeSnapshot({ root: argv.root });
  } catch (e) {
    if (e instanceof Error && e.name === 'HostInputError') throw new UsageError(e.message);
    throw e;
  }
  for (const p of taken.problems) stderr.write(`kvmxml: snapshot: ${p}\n`);
  // The installed libvirt and QEMU describe this machine, not a copy laid out under --root.
  if (resolve(argv.root) === '/') taken.snapshot.software = (await import('../host/software.js')).installedSoftware();
  writeSink(sinkFor(argv.output), JSON.stringify(taken.snapshot, null, 2) + '\n');
  return 0;
}

/**
 * `--schema` takes an optional directory. Followed by something to lint (`-`, a file, a
 * directory without domain.rng) it stands alone, as whoever wrote `--schema vm.xml` means.
 */
function schemaAlone(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (a === '--schema' && next !== undefined && (next === '-' || next.endsWith('.xml') || lintable(next))) out.push('--schema=');
    else out.push(a);
  }
  return out;
}

function lintable(p: string): boolean {
  try {
    const st = statSync(p);
    return st.isFile() || (st.isDirectory() && !existsSync(join(p, 'domain.rng')));
  } catch {
    return false;
  }
}

/**
 * Whether the arguments may ask for help (`--help`, `-h`, alone or among other short flags):
 * only help is wrapped to the terminal, and reading its width creates process.stdout, which
 * on a terminal costs a lint a noticeable part of its start. Anything that may be such a flag
 * counts, so help is never wrapped differently.
 */
function helpAsked(argv: string[]): boolean {
  return argv.some((a) => a.startsWith('--help') || /^-[^-]*h/.test(a));
}

/** Set by the parity test of quick-args.ts: the lint and fix commands hand it what yargs parsed instead of running. */
let captureLintArgs: ((args: Record<string, unknown>, mode: 'lint' | 'fix') => void) | null = null;
export function setLintArgsCapture(capture: typeof captureLintArgs): void {
  captureLintArgs = capture;
}

export async function main(argv: string[]): Promise<number> {
  // The common command lines are read without yargs (quick-args.ts): a quarter of a one-file lint's start-up.
  const quick = captureLintArgs === null ? quickArgs(argv) : null;
  if (quick) return runLint(quick.args, quick.mode, quick.args['dry-run']);
  const { default: yargs } = await import('yargs');
  const { hideBin } = await import('yargs/helpers');
  let code = 0;
  const { head, tail } = splitTrailingPaths(protectDashes(schemaAlone(argv)));
  let tailAdded = false;
  const parser = yargs(argv)
    .scriptName('kvmxml')
    .usage('$0 <command> [options]')
    .command(
      'lint [paths..]',
      'check domain XML files against what libvirt and QEMU accept',
      (y) => commonOptions(y),
      async (a) => {
        if (captureLintArgs) return captureLintArgs(a, 'lint');
        code = await runLint(a as unknown as CommonArgs, 'lint', false);
      },
    )
    .command(
      'fix [paths..]',
      'rewrite what can be fixed safely, changing only the bytes that must change (through symlinks, keeping hard links, owner and mode; read-only files are refused; - alone is a filter, stdin to stdout)',
      (y) => commonOptions(y).option('dry-run', { type: 'boolean', default: false, describe: 'write nothing: print the fixes as a unified diff (with a machine format, only the report, each fixed text in its result\'s `output`)' }),
      async (a) => {
        if (captureLintArgs) return captureLintArgs(a, 'fix');
        code = await runLint(a as unknown as CommonArgs, 'fix', Boolean((a as { 'dry-run'?: boolean })['dry-run']));
      },
    )
    .command(
      'check [paths..]',
      'predict whether each VM starts on a host (and whether they all fit together, in the given order)',
      (y) =>
        ignoreOptions(y)
          .positional('paths', { type: 'string', array: true, default: [] as string[], describe: 'domain XML files, directories, quoted globs or - for standard input' })
          .option('host', { type: 'string', demandOption: true, describe: 'host description: kvmxml snapshot JSON, `virsh capabilities` XML or `virsh freepages --all` text, - for standard input (repeat to merge)' })
          .option('format', { alias: 'f', choices: FORMATS, default: 'stylish' as FormatName, coerce: single('format'), describe: 'output format (sarif, github and junit carry each reason as a finding)' })
          .option('output-file', { alias: 'o', type: 'string', coerce: single('output-file'), describe: 'write the report to a file (- for standard output)' })
          .option('config', configOption)
          .option('color', colorOption)
          .option('libvirt', libvirtOption),
      async (a) => {
        code = await runCheck(a as unknown as CheckCliArgs);
      },
    )
    .command('fit [paths..]', 'rewrite the memory configuration of VMs that would not start on a host so that they start there (page sizes, <numatune> nodes; in the given order)', (y) => fitOptions(y), async (a) => {
      code = await runFit(a as unknown as FitCliArgs, reportFileError);
    })
    .command(
      'audit',
      'lint and start-check every domain libvirt has defined (virsh list --all, dumpxml --inactive) against the host it is defined on',
      (y) =>
        y
          .option('connect', { type: 'string', requiresArg: true, describe: 'libvirt connection URI (as virsh -c); a remote URI is checked against its own virsh capabilities and freepages' })
          .option('host', { type: 'string', requiresArg: true, describe: 'check against this host description instead (snapshot JSON, virsh capabilities XML or freepages text; repeat to merge)' })
          .option('format', { alias: 'f', choices: FORMATS, default: 'stylish' as FormatName, coerce: single('format'), describe: 'output format' })
          .option('output-file', { alias: 'o', type: 'string', coerce: single('output-file'), describe: 'write the report to a file (- for standard output)' })
          .option('config', { type: 'boolean', default: true, describe: 'use the kvmxml.config.json of the working directory (--no-config ignores it)' })
          .option('report-unused-disable-directives', { choices: ['off', 'warn', 'error'] as const, describe: 'report kvmxml-disable comments that suppress nothing (default warn)' })
          .option('color', colorOption)
          .option('libvirt', { ...libvirtOption, describe: "whose behaviour and words to reproduce: 9.0 or 11.3; default: config `libvirt`, else the daemon's version (virsh version --daemon), else the host snapshot's libvirt, else 9.0" }),
      async (a) => {
        code = await runAudit(a as unknown as AuditCliArgs);
      },
    )
    .command(
      'snapshot',
      "write a JSON snapshot of this host's huge page pools, mounts, NUMA nodes, THP, KSM and KVM (reads sysfs/procfs only)",
      (y) =>
        y
          .option('root', { type: 'string', default: '/', coerce: single('root'), describe: 'read a copy of a host laid out under this directory (its sys/ and proc/)' })
          .option('output', { alias: 'o', type: 'string', coerce: single('output'), describe: 'write the snapshot to a file instead of standard output (- for standard output)' }),
      async (a) => {
        code = await runSnapshot({ root: String(a.root), output: a.output as string | undefined });
      },
    )
    .command(
      'init',
      'write a starter kvmxml.config.json here: every rule at its default severity (never overwrites)',
      (y) => y,
      async () => {
        const { runInit } = await import('./init.js');
        code = runInit(builtinRules);
      },
    )
    .command(
      'explain <rule>',
      "print a rule's documentation: what it checks, libvirt's message, a failing and a fixed example",
      (y) => y.positional('rule', { type: 'string', demandOption: true, describe: 'rule id (see kvmxml rules); a plugin rule of the config that applies here too' }).option('config', configOption),
      async (a) => {
        const { explainRule } = await import('./explain.js');
        const metas = [...engineRules, ...builtinRules.map((r) => r.meta)];
        const id = String(a.rule);
        let pluginDirs = new Map<string, string>();
        // Not a built-in rule: the plugins of the config that applies in the working directory (or --config) may have it.
        if (!metas.some((m) => m.id === id) && a.config !== false) {
          const cfg = await new ConfigResolver(a.config as ConfigSetting, builtinRuleMap()).for(resolve('explain.xml'));
          if (cfg) {
            metas.push(...cfg.pluginRules.map((r) => r.meta));
            pluginDirs = cfg.pluginDirs ?? pluginDirs;
          }
        }
        code = explainRule(id, metas, undefined, pluginDirs);
      },
    )
    .command(
      'rules',
      'list the rules with their default severity, stage, drivers and whether they are fixable',
      (y) => y.option('format', { choices: ['text', 'json'], default: 'text', coerce: single('format'), describe: 'output format' }),
      async (a) => {
        code = await listRules(String(a.format));
      },
    )
    .demandCommand(1, `say what to do: kvmxml ${COMMANDS.join('|')} (see --help)`)
    .option('debug', { type: 'boolean', global: true, describe: 'on an internal error print its stack trace, and end with the exit code and time (as KVMXML_DEBUG=1 does)' })
    .strict()
    .middleware((a) => {
      if (tail.length > 0 && !tailAdded) {
        a.paths = [...((a.paths as string[] | undefined) ?? []), ...tail];
        tailAdded = true;
      }
      restoreDashes(a);
    }, true)
    .version(VERSION)
    .alias('version', ['v', 'V'])
    .help()
    .alias('h', 'help')
    .wrap(helpAsked(argv) && isatty(1) ? Math.min(100, process.stdout.columns ?? 100) : 100)
    .exitProcess(false)
    .fail((msg, err) => {
      // yargs' own errors (YError: a bad option value, among others) are usage errors too.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(rewordYargsMessage(msg ?? err?.message ?? '', argv));
    });
  // After starting a command, yargs renders that command's whole help text in case the command
  // fails later and help has to be shown. .fail() above never shows help, so skip the rendering:
  // it is a tenth of a lint's start-up.
  const usage = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
  await parser.parseAsync(hideBin(['node', 'kvmxml', ...head]));
  return code;
}

export async function run(): Promise<void> {
  let code: number;
  const debug = debugWanted(process.argv.slice(2));
  const started = debug ? performance.now() : 0;
  try {
    code = await main(process.argv.slice(2));
  } catch (e) {
    code = 2;
    if (e instanceof UsageError || e instanceof ConfigError) stderr.write(`kvmxml: ${oneLine(e.message)}\n`);
    else reportInternalError(e);
  }
  if (debug) stderr.write(debugSummary(code, started));
  process.exitCode = code;
}

/** Never a stack trace for users (it would name where kvmxml was built); --debug (or KVMXML_DEBUG=1) shows it. */
export function reportInternalError(e: unknown): void {
  const debug = debugWanted(process.argv.slice(2));
  stderr.write(`kvmxml: internal error: ${firstLine(e)}${debug ? '' : ' (--debug shows where)'}\n`);
  if (debug) stderr.write(debugTrace(e));
}
