/**
 * The runner: what `kvmxml lint` and `kvmxml fix` do with many files, between the command line
 * (which only parses arguments and prints) and the engine (which lints one document). Files are
 * read when their turn comes; results come back in the order the files were given, whether
 * they were linted here or in worker threads.
 */
import { ConfigError } from '../engine/config.js';
import type { FileLintResult } from '../engine/lint.js';
import { formatDiff } from '../formatters/diff.js';
import { absolutePath, prepareWrite, readInput, UsageError, writeFixed, type ReadResult } from '../cli/files.js';
import { FileLinter, type LintItem, type LintJob } from './linter.js';
import { lintInPool, workerCount, type ChunkEntry, type ChunkRequest, type FileReply, type WorkerSetting } from './pool.js';
import { receiveError, sendError } from './errors.js';

/** Standard input as a file: the name it is reported by, the path its config is found by, and how to read it. */
export interface StdinSource {
  report: string;
  lookup: string;
  read(): Uint8Array;
}

export interface RunHooks {
  /** A file is done (for the progress line): its result, how many are done, its name as given. */
  onResult?(result: FileLintResult, done: number, file: string): void;
  /** kvmxml failed on this file (a rule broke its contract, or an internal error); the others go on. */
  onFileError(filePath: string, error: unknown): void;
}

export interface RunOptions {
  stdin: StdinSource;
  hooks: RunHooks;
  /** Worker threads: 'auto' (the default) uses them for large runs only. */
  workers?: WorkerSetting;
}

export interface LintRun {
  results: FileLintResult[];
  /** Each file's bytes as read, by reported name (fix runs only: for diffs and the filter). */
  originals: Map<string, Uint8Array>;
  /** Files kvmxml itself failed on (the run then ends 2). */
  failedFiles: number;
  /** Whether any file asked for libvirt's schema (--schema or a config's `schema`). */
  schemaAsked: boolean;
}

/** An error that ends the whole run (exit 2 with one line): bad usage, an unreadable file, a bad config. */
export function stopsTheRun(e: unknown): boolean {
  return e instanceof UsageError || e instanceof ConfigError;
}

/**
 * A run of many files goes by while V8 is still optimising (on one spare core at best), and
 * optimised code that inlines less is ready sooner: on the bench corpus (2 cores, hyperfine)
 * 1,690 files took 12% less time, 10,000 files 7%; one 5 MB domain 10% more, so only runs of many files
 * ask for it. Not at start: V8 ties code caches to its flags, so Node's own and kvmxml's would
 * be refused for whatever loads after, which a one-file run would feel. Threads share the flags.
 */
export const QUICK_TIERING_MIN_FILES = 200;
/**
 * Set in this process's environment once the flags are changed: bin/kvmxml.js then writes a code
 * cache of its own under another name (V8 refuses a cache made under other flags), and the
 * worker threads of the run, started with this environment, read that one.
 */
export const TIERED_ENV = 'KVMXML_V8_TIERED';
function tierForManyFiles(files: number): void {
  if (files < QUICK_TIERING_MIN_FILES) return;
  process.getBuiltinModule('node:v8').setFlagsFromString('--max-inlined-bytecode-size-cumulative=200');
  process.env[TIERED_ENV] = '1';
}

/** Lint `files` (paths as expanded; `-` is standard input) with `job`. */
export async function lintFiles(job: LintJob, files: string[], opts: RunOptions): Promise<LintRun> {
  tierForManyFiles(files.length);
  const items = readInOrder(files, opts.stdin);
  const run: LintRun = { results: [], originals: new Map(), failedFiles: 0, schemaAsked: false };
  const accept = (outcome: Outcome, file: string): void => {
    if (!outcome.ok) {
      run.failedFiles++;
      opts.hooks.onFileError(outcome.filePath, outcome.error);
      return;
    }
    run.results.push(outcome.result);
    opts.hooks.onResult?.(outcome.result, run.results.length, file);
  };
  const linter = new FileLinter(job);
  await linter.preload();
  const workers = workerCount(opts.workers ?? 'auto', files.length);
  if (workers > 0) {
    const entries: ChunkEntry[] = files.map((f) => (f === '-' ? { item: stdinItem(opts.stdin) } : { path: f }));
    const deliver = (reply: FileReply, i: number): void => {
      const file = files[i] as string;
      if ('failed' in reply) accept({ ok: false, filePath: reply.filePath, error: receiveError(reply.failed) }, file);
      else if ('result' in reply) {
        if (job.fix && reply.bytes) run.originals.set(reply.result.filePath, reply.bytes);
        accept({ ok: true, result: reply.result }, file);
      }
    };
    await lintInPool(job, entries, workers, (chunk) => lintChunk(linter, chunk), deliver, () => (run.schemaAsked = true));
    if (linter.schemas.asked) run.schemaAsked = true;
    return run;
  }
  for (let i = 0; i < files.length; i++) {
    const item = await items.next(i);
    if (job.fix && item.bytes) run.originals.set(item.filePath, item.bytes);
    accept(await lintItem(linter, item), files[i] as string);
  }
  run.schemaAsked = linter.schemas.asked;
  return run;
}

