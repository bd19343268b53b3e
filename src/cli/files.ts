/** Turning command-line paths into files to lint, and reading/writing them safely. */
import { accessSync, closeSync, constants, existsSync, fchmodSync, fchownSync, fstatSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Dirent, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { describeErrno } from '../engine/errno.js';
import type { IgnoreOptions, IgnoreRules } from './ignore.js';

export { describeErrno };

/** The tool could not do its job (exit 2); the message is one line for the user. */
export class UsageError extends Error {}

/** virsh reads at most 10 MiB of XML (VSH_MAX_XML_FILE); so do we. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);

export interface ExpandOptions {
  /** --no-ignore turns it off; --ignore-pattern adds to the ignore files. */
  ignore?: IgnoreOptions;
  /** Told about explicitly named files that are ignored (they are left out, as ESLint does). */
  warn?: (message: string) => void;
}

const GLOB_CHARS = /[*?[\]{}]/;

/**
 * Whether `p` is absolute and already in path.resolve's form: no `//`, no `.` or `..` segment,
 * no trailing `/`. Tested by indexOf rather than a regular expression with lookaheads, which
 * backtracked over every `/` of every path (3 ms of a run over 1,690 files).
 */
function isResolved(p: string): boolean {
  const last = p.length - 1;
  if (last < 1 || p.charCodeAt(0) !== 0x2f || p.charCodeAt(last) === 0x2f || p.includes('//')) return false;
  for (let i = p.indexOf('/.'); i !== -1; i = p.indexOf('/.', i + 2)) {
    // `/.` ends the path or a segment, or `/..` does.
    if (i + 1 === last || p.charCodeAt(i + 2) === 0x2f) return false;
    if (p.charCodeAt(i + 2) === 0x2e && (i + 2 === last || p.charCodeAt(i + 3) === 0x2f)) return false;
  }
  return true;
}

/**
 * `resolve(p)`, without its work (and its process.cwd()) for a path that is already absolute
 * and normal, as the paths a directory walk, a glob or a shell's expansion give: a run over
 * 10,000 files asks for each twice.
 */
export function absolutePath(p: string): string {
  return sep === '/' && isResolved(p) ? p : resolve(p);
}

/**
 * Expand files, directories (recursively, `*.xml`) and quoted globs (the `*.xml` files they
 * match) in a stable order, leaving out what the ignore files and patterns ignore. `-`
 * (standard input) stays where it stands.
 */
export async function expandPaths(paths: string[], opts: ExpandOptions = {}): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    const abs = absolutePath(p);
    if (!seen.has(abs)) {
      seen.add(abs);
      out.push(p);
    }
  };
  const ignoreOpts = opts.ignore ?? { enabled: true, patterns: [], cwd: process.cwd() };
  // What each path is decides both whether the run walks and what is done with it.
  const probes = probePaths(paths);
  const isGlob = (p: string, probe: Probe) => probe !== null && 'err' in probe && probe.err.code === 'ENOENT' && GLOB_CHARS.test(p);
  const { IgnoreRules } = await import('./ignore.js');
  // The loops over every path given run before V8 has optimised anything: indexed, and a
  // directory is found again without a new string (dirOfLike).
  let walks = false;
  const dirs = new Set<string>();
  let dir: string | null = null;
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i] as string;
    const probe = probes[i] ?? null;
    if (isGlob(p, probe) || (probe !== null && 'kind' in probe && probe.kind === 'directory')) walks = true;
    const d = dirOfLike(p, dir);
    if (d !== dir) dirs.add((dir = d));
  }
  // Each directory once: a run over 10,000 files of one directory looks for ignore files once.
  const fileDirs = [...dirs].map((d) => resolve(d));
  const rules = await IgnoreRules.create(ignoreOpts, walks, fileDirs);
  // Whether an ignore file or pattern can leave out a named file of a directory, asked once per directory.
  const mayIgnore = new Map<string, boolean>();
  let lastDir: string | null = null;
  let lastMay = false;
  const mayBeIgnored = (p: string): boolean => {
    const d = dirOfLike(p, lastDir);
    if (d === lastDir) return lastMay;
    let may = mayIgnore.get(d);
    if (may === undefined) mayIgnore.set(d, (may = rules.mayIgnoreFilesIn(d)));
    lastDir = d;
    lastMay = may;
    return may;
  };
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i] as string;
    const probe = probes[i] ?? null;
    if (probe === null) {
      out.push(p);
      continue;
    }
    if ('err' in probe) {
      if (isGlob(p, probe)) {
        const before = out.length;
        await expandGlob(p, ignoreOpts.cwd, rules, add);
        if (out.length === before) throw new UsageError(`no *.xml files match '${p}'`);
        continue;
      }
      throw new UsageError(`cannot read '${p}': ${describeErrno(probe.err)}`);
    }
    if (probe.kind === 'directory') {
      const before = out.length;
      walk(p, add, rules);
      if (out.length === before) throw new UsageError(`no *.xml files under '${p}'${rules.ignored(p, true) ? ' that are not ignored' : ''}`);
    } else {
      const by = mayBeIgnored(p) ? rules.ignored(p, false) : null;
      if (by) opts.warn?.(`${p} is ignored (${by.source}); use --no-ignore to lint it`);
      else {
        add(p);
        if (probe.kind === 'regular') regularFiles.set(p, probe.size);
      }
    }
  }
  return out;
}

