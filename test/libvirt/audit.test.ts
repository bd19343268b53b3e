/**
 * `kvmxml audit` against real libvirt: two small domains defined for the test, audited through
 * the real virsh with this machine's own snapshot, and the verdicts held against what
 * `virsh start` really does with them. The domains are undefined afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN } from '../helpers/run-cli.js';
import { virshErrorMessage } from './corpus.js';
import { LAB_LIBVIRT, labUri, virsh } from './lab.js';

const status = inject('kvmxmlLab');
// audit connects to the lab's daemon (qemu:///system for 9.0; the 11.3 one listens on a socket of its chroot)
const skip = !status?.available;
const cgroupV1 = status?.machine?.memoryCgroup === 'v1';
const dir = mkdtempSync(join(tmpdir(), 'kvmxml-audit-lab-'));

const domain = (name: string, memtune = '') => `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
${memtune}  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
</domain>
`;
const PLAIN = 'kvmxml-audit-plain';
// swap_hard_limit without hard_limit: memory.memsw.limit_in_bytes refuses it on cgroup v1 hosts.
const SWAP = 'kvmxml-audit-swap';

async function drop(name: string): Promise<void> {
  await virsh('destroy', name);
  await virsh('undefine', name);
}

interface Audited {
  domain: string;
  libvirt: string;
  verdict: string;
  messages: { ruleId: string | null; severity: number; message: string }[];
}

describe.skipIf(skip)('kvmxml audit on real libvirt', () => {
  let audited: Audited[];
  let stylish: string;
  beforeAll(async () => {
    for (const [name, text] of [
      [PLAIN, domain(PLAIN)],
      [SWAP, domain(SWAP, "  <memtune>\n    <swap_hard_limit unit='GiB'>1</swap_hard_limit>\n  </memtune>\n")],
    ] as const) {
      await drop(name);
      writeFileSync(join(dir, `${name}.xml`), text);
      const r = await virsh('define', join(dir, `${name}.xml`));
      expect(r.code, r.stderr).toBe(0);
    }
    const run = (format: string) => spawnSync(process.execPath, [BIN, 'audit', '--connect', labUri(), '--no-config', '-f', format], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const json = run('json');
    expect([0, 1], json.stderr).toContain(json.status);
    audited = JSON.parse(json.stdout) as Audited[];
    stylish = run('stylish').stdout;
  });
  afterAll(async () => {
    await drop(PLAIN);
    await drop(SWAP);
  });

  it('lists both domains by name, with every other domain libvirt has defined', async () => {
    const listed = (await virsh('list', '--all', '--name')).stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
    expect(audited.map((d) => d.domain)).toEqual(listed);
    expect(listed).toEqual(expect.arrayContaining([PLAIN, SWAP]));
  });

  it("judges them as the daemon's libvirt (virsh version --daemon)", () => {
    expect(new Set(audited.map((d) => d.libvirt))).toEqual(new Set([LAB_LIBVIRT]));
    expect(stylish).toContain(LAB_LIBVIRT === '9.0' ? 'Judged as libvirt 9.0 + QEMU 7.2' : 'Judged as libvirt 11.3 + QEMU 10.0');
  });

  it('a plain small domain: no finding, starts — and virsh start agrees', async () => {
    const plain = audited.find((d) => d.domain === PLAIN)!;
    expect(plain.messages).toEqual([]);
    expect(plain.verdict).toBe('starts');
    expect(stylish).toContain(`  ${PLAIN}: starts\n`);
    const r = await virsh('start', PLAIN);
    expect(r.code, r.stderr).toBe(0);
    await virsh('destroy', PLAIN);
  });

  it.skipIf(!cgroupV1)('swap_hard_limit without hard_limit on cgroup v1: an error, fails — and virsh start fails', async () => {
    const swap = audited.find((d) => d.domain === SWAP)!;
    expect(swap.messages.map((m) => [m.ruleId, m.severity])).toContainEqual(['memtune-swap-limit-host', 2]);
    expect(swap.verdict).toBe('fails');
    const r = await virsh('start', SWAP);
    expect(r.code).not.toBe(0);
    expect(virshErrorMessage(r.stderr)).toBe("Invalid value '1073741824' for 'memory.memsw.limit_in_bytes': Invalid argument");
    const finding = swap.messages.find((m) => m.ruleId === 'memtune-swap-limit-host')!;
    expect(finding.message).toContain("Invalid value '1073741824' for 'memory.memsw.limit_in_bytes': Invalid argument");
  });
});
