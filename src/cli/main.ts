/**
 * The command line: yargs commands that wire files, config, engine and formatters together.
 * No domain logic lives here. Exit codes (DESIGN.md): 0 no error-level finding, 1 at least one,
 * 2 the tool could not do its job.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { engineRules, rules as builtinRules } from '../../rules/index.js';
import { notConfigurable } from '../engine/config-schema.js';
import { activeRulesFor, ConfigError, setBuiltinRuleIds, type RuleEntry } from '../engine/config.js';
import { lintBytes, type FileLintResult } from '../engine/lint.js';
import { driversShort } from '../engine/drivers.js';
import type { Rule, RuleMeta, SeverityName } from '../engine/types.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { FORMATS, loadFormatter, MACHINE_FORMATS, type FormatContext, type FormatName } from '../formatters/index.js';
import { ConfigResolver } from './config-resolver.js';
import { INSTALLED_SCHEMA_DIR, SchemaSource } from './schema-source.js';
import { expandPaths, MAX_FILE_BYTES, readInput, readStdin, UsageError, writeAtomic } from './files.js';
import { conventionOptions, ignoreOptions, ignoreOptionsOf, unusedDirectivesLevel, warnOnStderr, type ConventionArgs, type IgnoreArgs } from './lint-options.js';
import { PROGRESS_MIN_FILES, startProgress } from './progress.js';
import { debugSummary, debugTrace, debugWanted } from './debug.js';
import { VERSION } from './version.js';

const STDIN_TOKEN = '\u0000stdin';

interface CommonArgs extends ConventionArgs {
  paths: string[];
  format: FormatName;
  quiet: boolean;
  'max-warnings': number | undefined;
  'output-file': string | undefined;
  'stdin-filename': string | undefined;
  rule: string | string[] | undefined;
  config: boolean;
  color: boolean | undefined;
  host: string | string[] | undefined;
  schema: string | undefined;
}

// Terminal checks go by file descriptor: creating process.stdout or process.stderr costs a
// noticeable part of a one-file run that prints nothing.
function useColor(fd: 1 | 2, flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return isatty(fd);
}

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

async function runLint(argv: CommonArgs, mode: 'lint' | 'fix', dryRun: boolean): Promise<number> {
  const known = new Map(builtinRules.map((r) => [r.meta.id, r] as const));
  setBuiltinRuleIds(known.keys());
  const ruleFlags = argv.rule === undefined ? [] : ([] as string[]).concat(argv.rule);
  const cli = parseRuleFlags(ruleFlags, known);
  const configs = new ConfigResolver(argv.config, known);
  if (argv['print-config'] !== undefined) {
    const { printConfig } = await import('./print-config.js');
    return printConfig(argv['print-config'], { configs, builtin: builtinRules, cli, unusedDirectives: argv['report-unused-disable-directives'] });
  }
  const host = await loadHost(argv.host);
  const schemas = new SchemaSource(argv.schema);
  const results: FileLintResult[] = [];
  argv.paths = argv.paths.map((p) => (p === STDIN_TOKEN ? '-' : p));
  const stdinMode = argv.paths.length === 1 && argv.paths[0] === '-';
  if (argv.paths.length === 0) throw new UsageError(`no files given (try: kvmxml ${mode} vm.xml, a directory, or - for standard input)`);
  const files = stdinMode ? [] : await expandPaths(argv.paths.filter((p) => p !== '-'), { ignore: ignoreOptionsOf(argv), warn: warnOnStderr });
  const originals = new Map<string, Uint8Array>();
  const lintOne = async (filePath: string, bytes: Uint8Array | null, size: number) => {
    if (bytes && mode === 'fix') originals.set(filePath, bytes);
    const cfg = await configs.for(filePath);
    const active = activeRulesFor(filePath, builtinRules, cfg, { cli });
    if (!bytes) {
      return lintTooLarge(filePath, size);
    }
    const schema = active.some((a) => a.rule.meta.needsSchema) ? await schemas.for(cfg) : null;
    return lintBytes(bytes, { filePath, rules: active, fix: mode === 'fix', host, schema, reportUnusedDisableDirectives: unusedDirectivesLevel(argv['report-unused-disable-directives'], cfg) });
  };
  if (stdinMode) {
    const name = argv['stdin-filename'] ? resolve(argv['stdin-filename']) : '<stdin>';
    const bytes = readStdin();
    const r = await lintOne(name === '<stdin>' ? resolve('stdin.xml') : name, bytes, bytes.length);
    if (mode === 'fix') originals.set(name, bytes);
    r.filePath = name;
    results.push(r);
    if (mode === 'fix' && !dryRun) {
      // Filter mode: the (fixed) document goes to stdout, findings to stderr.
      process.stdout.write(r.output ?? Buffer.from(bytes).toString('utf8'));
      const text = await formatResults(results, argv, 2);
      if (text) process.stderr.write(text);
      return exitCode(results, argv);
    }
  } else {
    const progress = files.length >= PROGRESS_MIN_FILES && isatty(2) ? startProgress(process.stderr, files.length, argv.format) : null;
    const counts = { errors: 0, warnings: 0 };
    try {
      for (const f of files) {
        const read = readInput(f);
        const r = await lintOne(resolve(f), read.ok ? read.bytes : null, read.ok ? read.bytes.length : read.tooLarge);
        results.push(r);
        if (progress) {
          counts.errors += r.errorCount;
          counts.warnings += r.warningCount;
          progress.update(results.length, counts, f);
        }
      }
    } finally {
      progress?.clear();
    }
  }
  if (mode === 'fix') {
    const changed = results.filter((r) => r.output !== undefined && r.filePath !== '<stdin>');
    if (dryRun) {
      const { createTwoFilesPatch } = await import('diff');
      let patch = '';
      for (const r of results) {
        if (r.output === undefined) continue;
        const before = Buffer.from(originals.get(r.filePath) ?? new Uint8Array()).toString('utf8');
        const name = r.filePath === '<stdin>' ? 'stdin' : relativeName(r.filePath);
        patch += createTwoFilesPatch(`a/${name}`, `b/${name}`, before, r.output);
      }
      process.stdout.write(patch);
    } else {
      for (const r of changed) writeAtomic(r.filePath, r.output as string);
    }
  }
  for (const r of results) if (r.skipped) process.stderr.write(`kvmxml: skipped ${relativeName(r.filePath)}: ${r.skipped}\n`);
  const wanted = cli['libvirt-schema'];
  if (wanted !== undefined && wanted !== 'off' && !schemas.asked) {
    process.stderr.write(`kvmxml: libvirt-schema needs libvirt's RNG schema: add --schema (the installed one, ${INSTALLED_SCHEMA_DIR}) or --schema=DIR; it did not run\n`);
  }
  const text = await formatResults(results, argv, 1);
  if (argv['output-file']) {
    try {
      writeFileSync(argv['output-file'], text);
    } catch (e) {
      throw new UsageError(`cannot write '${argv['output-file']}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else if (text) process.stdout.write(text.endsWith('\n') || argv.format !== 'json' ? text : text + '\n');
  return exitCode(results, argv);
}

function relativeName(p: string): string {
  const rel = p.startsWith(process.cwd() + '/') ? p.slice(process.cwd().length + 1) : p;
  return rel;
}

function lintTooLarge(filePath: string, size: number): FileLintResult {
  return {
    filePath,
    messages: [
      {
        ruleId: 'xml-well-formed',
        severity: 2,
        message: `file is ${size} bytes; virsh reads at most ${MAX_FILE_BYTES} bytes of XML, so libvirt never sees this definition`,
        line: 1,
        column: 1,
        stage: 'parse',
        fatal: true,
      },
    ],
    errorCount: 1,
    warningCount: 0,
    fixableErrorCount: 0,
    fixableWarningCount: 0,
  };
}

async function formatResults(results: FileLintResult[], argv: CommonArgs, fd: 1 | 2): Promise<string> {
  const shown = argv.quiet
    ? results.map((r) => ({ ...r, messages: r.messages.filter((m) => m.severity === 2), warningCount: 0, fixableWarningCount: 0 }))
    : results;
  const formatter = await loadFormatter(argv.format);
  return formatter(shown, await formatContext(argv, fd));
}

/** What a formatter needs; machine formats name files relative to the repository root (git's top level, else the working directory). */
async function formatContext(argv: { format: FormatName; 'output-file'?: string | undefined; color?: boolean | undefined }, fd: 1 | 2): Promise<FormatContext> {
  const metas = new Map<string, RuleMeta>([...builtinRules.map((r) => [r.meta.id, r.meta] as const), ...engineRules.map((m) => [m.id, m] as const)]);
  const cwd = process.cwd();
  const root = MACHINE_FORMATS.includes(argv.format) ? ((await import('./ignore.js')).repositoryRoot(cwd) ?? cwd) : cwd;
  return { color: !argv['output-file'] && useColor(fd, argv.color), cwd, root, rules: metas, tty: !argv['output-file'] && isatty(fd) };
}

