/**
 * Host snapshot layer: fixture hosts give their golden snapshots, virsh inputs map onto the
 * same shape, malformed inputs give clear one-line errors.
 *
 * Regenerate the goldens (then review the diff!) with
 *   KVMXML_UPDATE_GOLDEN=1 npx vitest run test/host.test.ts
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HostInputError,
  detectHostInputFormat,
  loadHostInput,
  loadHostInputs,
  loadSnapshot,
  mergeSnapshots,
  parseHostInput,
  snapshotFromCapabilities,
  snapshotFromFreepages,
  takeSnapshot,
  validateSnapshot,
  type HostSnapshot,
} from '../src/host/index.js';

const HOSTS = path.resolve(import.meta.dirname, '../fixtures/hosts');
const VIRSH = path.join(HOSTS, 'virsh');
const NOW = new Date('2024-05-01T12:00:00.000Z');
const UPDATE = process.env.KVMXML_UPDATE_GOLDEN === '1';

const scratch = mkdtempSync(path.join(tmpdir(), 'kvmxml-host-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function json(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Compare with a golden JSON file, or (in update mode) rewrite it. */
function golden(file: string, actual: unknown): void {
  if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  expect(actual).toEqual(json(file));
}

/** A copy of a fixture tree to damage. */
function copyHost(name: string): string {
  const dir = mkdtempSync(path.join(scratch, `${name}-`));
  cpSync(path.join(HOSTS, name), dir, { recursive: true });
  rmSync(path.join(dir, 'expected.json'));
  return dir;
}

/** The problems with the temporary root cut off, so they read like host paths. */
function relProblems(root: string, problems: string[]): string[] {
  return problems.map((p) => p.split(root).join(''));
}

async function expectHostInputError(p: Promise<unknown>, message: string | RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HostInputError);
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  if (typeof message === 'string') expect(msg).toBe(message);
  else expect(msg).toMatch(message);
}

const fixtureHosts = readdirSync(HOSTS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'virsh')
  .map((d) => d.name)
  .sort();