/**
 * Read and lint a chunk of files (pool.ts), in this thread or a worker alike: each file's
 * outcome, with its bytes when the job fixes; an error that ends the run ends the chunk.
 */
export async function lintChunk(linter: FileLinter, chunk: ChunkRequest): Promise<FileReply[]> {
  const replies: FileReply[] = [];
  for (const entry of chunk.entries) {
    let item: LintItem;
    try {
      item = 'item' in entry ? entry.item : readItem(entry.path);
    } catch (e) {
      replies.push({ stop: sendError(e) });
      break;
    }
    try {
      const result = await linter.lint(item);
      replies.push(linter.job.fix && item.bytes ? { result, bytes: item.bytes } : { result });
    } catch (e) {
      if (stopsTheRun(e)) {
        replies.push({ stop: sendError(e) });
        break;
      }
      replies.push({ failed: sendError(e), filePath: item.filePath });
    }
  }
  return replies;
}

export type Outcome = { ok: true; result: FileLintResult } | { ok: false; filePath: string; error: unknown };

/** Lint one item; an error that ends the run is thrown, any other is this file's outcome. */
export async function lintItem(linter: FileLinter, item: LintItem): Promise<Outcome> {
  try {
    return { ok: true, result: await linter.lint(item) };
  } catch (e) {
    if (stopsTheRun(e)) throw e;
    return { ok: false, filePath: item.filePath, error: e };
  }
}

/** The files' contents in order, each read when it is wanted (see readInput: synchronous reads are the cheap ones). */
export interface ItemSource {
  next(i: number): Promise<LintItem>;
}

function readInOrder(files: string[], stdin: StdinSource): ItemSource {
  return {
    next(i) {
      const f = files[i] as string;
      try {
        return Promise.resolve(f === '-' ? stdinItem(stdin) : readItem(f));
      } catch (e) {
        return Promise.reject(e as Error); // an unreadable file is reported when its turn comes
      }
    },
  };
}

function stdinItem(stdin: StdinSource): LintItem {
  const bytes = stdin.read();
  return { filePath: stdin.report, lookupPath: stdin.lookup, bytes, size: bytes.length };
}

/** A file as given on the command line, read (see readInput); it is reported by its absolute path. */
function readItem(f: string): LintItem {
  const path = absolutePath(f);
  return itemOf(path, path, readInput(f));
}

function itemOf(filePath: string, lookupPath: string, read: ReadResult): LintItem {
  return read.ok ? { filePath, lookupPath, bytes: read.bytes, size: read.bytes.length } : { filePath, lookupPath, bytes: null, size: read.tooLarge };
}

/**
 * Where `fix` puts what it fixed: `write` rewrites the files (every one checked before any is
 * written, so a refusal leaves all as they were), `diff` returns a unified diff, `stdout`
 * returns the fixed document of a filter run (`fix -`), `none` only reports (each result's
 * `output` carries the fixed text).
 */
export type FixOutput = 'write' | 'diff' | 'stdout' | 'none';

export interface FixRun extends LintRun {
  /** With `diff`: the unified diff of every fixed file. */
  diff?: string;
  /** With `stdout`: the fixed document, or the input byte for byte when nothing changed. */
  document?: Uint8Array | string;
}

export async function fixFiles(job: LintJob, files: string[], output: FixOutput, opts: RunOptions & { cwd: string }): Promise<FixRun> {
  const run: FixRun = await lintFiles({ ...job, fix: true }, files, opts);
  if (output === 'stdout') {
    const r = run.results[0];
    run.document = r?.output ?? run.originals.get(opts.stdin.report) ?? new Uint8Array();
  } else if (output === 'diff') {
    run.diff = await formatDiff(run.results, run.originals, opts.cwd);
  } else if (output === 'write') {
    const changed = run.results.filter((r) => r.output !== undefined && r.filePath !== '<stdin>');
    const targets = changed.map((r) => prepareWrite(r.filePath));
    changed.forEach((r, i) => writeFixed(targets[i]!, r.output as string));
  }
  return run;
}
