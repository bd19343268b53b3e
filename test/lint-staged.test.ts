/**
 * The husky + lint-staged setup of docs/git-hooks.md, run for real: a throwaway repository with
 * kvmxml, husky and lint-staged in node_modules (links to this package and to its dev
 * dependencies), the lint-staged config and the husky hook taken from the doc page, and real
 * `git commit`s. Runs the built bin (npm test builds first).
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { git, newRepo, run, sandboxEnv } from './helpers/git-sandbox.js';

const FIX = join(ROOT, 'fixtures', 'rules');
const DOC = readFileSync(join(ROOT, 'docs', 'git-hooks.md'), 'utf8');

/** The fenced block of `lang` that follows the line mentioning `label` in the doc page. */
function block(label: string, lang: string): string {
  const at = DOC.indexOf(label);
  expect(at, label).toBeGreaterThanOrEqual(0);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(DOC.slice(at));
  expect(m, `${lang} block after ${label}`).not.toBeNull();
  return (m as RegExpExecArray)[1] as string;
}

/** A repository set up as the doc page says, with the packages linked in. */
function project(lintStagedCommand?: string): string {
  const dir = newRepo('kvmxml-lint-staged-');
  const nm = join(dir, 'node_modules');
  mkdirSync(join(nm, '.bin'), { recursive: true });
  symlinkSync(ROOT, join(nm, 'kvmxml'));
  symlinkSync(join(ROOT, 'node_modules', 'lint-staged'), join(nm, 'lint-staged'));
  symlinkSync(join(ROOT, 'node_modules', 'husky'), join(nm, 'husky'));
  symlinkSync('../kvmxml/bin/kvmxml.js', join(nm, '.bin', 'kvmxml'));
  symlinkSync('../lint-staged/bin/lint-staged.js', join(nm, '.bin', 'lint-staged'));
  symlinkSync('../husky/bin.js', join(nm, '.bin', 'husky'));
  const config = JSON.parse(block('`package.json`:', 'json')) as { 'lint-staged': Record<string, string> };
  if (lintStagedCommand) config['lint-staged']['*.xml'] = lintStagedCommand;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'vms', private: true, scripts: { prepare: 'husky' }, ...config }, null, 2) + '\n');
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n');
  mkdirSync(join(dir, '.husky'));
  writeFileSync(join(dir, '.husky', 'pre-commit'), block('`.husky/pre-commit`:', 'sh'));
  // What `npm install` does through the "prepare": "husky" script.
  const h = run(process.execPath, [join(nm, 'husky', 'bin.js')], dir, env());
  expect(h.status, h.stderr).toBe(0);
  expect(git(dir, 'config', 'core.hooksPath')).toBe('.husky/_');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'set up hooks');
  return dir;
}

const env = () => sandboxEnv({ FORCE_COLOR: '0' });
const commit = (dir: string) => run('git', ['commit', '-m', 'change vms'], dir, env(), 60_000);

describe('husky + lint-staged (docs/git-hooks.md)', () => {
  beforeAll(() => {
    expect(DOC).toContain('"*.xml": "kvmxml fix"');
  });

  it('a commit of a broken definition is stopped, with the finding', () => {
    const dir = project();
    copyFileSync(join(FIX, 'xml-well-formed/tutorial-snippet.fail.xml'), join(dir, 'vm.xml'));
    git(dir, 'add', 'vm.xml');
    const r = commit(dir);
    expect(r.status).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('kvmxml fix');
    expect(out).toContain('2:112');
    expect(out).toContain('Opening and ending tag mismatch');
    expect(git(dir, 'rev-list', '--count', 'HEAD')).toBe('1');
    // The file is left as it was, still staged.
    expect(readFileSync(join(dir, 'vm.xml'), 'utf8')).toBe(readFileSync(join(FIX, 'xml-well-formed/tutorial-snippet.fail.xml'), 'utf8'));
  }, 60_000);

  it('a fixable file is fixed and the fix is what gets committed', () => {
    const dir = project();
    mkdirSync(join(dir, 'vms'));
    copyFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), join(dir, 'vms', 'db.xml'));
    copyFileSync(join(FIX, 'memtune-order/canonical.pass.xml'), join(dir, 'vms', 'web.xml'));
    writeFileSync(join(dir, 'vms', 'net.xml'), '<network><name>default</name></network>\n');
    git(dir, 'add', 'vms');
    const r = commit(dir);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const fixed = readFileSync(join(FIX, 'memtune-order/reverse.fail.fixed.xml'), 'utf8');
    expect(git(dir, 'show', 'HEAD:vms/db.xml') + '\n').toBe(fixed.endsWith('\n') ? fixed : fixed + '\n');
    expect(readFileSync(join(dir, 'vms', 'db.xml'), 'utf8')).toBe(fixed);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(git(dir, 'show', 'HEAD:vms/web.xml') + '\n').toBe(readFileSync(join(FIX, 'memtune-order/canonical.pass.xml'), 'utf8'));
  }, 60_000);

  it('only staged *.xml files are checked', () => {
    const dir = project('kvmxml lint');
    copyFileSync(join(FIX, 'xml-well-formed/unclosed.fail.xml'), join(dir, 'unstaged.xml')); // not added
    writeFileSync(join(dir, 'README.md'), '# vms\n');
    git(dir, 'add', 'README.md');
    const r = commit(dir);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 60_000);

  it('"kvmxml lint" checks without touching the file', () => {
    const dir = project('kvmxml lint --max-warnings 0');
    copyFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), join(dir, 'vm.xml'));
    git(dir, 'add', 'vm.xml');
    const r = commit(dir);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('memtune-order');
    expect(readFileSync(join(dir, 'vm.xml'), 'utf8')).toBe(readFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), 'utf8'));
  }, 60_000);
});
