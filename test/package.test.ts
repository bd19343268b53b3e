/**
 * What the package promises outside the code: the files the README links ship, the release the
 * pre-commit example names is the version in package.json and the top CHANGELOG entry, the
 * licence matches, and installing the tarball runs no script (npm 11 warns about any install
 * script a dependency carries, `prepare` included).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string; scripts: Record<string, string> };
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

let packed: Set<string>;
beforeAll(() => {
  // --ignore-scripts: npm test has built dist/ already, and a rebuild would race the other tests.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  packed = new Set((JSON.parse(r.stdout)[0].files as { path: string }[]).map((f) => f.path));
});

describe('the package', () => {
  it('ships every file the README links or tells users to run', () => {
    const links = [...README.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1] as string).filter((l) => !/^[a-z]+:/.test(l));
    expect(links).toContain('docs/git-hooks.md');
    expect(links).toContain('LICENSE');
    for (const l of links) expect(packed, l).toContain(l);
    expect(README).toContain('scripts/capture-host.sh');
    expect(packed).toContain('scripts/capture-host.sh');
  });

  it('names one release everywhere: package.json, the top CHANGELOG entry, the pre-commit rev', () => {
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    // Changes not yet released sit under "## Unreleased", above the top release.
    expect(/^## (?!Unreleased$)(\S+)/m.exec(changelog)?.[1]).toBe(pkg.version);
    expect(packed).toContain('CHANGELOG.md');
    const tag = `v${pkg.version}`;
    expect([...new Set([...README.matchAll(/^\s*rev: (\S+)/gm)].map((m) => m[1]))]).toEqual([tag]);
    expect(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')).toMatch(new RegExp(`#\\s+rev: ${tag.replace(/\./g, '\\.')}\\s`));
  });

  it('carries the licence package.json declares', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(packed).toContain('LICENSE');
  });

  it('has no install-time script: the build runs when the tarball is made', () => {
    for (const s of ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare']) expect(pkg.scripts[s], s).toBeUndefined();
    expect(pkg.scripts.prepack).toBe('node scripts/build.mjs');
  });

  it('installs from its tarball without a warning, and runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmxml-install-'));
    const packedTo = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
    expect(packedTo.status, packedTo.stderr).toBe(0);
    const tgz = join(dir, packedTo.stdout.trim().split('\n').pop() as string);
    expect(existsSync(tgz)).toBe(true);
    const proj = join(dir, 'project');
    spawnSync('mkdir', [proj]);
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'vms', private: true }));
    // The dependencies are in npm's cache (npm ci): no need to ask the registry.
    const env = { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    const inst = spawnSync('npm', ['install', tgz], { cwd: proj, encoding: 'utf8', env });
    expect(inst.status, inst.stderr).toBe(0);
    expect(inst.stderr).not.toMatch(/install-scripts|allowScripts|allow-scripts/);
    const run = spawnSync(process.execPath, [join(proj, 'node_modules', 'kvmxml', 'bin', 'kvmxml.js'), 'lint', join(ROOT, 'fixtures', 'rules', 'memtune-order', 'canonical.pass.xml')], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
  }, 120_000);
});