/** What a command-line path is (as stat, following symbolic links, tells); null for `-`. */
type Probe = { kind: 'directory' } | { kind: 'regular'; size: number } | { kind: 'other' } | { err: NodeJS.ErrnoException } | null;

/** Named files of one directory from this many on are looked up in its listing rather than one by one. */
const LISTED_FROM = 16;
/**
 * A directory is listed only when its size is at most this much per named file: on Linux's file
 * systems a directory's size grows with its entries, so 16 files named from a directory of a
 * million are looked up one by one rather than found in a listing of the million.
 */
const DIRECTORY_BYTES_PER_NAME = 4096;

/**
 * dirname(p), with p's last '/' found by lastIndexOf where that gives dirname's answer (a
 * relative or absolute path of two or more parts with single separators before its name):
 * node:path walks the string in JavaScript, and a run over 10,000 named files asks for each
 * path's directory three times.
 */
function dirOf(p: string): string {
  const cut = sep === '/' ? p.lastIndexOf('/') : -1;
  return cut > 0 && cut < p.length - 1 && p.charCodeAt(cut - 1) !== 47 /* / */ ? p.slice(0, cut) : dirname(p);
}

/**
 * dirOf(p), or `prev` itself when that is p's directory: consecutive paths of one directory (a
 * shell's expansion) then cost no new string each, nor the hashing of one.
 */
function dirOfLike(p: string, prev: string | null): string {
  if (prev !== null && sep === '/') {
    const cut = p.lastIndexOf('/');
    if (cut === prev.length && cut > 0 && cut < p.length - 1 && p.charCodeAt(cut - 1) !== 47 /* / */ && p.startsWith(prev)) return prev;
  }
  return dirOf(p);
}

/** Whether p ends in a plain name, one a directory listing can hold (`a/b/`, `a/.` and `a/..` do not). */
function endsInName(p: string): boolean {
  if (p === '' || p.endsWith('/') || p.endsWith(sep)) return false;
  if (sep !== '/') {
    const name = basename(p);
    return name !== '.' && name !== '..' && name !== '';
  }
  return p !== '.' && p !== '..' && !p.endsWith('/.') && !p.endsWith('/..');
}

/** basename(p), by the same shortcut as dirOf. */
function nameOf(p: string): string {
  const cut = sep === '/' ? p.lastIndexOf('/') : -1;
  return cut > 0 && cut < p.length - 1 && p.charCodeAt(cut - 1) !== 47 /* / */ ? p.slice(cut + 1) : basename(p);
}

