/**
 * Profiles from the command line: `--libvirt`, the config key `libvirt`, the version a host
 * snapshot recorded, and every report naming the profile it used.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { isOneLine, runCli } from './helpers/run-cli.js';

/** A 65 MiB guest on 2 MiB pages: QEMU 7.2 rounds it up, QEMU 10.0 refuses it. */
const ODD = join(ROOT, 'fixtures', 'rules', 'hugepage-backend-unaligned', 'qemu-7.2-rounds.pass.xml');
const HOST = join(ROOT, 'fixtures', 'check', 'tutorial-host.json');

function json(args: string[], opts: Parameters<typeof runCli>[1] = {}) {
  const r = runCli([...args, '-f', 'json'], opts);
  return { code: r.code, results: JSON.parse(r.stdout) as { libvirt?: string; messages?: { ruleId: string; severity: number }[] }[] };
}

describe('--libvirt', () => {
  it('9.0 by default: an odd-sized backend only wastes pages (a warning)', () => {
    const r = json(['lint', ODD]);
    expect(r.code).toBe(0);
    expect(r.results[0]!.libvirt).toBe('9.0');
    expect(r.results[0]!.messages!.map((m) => m.ruleId)).toEqual(['hugepage-backend-rounding']);
  });

  it('11.3: the same file fails to start (an error), in QEMU 10.0 and libvirt 11.3 words', () => {
    const r = runCli(['lint', '--libvirt', '11.3', ODD]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("QEMU unexpectedly closed the monitor (vm='odd01'): qemu-system-x86_64: backend 'memory-backend-file' memory size must be multiple of 2 MiB");
    expect(r.stdout).toContain('Judged as libvirt 11.3 + QEMU 10.0');
    expect(json(['lint', '--libvirt', '11.3', ODD]).results[0]!.libvirt).toBe('11.3');
  });

  it('a version without a profile is refused in one line, exit 2', () => {
    const r = runCli(['lint', '--libvirt', '10.0', ODD]);
    expect(r.code).toBe(2);
    expect(isOneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain('libvirt');
  });

  it('the config key libvirt chooses it too, and --libvirt wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmxml-profile-'));
    writeFileSync(join(dir, 'kvmxml.config.json'), JSON.stringify({ libvirt: '11.3' }));
    writeFileSync(join(dir, 'vm.xml'), readFileSync(ODD));
    expect(json(['lint', 'vm.xml'], { cwd: dir }).results[0]!.libvirt).toBe('11.3');
    expect(json(['lint', '--libvirt', '9.0', 'vm.xml'], { cwd: dir }).results[0]!.libvirt).toBe('9.0');
    writeFileSync(join(dir, 'kvmxml.config.json'), JSON.stringify({ libvirt: '10.0' }));
    const bad = runCli(['lint', 'vm.xml'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(isOneLine(bad.stderr)).toBe(true);
  });

  it('check follows the libvirt a host snapshot recorded, unless --libvirt says otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmxml-profile-'));
    const host = JSON.parse(readFileSync(HOST, 'utf8'));
    const recorded = join(dir, 'host.json');
    writeFileSync(recorded, JSON.stringify({ ...host, software: { libvirt: '11.3.0', qemu: '10.0.2' } }));
    const guest = join(ROOT, 'fixtures', 'check', 'tutorial-guest.xml');
    expect(json(['check', '--host', recorded, guest]).results[0]!.libvirt).toBe('11.3');
    expect(json(['check', '--host', recorded, '--libvirt', '9.0', guest]).results[0]!.libvirt).toBe('9.0');
    expect(json(['check', '--host', HOST, guest]).results[0]!.libvirt).toBe('9.0');
    // a version kvmxml has no profile of is not guessed
    writeFileSync(recorded, JSON.stringify({ ...host, software: { libvirt: '10.0.0', qemu: '8.2.2' } }));
    expect(json(['check', '--host', recorded, guest]).results[0]!.libvirt).toBe('9.0');
  });

  it('machine formats name the profile: SARIF run properties, JUnit testsuite properties', () => {
    const sarif = JSON.parse(runCli(['lint', '--libvirt', '11.3', '-f', 'sarif', ODD]).stdout);
    expect(sarif.runs[0].properties.libvirt).toEqual(['11.3']);
    expect(runCli(['lint', '-f', 'junit', ODD]).stdout).toContain('<property name="libvirt" value="9.0"/>');
  });
});

describe('kvmxml snapshot records the installed libvirt and QEMU', () => {
  it('on the live host: versions, or null where not installed; not for a --root copy', () => {
    const live = JSON.parse(runCli(['snapshot']).stdout);
    expect(Object.keys(live.software)).toEqual(['libvirt', 'qemu']);
    for (const v of Object.values(live.software)) if (v !== null) expect(v).toMatch(/^\d+\.\d+(\.\d+)?$/);
    const copy = JSON.parse(runCli(['snapshot', '--root', join(ROOT, 'fixtures', 'hosts', 'tutorial-two-nodes')]).stdout);
    expect(copy.software).toBeUndefined();
  });
});
