/**
 * The pre-commit framework hooks (.pre-commit-hooks.yaml), run by the real `pre-commit`: it
 * clones a snapshot of this tree at a commit, installs kvmxml into its own Node environment
 * (npm install, npm pack, npm install -g) and runs the hooks on staged files of a throwaway
 * repository. Needs `pre-commit` (Debian: apt-get install pre-commit); skipped without it
 * unless CI is set, where it must run.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { git, hasCommand, newRepo, run, sandboxEnv, snapshotRepo } from './helpers/git-sandbox.js';

const FIX = join(ROOT, 'fixtures', 'rules');
const available = hasCommand('pre-commit');
const skip = !available && !process.env.CI;
if (skip) console.warn('test/precommit.test.ts skipped: `pre-commit` is not installed (apt-get install pre-commit); CI runs it');

describe.skipIf(skip)('pre-commit hooks (real pre-commit)', () => {
  let config: string;
  let env: NodeJS.ProcessEnv;
  /** Made here and removed afterwards: a hook environment is some 15 MB. */
  const made: string[] = [];

  const repoWith = (files: Record<string, string>) => {
    const dir = newRepo('kvmxml-precommit-');
    made.push(dir);
    writeFileSync(join(dir, '.pre-commit-config.yaml'), config);
    for (const [name, fixture] of Object.entries(files)) copyFileSync(fixture, join(dir, name));
    git(dir, 'add', '.');
    return dir;
  };
  const preCommit = (dir: string, ...args: string[]) => run('pre-commit', args, dir, env);

  beforeAll(() => {
    expect(available, 'pre-commit must be installed where CI is set').toBe(true);
    const snap = snapshotRepo();
    made.push(snap.dir);
    config = ['repos:', `  - repo: ${snap.dir}`, `    rev: ${snap.rev}`, '    hooks:', '      - id: kvmxml-lint', '      - id: kvmxml-fix', ''].join('\n');
    env = sandboxEnv({
      // A cache of its own, so every run installs the hooks of this snapshot afresh.
      PRE_COMMIT_HOME: mkdtempSync(join(tmpdir(), 'kvmxml-pre-commit-home-')),
      // The packages are in npm's cache already (npm ci); don't ask the registry again.
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    });
    made.push(env.PRE_COMMIT_HOME as string);
    // Install the hook environment once (the slow part); the runs below reuse it.
    const r = preCommit(repoWith({}), 'install-hooks');
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 180_000);

  // A hook environment is some 3,000 files: removing them takes many seconds on a busy disk.
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  }, 120_000);

  it('the hooks file declares both hooks as node hooks on *.xml', () => {
    const text = readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8');
    for (const id of ['kvmxml-lint', 'kvmxml-fix']) expect(text).toMatch(new RegExp(`- id: ${id}\\n(?:  .*\\n)*?  language: node\\n(?:  .*\\n)*?  files: \\\\\\.xml\\$`));
  });

  it('kvmxml-lint fails on a staged malformed definition and shows the finding', () => {
    const dir = repoWith({ 'vm.xml': join(FIX, 'xml-well-formed/tutorial-snippet.fail.xml') });
    const r = preCommit(dir, 'run', 'kvmxml-lint');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/kvmxml lint\.+Failed/);
    expect(r.stdout).toContain('vm.xml');
    expect(r.stdout).toContain('2:112');
    expect(r.stdout).toContain('Opening and ending tag mismatch: memoryBacking line 2 and hugepages');
    expect(r.stdout).toContain('xml-well-formed');
  }, 60_000);

  it('kvmxml-lint passes a good definition and ignores files that are not *.xml', () => {
    const dir = repoWith({ 'vm.xml': join(FIX, 'memtune-order/canonical.pass.xml'), 'notes.txt': join(FIX, 'xml-well-formed/bare-ampersand.fail.xml') });
    const r = preCommit(dir, 'run', 'kvmxml-lint');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/kvmxml lint\.+Passed/);
  }, 60_000);

  it('kvmxml-fix rewrites the staged file (pre-commit reports the change), then passes', () => {
    const dir = repoWith({ 'vm.xml': join(FIX, 'memtune-order/reverse.fail.xml') });
    let r = preCommit(dir, 'run', 'kvmxml-fix');
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/kvmxml fix\.+Failed/);
    expect(r.stdout).toContain('files were modified by this hook');
    expect(readFileSync(join(dir, 'vm.xml'), 'utf8')).toBe(readFileSync(join(FIX, 'memtune-order/reverse.fail.fixed.xml'), 'utf8'));
    git(dir, 'add', 'vm.xml');
    r = preCommit(dir, 'run', 'kvmxml-fix');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/kvmxml fix\.+Passed/);
  }, 60_000);

  it('installed as a git hook, it stops a commit of a broken definition', () => {
    const dir = repoWith({ 'vm.xml': join(FIX, 'xml-well-formed/unclosed.fail.xml') });
    expect(preCommit(dir, 'install').status).toBe(0);
    const blocked = run('git', ['commit', '-m', 'add vm'], dir, env);
    expect(blocked.status).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain('must be closed before </domain>');
    copyFileSync(join(FIX, 'memtune-order/canonical.pass.xml'), join(dir, 'vm.xml'));
    git(dir, 'add', 'vm.xml');
    const ok = run('git', ['commit', '-m', 'add vm'], dir, env);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
  }, 60_000);
});