function statProbe(p: string): Probe {
  try {
    const st = statSync(p);
    return st.isDirectory() ? { kind: 'directory' } : st.isFile() ? { kind: 'regular', size: st.size } : { kind: 'other' };
  } catch (e) {
    return { err: e as NodeJS.ErrnoException };
  }
}

/** A regular file whose size was not looked up (a directory walk gives the kind of each entry, not its size). */
const SIZE_UNKNOWN = -1;

/** What a directory listing says of an entry (shared: a listing of 10,000 files makes no object per file). */
const LISTED_REGULAR: Probe = Object.freeze({ kind: 'regular', size: SIZE_UNKNOWN });
const LISTED_DIRECTORY: Probe = Object.freeze({ kind: 'directory' });

/**
 * Probe each path. Many files named in one directory (a shell's `dir/*.xml`) are found in one
 * listing of it, which gives each entry's type: a regular file or a directory is then known
 * without a stat of its own (1,690 stats took 15-20 ms, one listing 4-6). Whatever the listing
 * does not settle (a symbolic link, an unknown type, a name not in it, a listing refused or not
 * made) is looked up with stat, as a path named alone is. This runs once per run, before V8
 * has optimised anything, over every path given: indexed loops, a path of the directory before
 * it recognised without a slice, no object per path (10,000 paths: 54 ms before, 37 after).
 */
function probePaths(paths: readonly string[]): Probe[] {
  const n = paths.length;
  const probes: (Probe | undefined)[] = new Array<Probe | undefined>(n).fill(undefined);
  const byDir = new Map<string, number[]>();
  let lastDir: string | null = null;
  let lastList: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = paths[i] as string;
    if (p === '-') probes[i] = null;
    else if (endsInName(p)) {
      const dir = dirOfLike(p, lastDir);
      if (dir !== lastDir) {
        let list = byDir.get(dir);
        if (list === undefined) byDir.set(dir, (list = []));
        lastDir = dir;
        lastList = list;
      }
      lastList.push(i);
    }
  }
  for (const [dir, indexes] of byDir) {
    if (indexes.length < LISTED_FROM) continue;
    let entries;
    try {
      const st = statSync(dir);
      if (!st.isDirectory() || st.size > indexes.length * DIRECTORY_BYTES_PER_NAME) continue;
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    const listed = new Map<string, Probe>();
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k] as Dirent;
      const probe = e.isFile() ? LISTED_REGULAR : e.isDirectory() ? LISTED_DIRECTORY : undefined;
      if (probe !== undefined) listed.set(e.name, probe);
    }
    for (let k = 0; k < indexes.length; k++) {
      const i = indexes[k] as number;
      probes[i] = listed.get(nameOf(paths[i] as string));
    }
  }
  for (let i = 0; i < n; i++) if (probes[i] === undefined) probes[i] = statProbe(paths[i] as string);
  return probes as Probe[];
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
  // join(dir, name) for every entry, normalising `dir` once: a name holds no separator and is
  // never `.` or `..`, so join's result is this prefix and the name.
  const prefix = join(dir, 'x').slice(0, -1);
  // Whether any ignore file or pattern can leave out a file directly in `dir` (mostly not).
  const filesMayBeIgnored = rules.mayIgnoreFilesIn(dir);
  for (const e of entries) {
    const p = prefix + e.name;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !rules.ignored(p, true)) walk(p, add, rules);
      continue;
    }
    const regular = e.isFile();
    if (!(regular || e.isSymbolicLink()) || !e.name.toLowerCase().endsWith('.xml')) continue;
    if (filesMayBeIgnored && rules.ignored(p, false)) continue;
    add(p);
    // Seen to be a regular file: readInput needs no fstat (a symbolic link is followed there).
    if (regular) regularFiles.set(p, SIZE_UNKNOWN);
  }
}

export type ReadResult = { ok: true; bytes: Uint8Array } | { ok: false; tooLarge: number };

/** What a regular file is first read into: most domain definitions fit, and are then copied out at their size. */
const SCRATCH_BYTES = 64 * 1024;
let scratch: Buffer | null = null;