function exitCode(results: FileLintResult[], argv: CommonArgs): number {
  const errors = results.reduce((n, r) => n + r.errorCount, 0);
  const warnings = results.reduce((n, r) => n + r.warningCount, 0);
  if (errors > 0) return 1;
  const max = argv['max-warnings'];
  if (max !== undefined && max >= 0 && warnings > max) {
    process.stderr.write(`kvmxml: too many warnings (${warnings}); maximum allowed is ${max}.\n`);
    return 1;
  }
  return 0;
}

async function listRules(format: string): Promise<number> {
  const metas = [...engineRules, ...builtinRules.map((r) => r.meta)];
  if (format === 'json') {
    process.stdout.write(JSON.stringify(metas, null, 2) + '\n');
    return 0;
  }
  const w = Math.max(...metas.map((m) => m.id.length));
  for (const m of metas) {
    process.stdout.write(`${m.id.padEnd(w)}  ${m.severity.padEnd(5)}  ${m.stage.padEnd(7)}  ${driversShort(m.drivers).padEnd(8)}  ${m.fixable ? 'fixable' : '       '}  ${m.description}${m.fatal ? ' (always an error: not configurable)' : ''}${m.profiles ? ` (libvirt ${m.profiles.join(', ')} only)` : ''}\n`);
  }
  return 0;
}

