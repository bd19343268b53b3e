/**
 * Which files to leave out: `.gitignore` and `.kvmxmlignore` (gitignore syntax; each applies
 * below its own directory, as git reads them, from the repository root down) and
 * `--ignore-pattern` globs (gitignore syntax, relative to the working directory). The `ignore`
 * package does the matching; it is loaded only when some ignore source exists.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Ignore } from 'ignore';

export const IGNORE_FILES = ['.gitignore', '.kvmxmlignore'] as const;

export interface IgnoreOptions {
  /** false with --no-ignore: nothing is ignored. */
  enabled: boolean;
  /** --ignore-pattern values. */
  patterns: string[];
  cwd: string;
}

/** Why a path is ignored: the file (or option) and the pattern that matched. */
export interface IgnoredBy {
  source: string;
}

type Factory = (options?: { ignorecase?: boolean }) => Ignore;
let factory: Factory | null = null;
async function loadFactory(): Promise<Factory> {
  if (!factory) {
    const mod = (await import('ignore')) as unknown as { default: Factory };
    factory = mod.default;
  }
  return factory;
}

/** The directory holding `.git` at or above `dir`, or null outside a repository. */
export function repositoryRoot(dir: string): string | null {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return null;
  }
}

const toPosix = (p: string) => p.split(sep).join('/');

export class IgnoreRules {
  private perDir = new Map<string, { ig: Ignore; source: string } | null>();
  private cli: Ignore | null = null;

  private constructor(
    private readonly opts: IgnoreOptions,
    private readonly make: Factory | null,
  ) {}

  /**
   * Loads the matcher only when something could be ignored: a directory or glob is expanded
   * (`walks`: ignore files may sit anywhere below), patterns are given, or an ignore file lies
   * above one of the named files (`fileDirs`).
   */
  static async create(opts: IgnoreOptions, walks: boolean, fileDirs: string[]): Promise<IgnoreRules> {
    if (!opts.enabled) return new IgnoreRules(opts, null);
    const probe = new IgnoreRules(opts, null);
    const anyFile = (): boolean => {
      const looked = new Set<string>();
      for (const d of fileDirs) {
        for (const a of probe.ancestors(resolve(d))) {
          if (looked.has(a)) continue;
          looked.add(a);
          if (IGNORE_FILES.some((f) => existsSync(join(a, f)))) return true;
        }
      }
      return false;
    };
    const rules = walks || opts.patterns.length > 0 || anyFile() ? new IgnoreRules(opts, await loadFactory()) : probe;
    if (rules.make && opts.patterns.length) rules.cli = rules.make().add(opts.patterns);
    return rules;
  }

  private chains = new Map<string, string[]>();

  /**
   * The directories whose ignore files apply below them, top first: from the repository root
   * (outside one: the working directory, for paths under it) down to `dir`.
   */
  private ancestors(dir: string): string[] {
    let chain = this.chains.get(dir);
    if (chain) return chain;
    const parent = dirname(dir);
    const top = repositoryRoot(dir) ?? (dir === this.opts.cwd || dir.startsWith(this.opts.cwd + sep) ? this.opts.cwd : dir);
    chain = dir === top || parent === dir ? [dir] : [...this.ancestors(parent), dir];
    this.chains.set(dir, chain);
    return chain;
  }

  private rulesOf(dir: string): { ig: Ignore; source: string } | null {
    if (!this.make) return null;
    let entry = this.perDir.get(dir);
    if (entry !== undefined) return entry;
    entry = null;
    const texts: string[] = [];
    const sources: string[] = [];
    for (const f of IGNORE_FILES) {
      const p = join(dir, f);
      try {
        texts.push(readFileSync(p, 'utf8'));
        sources.push(p);
      } catch {
        /* no such file */
      }
    }
    if (texts.length) entry = { ig: this.make().add(texts.join('\n')), source: sources.map((s) => relative(this.opts.cwd, s) || s).join(', ') };
    this.perDir.set(dir, entry);
    return entry;
  }

  /**
   * Whether `ignored` can say yes for a file directly in `dir`: false when no pattern is given
   * and no ignore file applies there, so a walk need not ask for each of its files.
   */
  mayIgnoreFilesIn(dir: string): boolean {
    if (!this.make) return false;
    if (this.cli) return true;
    return this.ancestors(resolve(dir)).some((d) => this.rulesOf(d) !== null);
  }

  /** Why `path` is ignored, or null. Deeper ignore files may re-include (`!pattern`) what a higher one ignored. */
  ignored(path: string, isDir?: boolean): IgnoredBy | null {
    if (!this.make) return null;
    const abs = resolve(path);
    const dirFlag = isDir ?? isDirectory(abs);
    const suffix = dirFlag ? '/' : '';
    let by: IgnoredBy | null = null;
    if (this.cli) {
      const rel = relative(this.opts.cwd, abs);
      if (rel && !rel.startsWith('..') && this.cli.ignores(toPosix(rel) + suffix)) by = { source: '--ignore-pattern' };
    }
    if (by) return by;
    for (const d of this.ancestors(dirname(abs))) {
      const r = this.rulesOf(d);
      if (!r) continue;
      const t = r.ig.test(toPosix(relative(d, abs)) + suffix);
      if (t.ignored) by = { source: r.source };
      else if (t.unignored) by = null;
    }
    return by;
  }
}

export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