/**
 * A regular file (of `size` bytes when it was looked up, or SIZE_UNKNOWN): read until a short
 * read, which for a regular file comes only at its end, and never more than one byte past the
 * limit (that byte says "more than the limit", see tooLargeMessage).
 */
function readRegular(fd: number, size: number): ReadResult {
  const limit = MAX_FILE_BYTES + 1;
  let buf: Buffer;
  let got = 0;
  if (size < SCRATCH_BYTES) {
    scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
    got = readSync(fd, scratch, 0, SCRATCH_BYTES, null);
    if (got < SCRATCH_BYTES) {
      // copy, not Buffer.from (which copies a Uint8Array element by element in JavaScript)
      const bytes = Buffer.allocUnsafe(got);
      scratch.copy(bytes, 0, 0, got);
      return { ok: true, bytes };
    }
    // A larger file: a walk's is looked up now, so that one over the limit is refused unread
    // and reported at its size, as a file named on the command line is.
    if (size === SIZE_UNKNOWN) {
      size = fstatSync(fd).size;
      if (size > MAX_FILE_BYTES) return { ok: false, tooLarge: size };
    }
    buf = Buffer.allocUnsafe(Math.min(Math.max(size + 1, 2 * SCRATCH_BYTES), limit));
    scratch.copy(buf);
  } else {
    buf = Buffer.allocUnsafe(Math.min(size + 1, limit));
  }
  for (;;) {
    const want = buf.length - got;
    const n = readSync(fd, buf, got, want, null);
    got += n;
    if (n < want || got >= limit) break;
    const more = Math.min(buf.length, limit - buf.length);
    buf = Buffer.concat([buf, Buffer.allocUnsafe(more)], buf.length + more);
  }
  if (got > MAX_FILE_BYTES) return { ok: false, tooLarge: got };
  return { ok: true, bytes: buf.subarray(0, got) };
}

/** Any other file: fstat refuses a directory and bounds the size. */
function readAny(path: string, fd: number): ReadResult {
  const st = fstatSync(fd);
  if (st.isDirectory()) throw new UsageError(`cannot read '${path}': is a directory`);
  if (st.size > MAX_FILE_BYTES) return { ok: false, tooLarge: st.size };
  // A regular file is read in one go; a pipe, a device or a /proc file (size 0) until its end,
  // and never past the limit (/dev/zero has no end).
  const limit = st.isFile() && st.size > 0 ? st.size : MAX_FILE_BYTES + 1;
  let buf = Buffer.allocUnsafe(st.isFile() && st.size > 0 ? st.size : 64 * 1024);
  let got = 0;
  while (got < limit) {
    if (got === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)], buf.length * 2);
    const n = readSync(fd, buf, got, Math.min(buf.length, limit) - got, null);
    if (n === 0) break;
    got += n;
  }
  if (got > MAX_FILE_BYTES) return { ok: false, tooLarge: got };
  return { ok: true, bytes: got === buf.length ? buf : buf.subarray(0, got) };
}

/**
 * The finding for a file larger than virsh reads. A pipe or device is read only to one byte past
 * the limit, so that size stands for "more than the limit".
 */
export function tooLargeMessage(size: number): string {
  const what = size === MAX_FILE_BYTES + 1 ? `more than ${MAX_FILE_BYTES}` : String(size);
  return `file is ${what} bytes; virsh reads at most ${MAX_FILE_BYTES} bytes of XML, so libvirt never sees this definition`;
}

/**
 * The paths expandPaths found to be regular files, with their sizes then (SIZE_UNKNOWN for what a
 * directory walk found): readInput spares them the fstat (a quarter of reading a small file). The
 * size is only a first guess of how much to read: a file that grew since is read to its end, one
 * that shrank to its end.
 */
const regularFiles = new Map<string, number>();

/**
 * One file's bytes: open, fstat, read, close, all synchronous. For the small files kvmxml reads,
 * that costs a twentieth of the promise API (its thread-pool round trips), and one fstat on the
 * open descriptor both refuses a directory and bounds the size. A file expandPaths has seen to
 * be a regular file needs no fstat (see regularFiles).
 */