function commonOptions<T>(y: import('yargs').Argv<T>) {
  return conventionOptions(y)
    .positional('paths', { type: 'string', array: true, default: [] as string[], describe: 'files, directories (searched for *.xml) or - for standard input' })
    .option('format', { alias: 'f', choices: FORMATS, default: 'stylish' as FormatName, describe: 'output format' })
    .option('quiet', { type: 'boolean', default: false, describe: 'report errors only' })
    .option('max-warnings', { type: 'number', describe: 'exit 1 when there are more warnings than this' })
    .option('output-file', { alias: 'o', type: 'string', describe: 'write the report to a file' })
    .option('stdin-filename', { type: 'string', describe: 'name to report (and to find the config by) when reading -' })
    .option('rule', { type: 'string', describe: 'set a rule severity, e.g. --rule memtune-order:off' })
    .option('config', { type: 'boolean', default: true, describe: 'use kvmxml.config.json files (--no-config ignores them)' })
    .option('color', { type: 'boolean', describe: 'force colour on or off (NO_COLOR is honoured)' })
    .option('schema', { type: 'string', describe: `libvirt's RNG schema directory (holding domain.rng) for the libvirt-schema rule; alone: ${INSTALLED_SCHEMA_DIR}` })
    .option('host', { type: 'string', describe: 'host description (kvmxml snapshot JSON, `virsh capabilities` XML or `virsh freepages --all` text; repeat to merge): enables the host rules' });
}

/** Load the --host inputs (merged in order); the host module is only loaded when asked for. */
async function loadHost(spec: string | string[] | undefined): Promise<HostSnapshot | null> {
  const paths = spec === undefined ? [] : ([] as string[]).concat(spec);
  if (paths.length === 0) return null;
  const { loadHostInputs } = await import('../host/load.js');
  try {
    return await loadHostInputs(paths);
  } catch (e) {
    if (e instanceof Error && e.name === 'HostInputError') throw new UsageError(e.message);
    throw e;
  }
}

