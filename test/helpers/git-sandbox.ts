/**
 * Throwaway git repositories for the git-hook tests (pre-commit, lint-staged + husky): a
 * committed snapshot of this working tree (so a test never depends on what happens to be
 * committed at the time), and empty repositories to stage domain files in.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from './fixtures.js';

/** The environment for child processes: no variables of an enclosing git hook, a fixed identity. */
export function sandboxEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_') && !k.startsWith('PRE_COMMIT') && !k.startsWith('HUSKY')) env[k] = v;
  return {
    ...env,
    NO_COLOR: '1',
    GIT_AUTHOR_NAME: 'kvmxml test',
    GIT_AUTHOR_EMAIL: 'test@kvmxml.invalid',
    GIT_COMMITTER_NAME: 'kvmxml test',
    GIT_COMMITTER_EMAIL: 'test@kvmxml.invalid',
    // Neither the user's nor the system's git configuration (hooks, signing, templates).
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    ...extra,
  };
}

export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = sandboxEnv(), timeout = 170_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', input: '', timeout });
}

export function git(cwd: string, ...args: string[]): string {
  const r = run('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], cwd);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

export function newRepo(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  git(dir, 'init', '-q');
  return dir;
}

export function hasCommand(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * A git repository holding this working tree as one commit: every tracked file plus the
 * untracked ones git does not ignore, as they are on disk now (dist/ and node_modules/ stay
 * out, as in a clone). Returns its path and the commit.
 */
export function snapshotRepo(): { dir: string; rev: string } {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8', env: sandboxEnv() });
  if (listed.status !== 0) throw new Error(`git ls-files failed in ${ROOT}: ${listed.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'kvmxml-snapshot-'));
  for (const f of new Set(listed.stdout.split('\0').filter(Boolean))) {
    const src = join(ROOT, f);
    if (!existsSync(src) || lstatSync(src).isDirectory()) continue; // deleted, or a nested repository
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(src, join(dir, f), { preserveTimestamps: true });
  }
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--no-verify', '-m', 'snapshot of the working tree');
  return { dir, rev: git(dir, 'rev-parse', 'HEAD') };
}