describe('takeSnapshot on fixture hosts', () => {
  it('has the fixtures the issue asks for', () => {
    expect(fixtureHosts).toEqual(
      expect.arrayContaining([
        'one-node-2m',
        'tutorial-two-nodes',
        'pools-no-mount',
        'no-1g',
        'ksm-on-thp-never',
        'sparse-nodes',
        'this-machine',
      ]),
    );
  });

  it.each(fixtureHosts)('%s gives its golden snapshot, without problems', async (name) => {
    const root = path.join(HOSTS, name);
    const { snapshot, problems } = await takeSnapshot({ root, now: NOW });
    expect(problems).toEqual([]);
    golden(path.join(root, 'expected.json'), snapshot);
    await expect(validateSnapshot(snapshot, 'expected.json')).resolves.toBeDefined();
    // The golden file is itself a valid snapshot input.
    expect(await loadHostInput(path.join(root, 'expected.json'))).toEqual(snapshot);
  });

  it('reads the tutorial host as the tutorial describes it', async () => {
    const { snapshot: s } = await takeSnapshot({ root: path.join(HOSTS, 'tutorial-two-nodes'), now: NOW });
    expect(s.nodes?.map((n) => n.id)).toEqual([0, 1]);
    const pool = (node: number, size: number) =>
      s.nodes?.find((n) => n.id === node)?.hugepages?.find((p) => p.sizeKiB === size);
    expect(pool(0, 1048576)).toMatchObject({ total: 4, free: 4 });
    expect(pool(1, 2048)).toMatchObject({ total: 1024, free: 1024 });
    expect(pool(0, 2048)).toMatchObject({ total: 0 });
    expect(s.mounts?.map((m) => [m.path, m.pageSizeKiB])).toEqual([
      ['/dev/hugepages1G', 1048576],
      ['/dev/hugepages2M', 2048],
    ]);
    expect(s.defaultHugepageSizeKiB).toBe(2048);
    expect(s.memoryCgroup).toBe('v1');
  });

  it('keeps sparse node ids', async () => {
    const { snapshot: s } = await takeSnapshot({ root: path.join(HOSTS, 'sparse-nodes'), now: NOW });
    expect(s.nodes?.map((n) => [n.id, n.online])).toEqual([
      [0, true],
      [8, true],
    ]);
    // An escaped mount point and size limits.
    expect(s.mounts?.[1]).toMatchObject({
      path: '/mnt/huge 1g',
      pageSizeKiB: 1048576,
      sizeLimitKiB: 4194304,
      minSizeKiB: 2097152,
      nrInodes: 64,
    });
  });

  it('tells pools without mounts, missing 1 GiB support, KSM and THP apart', async () => {
    const take = async (name: string) => (await takeSnapshot({ root: path.join(HOSTS, name), now: NOW })).snapshot;
    const noMount = await take('pools-no-mount');
    expect(noMount.mounts).toEqual([]);
    expect(noMount.hugepages?.map((p) => [p.sizeKiB, p.total])).toEqual([
      [2048, 256],
      [1048576, 2],
    ]);
    const no1g = await take('no-1g');
    expect(no1g.hugepages?.map((p) => p.sizeKiB)).toEqual([2048]);
    expect(no1g.cpu.pdpe1gb).toBe(false);
    expect(no1g.kvm).toEqual({ devKvm: false, eptEnabled: null, nptEnabled: null });
    const ksm = await take('ksm-on-thp-never');
    expect(ksm.ksm).toEqual({ run: 1, mergeAcrossNodes: false, pagesShared: 1200, pagesSharing: 5400 });
    expect(ksm.thp).toEqual({ enabled: 'never', defrag: 'never' });
    expect(ksm.cpu).toMatchObject({ svm: true, npt: true, vmx: false });
    expect(ksm.kvm.nptEnabled).toBe(true);
  });

  it('refuses a root that is not a host tree (missing, or without sys/ and proc/)', async () => {
    await expect(takeSnapshot({ root: path.join(scratch, 'nonexistent'), now: NOW })).rejects.toThrow(/no such directory/);
    const bare = mkdtempSync(path.join(scratch, 'bare-'));
    await expect(takeSnapshot({ root: bare, now: NOW })).rejects.toThrow(/not a host tree: no sys\/ and no proc\//);
    mkdirSync(path.join(bare, 'proc'));
    await expect(takeSnapshot({ root: bare, now: NOW })).rejects.toThrow(/not a host tree: no sys\/ under it/);
  });

  it('gives unknown, not errors, for a root whose sys/ and proc/ hold nothing (a container)', async () => {
    const root = mkdtempSync(path.join(scratch, 'empty-'));
    mkdirSync(path.join(root, 'sys'));
    mkdirSync(path.join(root, 'proc'));
    const { snapshot, problems } = await takeSnapshot({ root, now: NOW });
    expect(problems).toEqual([]);
    expect(snapshot).toMatchObject({
      hostname: null,
      kernelRelease: null,
      defaultHugepageSizeKiB: null,
      hugepages: null,
      nodes: null,
      mounts: null,
      memoryCgroup: null,
      kvm: { devKvm: null, eptEnabled: null, nptEnabled: null },
    });
    expect(Object.values(snapshot.memory).every((v) => v === null)).toBe(true);
    expect(Object.values(snapshot.cpu).every((v) => v === null)).toBe(true);
    expect(Object.values(snapshot.ksm).every((v) => v === null)).toBe(true);
    await validateSnapshot(snapshot, 'empty');
  });

  it('records takenAt from `now`', async () => {
    const { snapshot } = await takeSnapshot({ root: path.join(HOSTS, 'one-node-2m'), now: NOW });
    expect(snapshot.takenAt).toBe('2024-05-01T12:00:00.000Z');
  });

  it('is fast on a host with 8 nodes and 2 page sizes', async () => {
    const root = copyHost('tutorial-two-nodes');
    const nodeDir = path.join(root, 'sys/devices/system/node');
    for (let i = 2; i < 8; i++) {
      cpSync(path.join(nodeDir, 'node1'), path.join(nodeDir, `node${i}`), { recursive: true });
      const meminfo = path.join(nodeDir, `node${i}`, 'meminfo');
      writeFileSync(meminfo, readFileSync(meminfo, 'utf8').replaceAll('Node 1 ', `Node ${i} `));
    }
    writeFileSync(path.join(nodeDir, 'online'), '0-7\n');
    await takeSnapshot({ root }); // warm up
    const start = performance.now();
    const { snapshot, problems } = await takeSnapshot({ root });
    const ms = performance.now() - start;
    expect(problems).toEqual([]);
    expect(snapshot.nodes).toHaveLength(8);
    expect(snapshot.nodes?.[7]?.hugepages).toHaveLength(2);
    expect(ms).toBeLessThan(100);
  });
});

describe('takeSnapshot on damaged hosts', () => {
  it('reports garbage numbers, truncated files and unreadable files, one line each, and carries on', async () => {
    const root = copyHost('one-node-2m');
    const put = (rel: string, text: string) => writeFileSync(path.join(root, rel), text);
    put('sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages', '12abc\n');
    put('sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages', '');
    put('sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages', '51'); // cut short
    put('proc/meminfo', 'MemTotal:       32780592 kB\nMemAvailable:   oops kB\nCommitLimit:    15866008 kB\nHugepagesize:       20');
    put('proc/mounts', 'hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2X 0 0\nbroken-line\n');
    put('sys/devices/system/node/online', 'zero\n');
    put('sys/kernel/mm/ksm/run', '7\n');
    put('sys/kernel/mm/transparent_hugepage/enabled', 'always madvise never\n');
    put('sys/module/kvm_intel/parameters/ept', 'maybe\n');
    put('proc/sys/vm/overcommit_memory', '-1\n');
    // A directory where a file should be cannot be read.
    rmSync(path.join(root, 'proc/sys/kernel/hostname'));
    mkdirSync(path.join(root, 'proc/sys/kernel/hostname'));

    const { snapshot: s, problems } = await takeSnapshot({ root, now: NOW });
    expect(relProblems(root, problems)).toEqual([
      '/proc/sys/kernel/hostname: cannot read (is a directory)',
      '/proc/meminfo: truncated: the last line "Hugepagesize:       20" has no line end',
      '/proc/meminfo: MemAvailable is not a number: "oops kB"',
      '/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages: expected a whole number, found "12abc"',
      '/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages: file is empty',
      '/sys/devices/system/node/online: expected a node list such as 0-1,8, found "zero"',
      '/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages: truncated: the last line "51" has no line end',
      '/proc/mounts: mount /dev/hugepages: pagesize=2X is not a page size',
      '/proc/mounts: line 2 has fewer than 4 fields: "broken-line"',
      '/proc/sys/vm/overcommit_memory: expected one of 0, 1, 2, found "-1"',
      '/sys/kernel/mm/transparent_hugepage/enabled: no [selected] value in "always madvise never"',
      '/sys/kernel/mm/ksm/run: expected one of 0, 1, 2, found "7"',
      '/sys/module/kvm_intel/parameters/ept: expected Y, N, 1 or 0, found "maybe"',
    ]);
    expect(s.hostname).toBeNull();
    expect(s.memory).toMatchObject({ totalKiB: 32780592, availableKiB: null, commitLimitKiB: 15866008, overcommitMode: null });
    expect(s.defaultHugepageSizeKiB).toBeNull();
    expect(s.hugepages?.[0]).toEqual({ sizeKiB: 2048, total: 512, free: null, reserved: null, surplus: 0, overcommit: 0 });
    expect(s.nodes?.[0]).toMatchObject({ id: 0, online: null });
    expect(s.nodes?.[0]?.hugepages?.[0]).toEqual({ sizeKiB: 2048, total: null, free: 500, surplus: 0 });
    expect(s.mounts).toEqual([
      expect.objectContaining({ path: '/dev/hugepages', pageSizeKiB: null, pageSizeExplicit: true }),
    ]);
    expect(s.ksm.run).toBeNull();
    expect(s.thp).toEqual({ enabled: null, defrag: 'madvise' });
    expect(s.kvm.eptEnabled).toBeNull();
    // Still a valid snapshot: unknowns are null.
    await validateSnapshot(s, 'damaged');
  });

  it('uses the default size for a mount without pagesize=, and unknown when that is unknown too', async () => {
    const root = copyHost('one-node-2m');
    writeFileSync(path.join(root, 'proc/mounts'), 'nodev /mnt/huge hugetlbfs rw,relatime 0 0\n');
    let { snapshot } = await takeSnapshot({ root });
    expect(snapshot.mounts).toEqual([
      {
        path: '/mnt/huge',
        device: 'nodev',
        pageSizeKiB: 2048,
        pageSizeExplicit: false,
        sizeLimitKiB: null,
        minSizeKiB: null,
        nrInodes: null,
        options: 'rw,relatime',
      },
    ]);
    rmSync(path.join(root, 'proc/meminfo'));
    ({ snapshot } = await takeSnapshot({ root }));
    expect(snapshot.mounts?.[0]?.pageSizeKiB).toBeNull();
  });

  it('reads ept from the vmx flags line, and leaves it unknown when an old kernel does not say', async () => {
    const root = copyHost('one-node-2m');
    const cpuinfo = path.join(root, 'proc/cpuinfo');
    const text = readFileSync(cpuinfo, 'utf8');
    // ept only on the `vmx flags` line
    writeFileSync(cpuinfo, text.replace(/ flexpriority ept vpid ept_ad/, ' flexpriority vpid'));
    expect((await takeSnapshot({ root })).snapshot.cpu.ept).toBe(true);
    // neither line names it, but a vmx flags line exists: no EPT
    writeFileSync(cpuinfo, text.replace(/ flexpriority ept vpid ept_ad/, '').replace(/ ept vpid unrestricted_guest/, ' vpid'));
    expect((await takeSnapshot({ root })).snapshot.cpu.ept).toBe(false);
    // VT-x, no vmx flags line, no ept token: cannot tell
    writeFileSync(cpuinfo, text.replace(/ flexpriority ept vpid ept_ad/, '').replace(/^vmx flags.*\n/m, ''));
    expect((await takeSnapshot({ root })).snapshot.cpu.ept).toBeNull();
  });

  it('tells cgroup v2 from v1 and from unknown', async () => {
    const root = copyHost('one-node-2m');
    const mounts = path.join(root, 'proc/mounts');
    const take = async (text: string) => {
      writeFileSync(mounts, text);
      return (await takeSnapshot({ root })).snapshot.memoryCgroup;
    };
    expect(await take('cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n')).toBe('v2');
    // hybrid: the memory controller is on v1
    expect(
      await take(
        'cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n',
      ),
    ).toBe('v1');
    expect(await take('/dev/sda1 / ext4 rw 0 0\n')).toBeNull();
  });
});

describe('virsh capabilities and freepages', () => {
  const caps = path.join(VIRSH, 'capabilities-two-nodes.xml');
  const free = path.join(VIRSH, 'freepages-two-nodes.txt');

  it('maps virsh capabilities onto a snapshot', async () => {
    const s = await snapshotFromCapabilities(readFileSync(caps, 'utf8'), caps);
    golden(path.join(VIRSH, 'capabilities-two-nodes.expected.json'), s);
    await validateSnapshot(s, 'caps');
    expect(s.nodes?.map((n) => [n.id, n.memTotalKiB])).toEqual([
      [0, 65878648],
      [1, 65875992],
    ]);
    expect(s.hugepages).toEqual([
      { sizeKiB: 2048, total: 1024, free: null, reserved: null, surplus: null, overcommit: null },
      { sizeKiB: 1048576, total: 4, free: null, reserved: null, surplus: null, overcommit: null },
    ]);
    expect(s.cpu).toEqual({ pdpe1gb: true, vmx: true, svm: null, ept: null, npt: null });
    expect(s.kvm.devKvm).toBe(true);
    // What capabilities cannot tell stays unknown.
    expect([s.mounts, s.defaultHugepageSizeKiB, s.thp.enabled, s.ksm.run, s.hostname]).toEqual([null, null, null, null, null]);
  });

  it('maps virsh freepages --all onto a snapshot', async () => {
    const s = snapshotFromFreepages(readFileSync(free, 'utf8'), free);
    golden(path.join(VIRSH, 'freepages-two-nodes.expected.json'), s);
    await validateSnapshot(s, 'freepages');
    expect(s.nodes?.map((n) => [n.id, n.memFreeKiB, n.hugepages?.map((p) => [p.sizeKiB, p.free])])).toEqual([
      [0, 58021004, [[2048, 0], [1048576, 4]]],
      [1, 60203376, [[2048, 1024], [1048576, 0]]],
    ]);
    expect(s.hugepages?.map((p) => [p.sizeKiB, p.total, p.free])).toEqual([
      [2048, null, 1024],
      [1048576, null, 4],
    ]);
  });

  it('merges capabilities and freepages into what sysfs says about the same host', async () => {
    const merged = await loadHostInputs([caps, free]);
    expect(merged.sources).toEqual(['virsh-capabilities', 'virsh-freepages']);
    await validateSnapshot(merged, 'merged');
    const { snapshot: sysfs } = await takeSnapshot({ root: path.join(HOSTS, 'tutorial-two-nodes'), now: NOW });
    for (const [i, node] of (merged.nodes ?? []).entries()) {
      const real = sysfs.nodes![i]!;
      // Neither virsh output carries online state or per-node surplus pages.
      expect(node).toEqual({ ...real, online: null, hugepages: real.hugepages!.map((p) => ({ ...p, surplus: null })) });
    }
    expect(merged.hugepages?.map((p) => [p.sizeKiB, p.total, p.free, p.reserved])).toEqual([
      [2048, 1024, 1024, null],
      [1048576, 4, 4, null],
    ]);
    // sysfs first: sysfs wins, virsh fills nothing it already knows.
    const both = mergeSnapshots(sysfs, merged);
    expect({ ...both, sources: ['sysfs'] }).toEqual(sysfs);
  });

  it('handles a libvirt without KVM, cells without page info, and a single huge size', async () => {
    const xml = `<capabilities>
  <host>
    <cpu>
      <arch>x86_64</arch>
      <model>EPYC-Rome</model>
      <vendor>AMD</vendor>
      <feature name='svm'/>
      <feature name='npt'/>
    </cpu>
    <topology>
      <cells num='1'>
        <cell id='0'>
          <memory unit='KiB'>8388608</memory>
        </cell>
      </cells>
    </topology>
  </host>
  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <domain type='qemu'/>
    </arch>
  </guest>
</capabilities>
`;
    const s = await snapshotFromCapabilities(xml, 'caps.xml');
    expect(s.nodes).toEqual([{ id: 0, online: null, memTotalKiB: 8388608, memFreeKiB: null, hugepages: null }]);
    expect(s.hugepages).toBeNull();
    expect(s.kvm.devKvm).toBe(false);
    expect(s.cpu).toEqual({ pdpe1gb: null, vmx: null, svm: true, ept: null, npt: true });

    const one = snapshotFromFreepages('Node 0:\n2048KiB: 12\n\nNode 1:\n2048KiB: 3\n', 'fp.txt');
    expect(one.hugepages).toEqual([{ sizeKiB: 2048, total: null, free: 15, reserved: null, surplus: null, overcommit: null }]);
    expect(one.nodes?.[0]?.memFreeKiB).toBeNull();
  });

  it('detects the format by content', () => {
    expect(detectHostInputFormat('\uFEFF  {"schemaVersion": 1}')).toBe('snapshot-json');
    expect(detectHostInputFormat('<?xml version="1.0"?>\n<capabilities/>')).toBe('virsh-capabilities');
    expect(detectHostInputFormat('Node 0:\n4KiB: 1\n')).toBe('virsh-freepages');
    expect(detectHostInputFormat('hello')).toBeNull();
  });

  it('a snapshot written before online CPUs, numad and swap were recorded loads with them unknown', async () => {
    const s = await loadHostInput(path.join(HOSTS, '..', 'check', 'tutorial-host.json'));
    expect(s.onlineCpus).toBeNull();
    expect(s.numad).toBeNull();
    expect(s.memory.swapTotalKiB).toBeNull();
    expect(s.memory.swapFreeKiB).toBeNull();
  });

  it('records online CPUs, numad (when the root has usr/) and swap', async () => {
    const { snapshot: s } = await takeSnapshot({ root: path.join(HOSTS, 'tutorial-two-nodes'), now: NOW });
    expect(s.onlineCpus).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(s.numad).toBe(true);
    expect(s.memory.swapTotalKiB).toBe(0);
    const { snapshot: bare } = await takeSnapshot({ root: path.join(HOSTS, 'one-node-2m'), now: NOW });
    expect(bare.numad).toBeNull();
    expect(bare.onlineCpus).toBeNull();
  });

  it('loads each format through loadHostInput', async () => {
    expect((await loadHostInput(caps)).sources).toEqual(['virsh-capabilities']);
    expect((await loadHostInput(free)).sources).toEqual(['virsh-freepages']);
    expect((await loadHostInput(path.join(HOSTS, 'one-node-2m/expected.json'))).sources).toEqual(['sysfs']);
  });
});

describe('bad host inputs', () => {
  const validSnapshot = (): HostSnapshot => json(path.join(HOSTS, 'one-node-2m/expected.json')) as HostSnapshot;
  const write = (name: string, content: string): string => {
    const file = path.join(scratch, name);
    writeFileSync(file, content);
    return file;
  };

  it('names the JSON path and the reason for a wrong type', async () => {
    const s = validSnapshot() as unknown as { hugepages: Array<Record<string, unknown>> };
    s.hugepages[0]!.free = 'many';
    const file = write('snapshot.json', JSON.stringify(s));
    await expectHostInputError(loadSnapshot(file), `${file}: /hugepages/0/free: must be integer or null`);
  });

  it('explains other schema violations in plain words', async () => {
    const cases: Array<[(s: Record<string, any>) => void, string]> = [
      [(s) => delete s.mounts, '/: missing required property "mounts"'],
      [(s) => (s.thp.colour = 'blue'), '/thp: unknown property "colour"'],
      [(s) => (s.ksm.run = 5), '/ksm/run: must be one of 0, 1, 2, null'],
      [(s) => (s.nodes[0].hugepages[0].total = -1), '/nodes/0/hugepages/0/total: must be >= 0'],
      [(s) => (s.takenAt = 'yesterday'), '/takenAt: must be an ISO 8601 date and time such as 2024-05-01T12:00:00Z'],
      [(s) => (s.schemaVersion = 0), '/schemaVersion: must be 1'],
      [(s) => s.hugepages.push({ ...s.hugepages[0] }), '/hugepages/2: page size 2048 appears twice'],
    ];
    for (const [damage, message] of cases) {
      const s = validSnapshot() as unknown as Record<string, any>;
      damage(s);
      const file = write('bad.json', JSON.stringify(s, null, 2));
      await expectHostInputError(loadSnapshot(file), `${file}: ${message}`);
    }
  });

  it('refuses a newer schema version with a clear message', async () => {
    const file = write('snapshot.json', JSON.stringify({ ...validSnapshot(), schemaVersion: 2, futureField: true }));
    await expectHostInputError(loadSnapshot(file), `${file}: schema version 2 is newer than this kvmxml understands (1)`);
    await expectHostInputError(loadHostInput(file), `${file}: schema version 2 is newer than this kvmxml understands (1)`);
  });

  it('gives line and column for text that is not JSON', async () => {
    const file = write('broken.json', '{\n  "schemaVersion": 1,\n  hostname: "x"\n}\n');
    await expectHostInputError(loadSnapshot(file), new RegExp(`^${file}: not valid JSON at line 3 column 3: `));
    const cut = write('cut.json', '{\n  "schemaVersion": 1,\n');
    await expectHostInputError(loadSnapshot(cut), new RegExp(`^${cut}: not valid JSON at line 3 column 1: `));
    const empty = write('empty.json', '');
    await expectHostInputError(loadSnapshot(empty), `${empty}: not valid JSON at line 1 column 1: unexpected end of input`);
    const plain = write('plain.json', 'hello');
    await expectHostInputError(loadSnapshot(plain), new RegExp(`^${plain}: not valid JSON.*unexpected token 'h'`));
    const trailing = write('trailing.json', '{"schemaVersion": 1} x');
    await expectHostInputError(
      loadSnapshot(trailing),
      `${trailing}: not valid JSON at line 1 column 22: unexpected non-whitespace character after JSON`,
    );
    await expectHostInputError(loadSnapshot(write('array.json', '[]')), /expected a JSON object \(a kvmxml host snapshot\), found an array$/);
  });

  it('reports a missing file without a stack', async () => {
    const file = path.join(scratch, 'nope.json');
    await expectHostInputError(loadSnapshot(file), `${file}: cannot read (no such file)`);
    await expectHostInputError(loadHostInput(file), `${file}: cannot read (no such file)`);
  });

  it('rejects other XML and broken XML with a position, and never prints', async () => {
    const errors: unknown[] = [];
    const origError = console.error;
    const origWarn = console.warn;
    console.error = (...a: unknown[]) => errors.push(a);
    console.warn = (...a: unknown[]) => errors.push(a);
    try {
      await expectHostInputError(
        parseHostInput("<domain type='kvm'><name>x</name></domain>", 'vm.xml'),
        'vm.xml: XML root is <domain>, expected <capabilities> (the output of `virsh capabilities`)',
      );
      await expectHostInputError(
        parseHostInput('<capabilities>\n  <host>\n    <cpu a="1" a="2"/>\n  </host>\n</capabilities>', 'caps.xml'),
        /^caps\.xml: not well-formed XML at line 3 column \d+: /,
      );
      await expectHostInputError(parseHostInput('<capabilities>\n  <host>\n', 'cut.xml'), /^cut\.xml: not well-formed XML/);
      await expectHostInputError(parseHostInput('<capabilities/>', 'empty.xml'), 'empty.xml: <capabilities> has no <host> element');
      await expectHostInputError(
        parseHostInput(
          "<capabilities><host><topology><cells num='1'><cell id='0'><memory unit='KiB'>lots</memory></cell></cells></topology></host></capabilities>",
          'c.xml',
        ),
        'c.xml: cell 0 <memory>: expected a whole number, found "lots"',
      );
      await expectHostInputError(
        parseHostInput(
          "<capabilities><host><topology><cells num='1'><cell id='0'><memory unit='MiB'>8</memory></cell></cells></topology></host></capabilities>",
          'c.xml',
        ),
        "c.xml: cell 0 <memory>: unit 'MiB' is not supported (virsh capabilities writes KiB)",
      );
    } finally {
      console.error = origError;
      console.warn = origWarn;
    }
    expect(errors).toEqual([]);
  });

  it('rejects freepages text it cannot place on nodes, and unknown text', async () => {
    await expectHostInputError(
      parseHostInput('2048KiB: 12\n', 'fp.txt'),
      'fp.txt: no "Node N:" lines, so the counts cannot be placed on nodes; use `virsh freepages --all`',
    );
    await expectHostInputError(
      parseHostInput('Node 0:\n4KiB: 10\n2048KiB: twelve\n', 'fp.txt'),
      'fp.txt: line 3: expected "Node N:" or "<size>KiB: <count>" (virsh freepages --all), found "2048KiB: twelve"',
    );
    await expectHostInputError(
      parseHostInput('MemTotal: 1 kB\n', 'meminfo'),
      /^meminfo: not a host description \(expected kvmxml snapshot JSON, `virsh capabilities` XML or `virsh freepages --all` text\)/,
    );
  });
});
