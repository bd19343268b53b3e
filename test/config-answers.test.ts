/**
 * What kvmxml answers about a config and `--rule`: the parse rule is not configurable (one line,
 * exit 2, everywhere it could be named), and a bad rule option is reported as that option's error.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { isOneLine, runCli } from './helpers/run-cli.js';

const CLEAN = join(ROOT, 'fixtures', 'rules', 'memtune-order', 'canonical.pass.xml');

function project(config: unknown): { dir: string; vm: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kvmxml-cfg-'));
  writeFileSync(join(dir, 'kvmxml.config.json'), JSON.stringify(config));
  copyFileSync(CLEAN, join(dir, 'vm.xml'));
  return { dir, vm: join(dir, 'vm.xml') };
}

const FATAL = "rule 'xml-well-formed' cannot be configured: a document libvirt cannot parse is always an error";

describe('xml-well-formed is always an error', () => {
  for (const entry of ['off', 'warn', 'error']) {
    it(`a config setting it to ${entry} is refused in one line (exit 2)`, () => {
      const { dir, vm } = project({ rules: { 'xml-well-formed': entry } });
      const r = runCli(['lint', vm], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`kvmxml: ${join(dir, 'kvmxml.config.json')}: ${FATAL}\n`);
    });
  }

  it('so is an override naming it', () => {
    const { dir, vm } = project({ overrides: [{ files: ['*.xml'], rules: { 'xml-well-formed': 'off' } }] });
    const r = runCli(['lint', vm], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`(overrides[0]): ${FATAL}`);
  });

  it('and --rule xml-well-formed:off', () => {
    const r = runCli(['lint', '--rule', 'xml-well-formed:off', CLEAN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`kvmxml: --rule: ${FATAL}\n`);
  });

  it('the schema, `kvmxml rules` and the README say the same', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'kvmxml.config.schema.json'), 'utf8'));
    const prop = schema.properties.rules.properties['xml-well-formed'];
    expect(prop.not).toEqual({});
    expect(prop.description).toContain('cannot be configured');
    expect(runCli(['rules']).stdout).toMatch(/^xml-well-formed\s+error\s+parse\s+.*\(always an error: not configurable\)$/m);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toMatch(/\| parse \|[^|\n]*\| error \(always\) \|/);
  });
});

describe('a bad rule option', () => {
  it('is reported as that option, with the rule, its options and the config file', () => {
    const { dir, vm } = project({ rules: { 'memtune-order': ['error', { units: 'yes' }] } });
    const r = runCli(['lint', vm], { cwd: dir });
    expect(r.code).toBe(2);
    expect(isOneLine(r.stderr)).toBe(true);
    expect(r.stderr).toBe(`kvmxml: ${join(dir, 'kvmxml.config.json')}: invalid options for rule 'memtune-order' (/rules/memtune-order/1): /units: must be boolean (its options: units (boolean))\n`);
    expect(r.stderr).not.toContain('allowed values');
  });

  it('an unknown option is named', () => {
    const { dir, vm } = project({ rules: { 'hugepage-page-size': ['warn', { sizes: [2048] }] } });
    const r = runCli(['lint', vm], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid options for rule 'hugepage-page-size' (/rules/hugepage-page-size/1): unknown property 'sizes' (its options: sizesKiB (array))");
  });

  it('a bad severity is still a bad severity, in an override too', () => {
    const { dir, vm } = project({ overrides: [{ files: ['*.xml'], rules: { 'memtune-order': ['eror', { units: true }] } }] });
    const r = runCli(['lint', vm], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`(overrides[0]): invalid config: /overrides/0/rules/memtune-order: severity of rule 'memtune-order' must be one of off, warn, error (got "eror")`);
  });

  it('options for a rule that takes none', () => {
    const { dir, vm } = project({ rules: { 'numa-cell-id': ['error', { x: 1 }] } });
    const r = runCli(['lint', vm], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid config: /rules/numa-cell-id/1: rule 'numa-cell-id' takes no options");
  });
});

describe('check against `virsh capabilities`', () => {
  const caps = join(ROOT, 'fixtures', 'hosts', 'virsh', 'capabilities-two-nodes.xml');
  it('a guest needing more 1 GiB pages than the host has in all fails, whatever the mounts are', () => {
    const r = runCli(['check', '--host', caps, join(ROOT, 'fixtures', 'check', 'capabilities-64x1g-guest.xml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('capabilities-64x1g-guest.xml: fails');
    expect(r.stdout).toContain('unable to map backing store for guest RAM: Cannot allocate memory');
    expect(r.stdout).toContain('needs 64 × 1 GiB pages, the host has 4 in all: allocate 60 more');
  });

  it('one that fits in the pool stays unknown: the free pages and mounts are not in capabilities', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmxml-caps-'));
    const guest = readFileSync(join(ROOT, 'fixtures', 'check', 'capabilities-64x1g-guest.xml'), 'utf8').replace("unit='GiB'>64<", "unit='GiB'>2<");
    writeFileSync(join(dir, 'vm.xml'), guest);
    const r = runCli(['check', '--host', caps, join(dir, 'vm.xml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('vm.xml: unknown');
  });
});
