/** Turning command-line paths into files to lint, and reading/writing them safely. */
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { IgnoreOptions, IgnoreRules } from './ignore.js';

/** The tool could not do its job (exit 2); the message is one line for the user. */
export class UsageError extends Error {}

/** virsh reads at most 10 MiB of XML (VSH_MAX_XML_FILE); so do we. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);

function describeErrno(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return err.code ?? err.message;
  }
}

export interface ExpandOptions {
  /** --no-ignore turns it off; --ignore-pattern adds to the ignore files. */
  ignore?: IgnoreOptions;
  /** Told about explicitly named files that are ignored (they are left out, as ESLint does). */
  warn?: (message: string) => void;
}

const GLOB_CHARS = /[*?[\]{}]/;

/**
 * Expand files, directories (recursively, `*.xml`) and quoted globs (the `*.xml` files they
 * match) in a stable order, leaving out what the ignore files and patterns ignore.
 */
export async function expandPaths(paths: string[], opts: ExpandOptions = {}): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    const abs = resolve(p);
    if (!seen.has(abs)) {
      seen.add(abs);
      out.push(p);
    }
  };
  const ignoreOpts = opts.ignore ?? { enabled: true, patterns: [], cwd: process.cwd() };
  const isGlob = (p: string) => GLOB_CHARS.test(p) && !existsSync(p);
  const { IgnoreRules, isDirectory } = await import('./ignore.js');
  const walks = paths.some((p) => isGlob(p) || isDirectory(p));
  const rules = await IgnoreRules.create(ignoreOpts, walks, paths.map((p) => dirname(resolve(p))));
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && GLOB_CHARS.test(p)) {
        const before = out.length;
        await expandGlob(p, ignoreOpts.cwd, rules, add);
        if (out.length === before) throw new UsageError(`no *.xml files match '${p}'`);
        continue;
      }
      throw new UsageError(`cannot read '${p}': ${describeErrno(e)}`);
    }
    if (st.isDirectory()) {
      const before = out.length;
      walk(p, add, rules);
      if (out.length === before) throw new UsageError(`no *.xml files under '${p}'${rules.ignored(p, true) ? ' that are not ignored' : ''}`);
    } else {
      const by = rules.ignored(p, false);
      if (by) opts.warn?.(`${p} is ignored (${by.source}); use --no-ignore to lint it`);
      else add(p);
    }
  }
  return out;
}

/** A glob the shell did not expand: walk its static base and keep the `*.xml` files it matches. */
async function expandGlob(pattern: string, cwd: string, rules: IgnoreRules, add: (p: string) => void): Promise<void> {
  const { default: picomatch } = await import('picomatch');
  const { base } = picomatch.scan(pattern);
  const isMatch = picomatch(pattern, { dot: false });
  const root = base === '' ? '.' : base;
  if (!existsSync(root)) return;
  walk(root, (p) => {
    const shown = p.split(sep).join("/");
    if (isMatch(shown)) add(p);
  }, rules);
}

function walk(dir: string, add: (p: string) => void, rules: IgnoreRules): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new UsageError(`cannot read directory '${dir}': ${describeErrno(e)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !rules.ignored(p, true)) walk(p, add, rules);
    } else if ((e.isFile() || e.isSymbolicLink()) && e.name.toLowerCase().endsWith('.xml') && !rules.ignored(p, false)) add(p);
  }
}

export type ReadResult = { ok: true; bytes: Uint8Array } | { ok: false; tooLarge: number };

export function readInput(path: string): ReadResult {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UsageError(`cannot read '${path}': ${describeErrno(e)}`);
  }
  if (st.isDirectory()) throw new UsageError(`cannot read '${path}': is a directory`);
  if (st.size > MAX_FILE_BYTES) return { ok: false, tooLarge: st.size };
  try {
    return { ok: true, bytes: readFileSync(path) };
  } catch (e) {
    throw new UsageError(`cannot read '${path}': ${describeErrno(e)}`);
  }
}

export function readStdin(): Uint8Array {
  try {
    return readFileSync(0);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EAGAIN') throw new UsageError('cannot read standard input (is it a terminal?)');
    if (err.code === 'EOF') return new Uint8Array();
    throw new UsageError(`cannot read standard input: ${describeErrno(e)}`);
  }
}

/** Write through a temporary file in the same directory and rename over the original, keeping its mode. */
export function writeAtomic(path: string, text: string): void {
  const abs = resolve(path);
  const mode = statSync(abs).mode & 0o7777;
  const tmp = join(dirname(abs), `.${basename(abs)}.kvmxml-${process.pid}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', mode);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    chmodSync(tmp, mode);
    renameSync(tmp, abs);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    throw new UsageError(`cannot write '${path}': ${describeErrno(e)}`);
  }
}