export function readInput(path: string): ReadResult {
  const size = regularFiles.get(path);
  if (size !== undefined) {
    regularFiles.delete(path);
    if (size > MAX_FILE_BYTES) return { ok: false, tooLarge: size };
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UsageError(`cannot read '${path}': ${describeErrno(e)}`);
  }
  try {
    return size === undefined ? readAny(path, fd) : readRegular(fd, size);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read '${path}': ${describeErrno(e)}`);
  } finally {
    closeSync(fd);
  }
}

let stdinRead = false;

/** Read all of standard input; it can be read once only, so a second call is refused. */
export function readStdin(): Uint8Array {
  if (stdinRead) throw new UsageError('standard input can be read only once');
  stdinRead = true;
  try {
    return readFileSync(0);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EAGAIN') throw new UsageError('cannot read standard input (is it a terminal?)');
    if (err.code === 'EOF') return new Uint8Array();
    throw new UsageError(`cannot read standard input: ${describeErrno(e)}`);
  }
}

/** A file `fix` is about to rewrite: the file itself (through symlinks) and what it is now. */
export interface WriteTarget {
  /** The path as given, for messages. */
  path: string;
  /** The file a symlink points to, or the path itself. */
  real: string;
  stat: Stats;
}

/**
 * Check that `path` may be rewritten, before anything is written: a regular file (symlinks
 * followed) that the user may write and that is not read-only (a 0444 file is refused even for
 * root, who could write it anyway).
 */
export function prepareWrite(path: string): WriteTarget {
  let real: string;
  let stat: Stats;
  try {
    real = realpathSync(path);
    stat = statSync(real);
  } catch (e) {
    throw new UsageError(`cannot write '${path}': ${describeErrno(e)}`);
  }
  if (!stat.isFile()) throw new UsageError(`cannot write '${path}': not a regular file`);
  if ((stat.mode & 0o222) === 0) throw new UsageError(`not writing '${path}': it is read-only (mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')})`);
  try {
    accessSync(real, constants.W_OK);
  } catch (e) {
    throw new UsageError(`cannot write '${path}': ${describeErrno(e)}`);
  }
  return { path, real, stat };
}

function writeAllSync(fd: number, data: Buffer, position: number | null): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off, position === null ? null : position + off);
}

/**
 * Rewrite a file checked by prepareWrite. Atomic (a temporary file in the same directory,
 * renamed over the file) where the result is the same file to everyone: one name only (a hard
 * link would keep the old text), a directory we may write, and the owner, group and mode
 * carried over. Otherwise the file is rewritten in place, keeping its inode.
 */
export function writeFixed(target: WriteTarget, text: string): void {
  const data = Buffer.from(text, 'utf8');
  try {
    if (target.stat.nlink === 1 && writeReplacing(target, data)) return;
    const fd = openSync(target.real, 'r+');
    try {
      writeAllSync(fd, data, 0);
      ftruncateSync(fd, data.length);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new UsageError(`cannot write '${target.path}': ${describeErrno(e)}`);
  }
}

/** Temp file + rename; false (nothing changed) when the copy could not keep owner and group. */
function writeReplacing(target: WriteTarget, data: Buffer): boolean {
  const dir = dirname(target.real);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return false;
  }
  const tmp = join(dir, `.${basename(target.real)}.kvmxml-${process.pid}.tmp`);
  const { mode, uid, gid } = target.stat;
  let fd: number | null = openSync(tmp, 'wx', 0o600);
  try {
    const made = fstatSync(fd);
    if (made.uid !== uid || made.gid !== gid) {
      try {
        fchownSync(fd, uid, gid);
      } catch {
        closeSync(fd);
        fd = null;
        unlinkSync(tmp);
        return false;
      }
    }
    // After chown, which clears set-id bits.
    fchmodSync(fd, mode & 0o7777);
    writeAllSync(fd, data, null);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, target.real);
    return true;
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    throw e;
  }
}

