/**
 * memtune-order with `{ units: true }`: one `kvmxml fix` run puts every <memtune> child into
 * libvirt's order *and* its stored form (unit='KiB', whole KiB), touching only those lines — and
 * libvirt stores the same <memtune> for the file before and after (conformance pair
 * mt-fix-units-before / mt-fix-units-after).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rule as memtuneOrder } from '../rules/memtune-order.js';
import { lintText } from '../src/engine/lint.js';
import { ROOT } from './helpers/fixtures.js';

const UNITS = [{ rule: memtuneOrder, severity: 1 as const, options: { units: true } }];

function fixUnits(text: string): string | undefined {
  return lintText(text, { filePath: 'vm.xml', rules: UNITS, fix: true }).output;
}

const REVERSED = `<domain type='kvm'>
  <name>memtune-all-four</name>
  <memory unit='GiB'>4</memory>
  <memtune>
    <swap_hard_limit unit='G'>12</swap_hard_limit>
    <min_guarantee unit='MiB'>512</min_guarantee>
    <!-- reclaim above this first -->
    <soft_limit unit="MB">6000</soft_limit>
    <hard_limit>8388608</hard_limit> <!-- 8 GiB -->
  </memtune>
  <vcpu placement='static'>2</vcpu>
</domain>
`;

const REVERSED_FIXED = `<domain type='kvm'>
  <name>memtune-all-four</name>
  <memory unit='GiB'>4</memory>
  <memtune>
    <hard_limit unit='KiB'>8388608</hard_limit> <!-- 8 GiB -->
    <!-- reclaim above this first -->
    <soft_limit unit="KiB">5859375</soft_limit>
    <min_guarantee unit='KiB'>524288</min_guarantee>
    <swap_hard_limit unit='KiB'>12582912</swap_hard_limit>
  </memtune>
  <vcpu placement='static'>2</vcpu>
</domain>
`;

describe('memtune-order { units: true }', () => {
  it('reorders and rewrites every child into KiB in one run', () => {
    expect(fixUnits(REVERSED)).toBe(REVERSED_FIXED);
  });

  it('changes only the lines of the <memtune> children', () => {
    const before = REVERSED.split('\n');
    const after = (fixUnits(REVERSED) as string).split('\n');
    expect(after).toHaveLength(before.length);
    const inside = (i: number): boolean => i > 3 && i < 9; // lines between <memtune> and </memtune>
    before.forEach((line, i) => {
      if (!inside(i)) expect(after[i]).toBe(line);
    });
  });

  it('is idempotent and leaves canonical files alone', () => {
    expect(fixUnits(REVERSED_FIXED)).toBeUndefined();
    const r = lintText(REVERSED_FIXED, { filePath: 'vm.xml', rules: UNITS });
    expect(r.messages).toEqual([]);
  });

  it('keeps CRLF, tabs and double quotes', () => {
    const crlf = '<domain type="qemu">\r\n\t<name>t</name>\r\n\t<memory unit="MiB">256</memory>\r\n\t<memtune>\r\n\t\t<soft_limit unit="M">512</soft_limit>\r\n\t\t<hard_limit unit="GiB">1</hard_limit>\r\n\t</memtune>\r\n</domain>\r\n';
    expect(fixUnits(crlf)).toBe(
      '<domain type="qemu">\r\n\t<name>t</name>\r\n\t<memory unit="MiB">256</memory>\r\n\t<memtune>\r\n\t\t<hard_limit unit="KiB">1048576</hard_limit>\r\n\t\t<soft_limit unit="KiB">524288</soft_limit>\r\n\t</memtune>\r\n</domain>\r\n',
    );
  });

  it('leaves values libvirt drops, unparsable values and borrowed units alone', () => {
    const text = `<domain type='kvm'>
  <name>t</name>
  <memory unit='GiB'>4</memory>
  <memtune>
    <hard_limit unit='KiB'>9007199254740991</hard_limit>
    <soft_limit>lots</soft_limit>
    <min_guarantee>0</min_guarantee>
  </memtune>
  <memtune>
    <swap_hard_limit>1</swap_hard_limit>
  </memtune>
</domain>
`;
    const r = lintText(text, { filePath: 'vm.xml', rules: UNITS });
    expect(r.messages.map((m) => m.line)).toEqual([10]);
  });

  it('is off by default', () => {
    const r = lintText(REVERSED_FIXED.replace("unit='KiB'>12582912", "unit='G'>12"), { filePath: 'vm.xml', rules: [{ rule: memtuneOrder, severity: 1, options: {} }] });
    expect(r.messages).toEqual([]);
  });

  it('works through the CLI and a config file, with every other rule on, in one `kvmxml fix` run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmxml-units-'));
    writeFileSync(join(dir, 'kvmxml.config.json'), JSON.stringify({ root: true, rules: { 'memtune-order': ['warn', { units: true }] } }));
    const input = `<domain type='kvm'>
  <name>units-cli</name>
  <memory unit='GiB'>4</memory>
  <currentMemory unit='GiB'>4</currentMemory>
  <memtune>
    <swap_hard_limit unit='G'>12</swap_hard_limit>
    <soft_limit unit='MiB'>6144</soft_limit>
    <hard_limit unit='b'>8589934592</hard_limit>
  </memtune>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
  </os>
</domain>
`;
    const want = input
      .replace("    <swap_hard_limit unit='G'>12</swap_hard_limit>\n    <soft_limit unit='MiB'>6144</soft_limit>\n    <hard_limit unit='b'>8589934592</hard_limit>\n",
        "    <hard_limit unit='KiB'>8388608</hard_limit>\n    <soft_limit unit='KiB'>6291456</soft_limit>\n    <swap_hard_limit unit='KiB'>12582912</swap_hard_limit>\n");
    const file = join(dir, 'vm.xml');
    writeFileSync(file, input);
    const run = (cmd: string) => spawnSync(process.execPath, [join(ROOT, 'bin', 'kvmxml.js'), cmd, file], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
    const r = run('fix');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(want);
    const again = run('lint');
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('');
  });
});

describe('conformance pair mt-fix-units-before / mt-fix-units-after', () => {
  const base = join(ROOT, 'fixtures', 'conformance');
  const before = readFileSync(join(base, 'mt-fix-units-before', 'domain.xml'), 'utf8');
  const after = readFileSync(join(base, 'mt-fix-units-after', 'domain.xml'), 'utf8');

  it('after is exactly what kvmxml fix makes of before', () => {
    expect(fixUnits(before)?.replace('kvmxml-mt-fix-units-before', 'kvmxml-mt-fix-units-after')).toBe(after);
  });

  const labels = ['mt-fix-units-before', 'mt-fix-units-after'].map((c) => join(base, c, 'label.json'));
  it.skipIf(!labels.every((l) => existsSync(l)))('libvirt stores the same <memtune> for both', () => {
    const [a, b] = labels.map((l) => JSON.parse(readFileSync(l, 'utf8')) as { define: { ok: boolean }; dumpxml?: { memtune?: string } });
    expect(a!.define.ok && b!.define.ok).toBe(true);
    expect(a!.dumpxml?.memtune).toBeDefined();
    expect(b!.dumpxml?.memtune).toBe(a!.dumpxml?.memtune);
  });
});
