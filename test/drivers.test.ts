/**
 * Driver-aware rules: every built-in rule says which `<domain type>`s its check holds for and
 * which libvirt function makes it (meta and doc page agree), and the engine applies it in one
 * place: a QEMU-driver check is silent on LXC and test domains, an XML-layer check is not.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineRules, rules } from '../rules/index.js';
import { appliesTo, driversLine, QEMU_TYPES } from '../src/engine/drivers.js';
import type { Rule } from '../src/engine/types.js';
import { allActive, lintString, ROOT } from './helpers/fixtures.js';

const metas = [...engineRules, ...rules.map((r) => r.meta)];

function domain(type: string, inner: string): string {
  return `<domain type='${type}'>\n  <name>t</name>\n  <memory unit='MiB'>512</memory>\n${inner}\n  <vcpu>1</vcpu>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n</domain>\n`;
}
const ids = (text: string, list = allActive()) => lintString(text, list).messages.map((m) => m.ruleId);

describe('every rule states its drivers', () => {
  for (const m of metas) {
    it(m.id, () => {
      expect(m.drivers, 'meta.drivers').toBeDefined();
      expect(m.drivers!.by).toMatch(/\w+ \(src\/|\(src\/|domain\.rng|QEMU|KVM/);
      const page = readFileSync(join(ROOT, 'rules', `${m.id}.md`), 'utf8').split('\n');
      expect(page[4], 'the doc page names the drivers under its header').toBe(driversLine(m.drivers!));
    });
  }
});

describe('appliesTo', () => {
  const qemu = { types: QEMU_TYPES, by: 'x' };
  it.each([
    ['qemu', true],
    ['kvm', true],
    ['hvf', true],
    ['lxc', false],
    ['test', false],
    ['vmware', false],
  ])('a QEMU-driver check on type=%s: %s', (type, want) => expect(appliesTo(qemu, type)).toBe(want));
  it('runs every check when the type is missing or one libvirt does not know', () => {
    expect(appliesTo(qemu, null)).toBe(true);
    expect(appliesTo(qemu, 'KVM')).toBe(true);
  });
  it('runs XML-layer checks and rules without drivers everywhere', () => {
    expect(appliesTo({ types: 'any', by: 'x' }, 'lxc')).toBe(true);
    expect(appliesTo(undefined, 'test')).toBe(true);
  });
});

describe('the engine applies drivers', () => {
  const limit = `  <memtune>\n    <hard_limit unit='MiB'>512</hard_limit>\n  </memtune>`;
  it('a QEMU-only rule fires on qemu and is silent on lxc and test', () => {
    expect(ids(domain('qemu', limit))).toContain('memtune-hard-limit-low');
    expect(ids(domain('lxc', limit))).not.toContain('memtune-hard-limit-low');
    expect(ids(domain('test', limit))).not.toContain('memtune-hard-limit-low');
  });
  it('an XML-layer rule fires on every type', () => {
    const bad = `  <memtune>\n    <hard_limit unit='MiB'>unlimited</hard_limit>\n  </memtune>`;
    for (const t of ['qemu', 'lxc', 'test']) expect(ids(domain(t, bad)), t).toContain('memtune-unlimited');
  });
  it('a finding may name narrower drivers than its rule', () => {
    const probe: Rule = {
      meta: { id: 'probe', description: 'probe', severity: 'warn', stage: 'define', fixable: false, drivers: { types: 'any', by: 'x' } },
      check(ctx) {
        ctx.report({ node: ctx.domain.root, message: 'everywhere' });
        ctx.report({ node: ctx.domain.root, message: 'qemu only', drivers: { types: QEMU_TYPES, by: 'y' } });
      },
    };
    const on = (t: string) => lintString(domain(t, ''), allActive([probe])).messages.map((m) => m.message);
    expect(on('kvm')).toEqual(['everywhere', 'qemu only']);
    expect(on('lxc')).toEqual(['everywhere']);
  });
});

describe('plugins', () => {
  it('a plugin rule with malformed drivers stops kvmxml with one line and exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmxml-drivers-'));
    writeFileSync(join(dir, 'plugin.mjs'), `export const rules = [{ meta: { id: 'p', description: 'p', severity: 'warn', stage: 'style', fixable: false, drivers: { types: 7 } }, check() {} }];\n`);
    writeFileSync(join(dir, 'kvmxml.config.json'), JSON.stringify({ plugins: ['./plugin.mjs'] }));
    writeFileSync(join(dir, 'vm.xml'), domain('qemu', ''));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kvmxml.js'), 'lint', 'vm.xml'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("rule 'p' has meta.drivers that is not");
  });
});