type CheckCliArgs = { paths: string[]; host: string | string[]; format: FormatName; 'output-file'?: string; config: boolean; color?: boolean } & IgnoreArgs;

async function runCheck(argv: CheckCliArgs): Promise<number> {
  const host = await loadHost(argv.host);
  if (!host) throw new UsageError('check needs --host');
  const { checkFiles } = await import('./check.js');
  const { formatCheck } = await import('../formatters/check.js');
  const results = await checkFiles({ paths: argv.paths, host, config: argv.config, ignore: ignoreOptionsOf(argv) });
  for (const r of results) if (r.skipped) process.stderr.write(`kvmxml: skipped ${relativeName(r.filePath)}: ${r.skipped}\n`);
  const text = await formatCheck(results, argv.format, await formatContext(argv, 1));
  writeReport(text, argv['output-file']);
  const failed = results.some((r) => r.verdict === 'fails' || r.together?.verdict === 'fails');
  return failed ? 1 : 0;
}

/** The report to its file (-o) or standard output. */
function writeReport(text: string, outputFile: string | undefined): void {
  if (outputFile) {
    try {
      writeFileSync(outputFile, text);
    } catch (e) {
      throw new UsageError(`cannot write '${outputFile}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else process.stdout.write(text);
}

type AuditCliArgs = { connect?: string; host?: string | string[]; format: FormatName; 'output-file'?: string; config: boolean; color?: boolean; 'report-unused-disable-directives'?: SeverityName };

async function runAudit(argv: AuditCliArgs): Promise<number> {
  const { auditDomains, auditExitCode, formatAudit } = await import('./audit.js');
  const host = await loadHost(argv.host);
  const domains = await auditDomains({ connect: argv.connect, config: argv.config, host, unusedDirectives: argv['report-unused-disable-directives'] });
  // Domains have no files: names are reported as they are, from the working directory.
  writeReport(await formatAudit(domains, argv.format, { ...(await formatContext(argv, 1)), root: process.cwd() }), argv['output-file']);
  return auditExitCode(domains);
}

async function runSnapshot(argv: { root: string; output: string | undefined }): Promise<number> {
  const { takeSnapshot } = await import('../host/take.js');
  const { snapshot, problems } = await takeSnapshot({ root: argv.root });
  for (const p of problems) process.stderr.write(`kvmxml: snapshot: ${p}\n`);
  const json = JSON.stringify(snapshot, null, 2) + '\n';
  if (argv.output) {
    try {
      writeFileSync(argv.output, json);
    } catch (e) {
      throw new UsageError(`cannot write '${argv.output}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else process.stdout.write(json);
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

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const parser = yargs(argv)
    .scriptName('kvmxml')
    .usage('$0 <command> [options]')
    .command(
      'lint [paths..]',
      'check domain XML files against what libvirt and QEMU accept',
      (y) => commonOptions(y),
      async (a) => {
        code = await runLint(a as unknown as CommonArgs, 'lint', false);
      },
    )
    .command(
      'fix [paths..]',
      'rewrite what can be fixed safely, changing only the bytes that must change',
      (y) => commonOptions(y).option('dry-run', { type: 'boolean', default: false, describe: 'print a unified diff instead of writing' }),
      async (a) => {
        code = await runLint(a as unknown as CommonArgs, 'fix', Boolean((a as { 'dry-run'?: boolean })['dry-run']));
      },
    )
    .command(
      'check [paths..]',
      'predict whether each VM starts on a host (and whether they all fit together, in the given order)',
      (y) =>
        ignoreOptions(y)
          .positional('paths', { type: 'string', array: true, default: [] as string[], describe: 'domain XML files, directories or globs' })
          .option('host', { type: 'string', demandOption: true, describe: 'host description: kvmxml snapshot JSON, `virsh capabilities` XML or `virsh freepages --all` text (repeat to merge)' })
          .option('format', { alias: 'f', choices: FORMATS, default: 'stylish' as FormatName, describe: 'output format (sarif, github and junit carry each reason as a finding)' })
          .option('output-file', { alias: 'o', type: 'string', describe: 'write the report to a file' })
          .option('config', { type: 'boolean', default: true, describe: 'use kvmxml.config.json files (--no-config ignores them)' })
          .option('color', { type: 'boolean', describe: 'force colour on or off (NO_COLOR is honoured)' }),
      async (a) => {
        code = await runCheck(a as unknown as CheckCliArgs);
      },
    )
    .command(
      'audit',
      'lint and start-check every domain libvirt has defined (virsh list --all, dumpxml --inactive) against the host it is defined on',
      (y) =>
        y
          .option('connect', { type: 'string', requiresArg: true, describe: 'libvirt connection URI (as virsh -c); a remote URI is checked against its own virsh capabilities and freepages' })
          .option('host', { type: 'string', requiresArg: true, describe: 'check against this host description instead (snapshot JSON, virsh capabilities XML or freepages text; repeat to merge)' })
          .option('format', { alias: 'f', choices: FORMATS, default: 'stylish' as FormatName, describe: 'output format' })
          .option('output-file', { alias: 'o', type: 'string', describe: 'write the report to a file' })
          .option('config', { type: 'boolean', default: true, describe: 'use the kvmxml.config.json of the working directory (--no-config ignores it)' })
          .option('report-unused-disable-directives', { choices: ['off', 'warn', 'error'] as const, describe: 'report kvmxml-disable comments that suppress nothing (default warn)' })
          .option('color', { type: 'boolean', describe: 'force colour on or off (NO_COLOR is honoured)' }),
      async (a) => {
        code = await runAudit(a as unknown as AuditCliArgs);
      },
    )
    .command(
      'snapshot',
      "write a JSON snapshot of this host's huge page pools, mounts, NUMA nodes, THP, KSM and KVM (reads sysfs/procfs only)",
      (y) =>
        y
          .option('root', { type: 'string', default: '/', describe: 'read a copy of a host laid out under this directory (its sys/ and proc/)' })
          .option('output', { alias: 'o', type: 'string', describe: 'write the snapshot to a file instead of standard output' }),
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
      (y) => y.positional('rule', { type: 'string', demandOption: true, describe: 'rule id (see kvmxml rules)' }),
      async (a) => {
        const { explainRule } = await import('./explain.js');
        code = explainRule(String(a.rule), [...engineRules, ...builtinRules.map((r) => r.meta)]);
      },
    )
    .command(
      'rules',
      'list the rules with their default severity, stage, drivers and whether they are fixable',
      (y) => y.option('format', { choices: ['text', 'json'], default: 'text' }),
      async (a) => {
        code = await listRules(String(a.format));
      },
    )
    .option('debug', { type: 'boolean', global: true, describe: 'on an internal error print its stack trace, and end with the exit code and time (as KVMXML_DEBUG=1 does)' })
    .demandCommand(1, 'say what to do: kvmxml lint|fix|rules (see --help)')
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(isatty(1) ? Math.min(100, process.stdout.columns ?? 100) : 100)
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  // After starting a command, yargs renders that command's whole help text in case the command
  // fails later and help has to be shown. .fail() above never shows help, so skip the rendering:
  // it is a tenth of a lint's start-up.
  const usage = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
  // yargs drops a lone `-`; carry it through as a token of our own.
  await parser.parseAsync(hideBin(['node', 'kvmxml', ...schemaAlone(argv).map((a) => (a === '-' ? STDIN_TOKEN : a))]));
  return code;
}

export async function run(): Promise<void> {
  let code: number;
  const debug = debugWanted(process.argv.slice(2));
  const started = debug ? performance.now() : 0;
  try {
    code = await main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      process.stderr.write(`kvmxml: ${e.message}\n`);
    } else {
      // Never a stack trace for users; --debug (or KVMXML_DEBUG=1) shows it.
      const msg = e instanceof Error ? e.message : String(e);
      process.stderr.write(`kvmxml: internal error: ${msg.split('\n')[0]}${debug ? '' : ' (--debug shows where)'}\n`);
      if (debug) process.stderr.write(debugTrace(e));
    }
    code = 2;
  }
  if (debug) process.stderr.write(debugSummary(code, started));
  process.exitCode = code;
}
