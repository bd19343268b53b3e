/**
 * The host snapshot against the machine the tests run on. Tests in this file run one after
 * another; the pool test changes the 2 MiB pool and mounts a hugetlbfs briefly, so it holds the
 * libvirt lab's lock meanwhile: the lab measures the pages each guest uses from the same pools.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeSnapshot, validateSnapshot, type HostSnapshot } from '../src/host/index.js';
import { acquireLabLock } from './libvirt/lab.js';

/** How long the pool test waits for the lab (a whole lab run takes minutes: then it skips). */
const LOCK_WAIT_S = 60;

const REPO = path.resolve(import.meta.dirname, '..');
const POOL_2M = '/sys/kernel/mm/hugepages/hugepages-2048kB';

/** Why the pool test cannot run here, or null when it can. */
function poolTestSkipReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not running as root';
  try {
    accessSync('/proc/sys/vm/nr_hugepages', constants.W_OK);
  } catch {
    return '/proc/sys/vm/nr_hugepages is not writable';
  }
  if (!existsSync(`${POOL_2M}/nr_hugepages`)) return 'the kernel has no 2 MiB huge pages';
  return null;
}

function readCount(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

/** The global pool of every size, read straight from sysfs. */
function sysfsPools(): Array<Record<string, number>> {
  return readdirSync('/sys/kernel/mm/hugepages')
    .filter((d) => /^hugepages-\d+kB$/.test(d))
    .map((d) => {
      const dir = `/sys/kernel/mm/hugepages/${d}`;
      return {
        sizeKiB: Number(/\d+/.exec(d)![0]),
        total: readCount(`${dir}/nr_hugepages`),
        free: readCount(`${dir}/free_hugepages`),
        reserved: readCount(`${dir}/resv_hugepages`),
        surplus: readCount(`${dir}/surplus_hugepages`),
        overcommit: readCount(`${dir}/nr_overcommit_hugepages`),
      };
    })
    .sort((a, b) => a.sizeKiB - b.sizeKiB);
}

function meminfo(): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const m = /^(\S+):\s+(\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** What a snapshot says that does not change from one second to the next. */
function stableFacts(s: HostSnapshot): unknown {
  return {
    hostname: s.hostname,
    kernelRelease: s.kernelRelease,
    defaultHugepageSizeKiB: s.defaultHugepageSizeKiB,
    memTotal: s.memory.totalKiB,
    overcommitMode: s.memory.overcommitMode,
    sizes: s.hugepages?.map((p) => p.sizeKiB) ?? null,
    nodes: s.nodes?.map((n) => [n.id, n.online, n.memTotalKiB, n.hugepages?.map((p) => p.sizeKiB) ?? null]) ?? null,
    thp: s.thp,
    ksmRun: s.ksm.run,
    cpu: s.cpu,
    kvm: s.kvm,
    memoryCgroup: s.memoryCgroup,
  };
}

describe.runIf(process.platform === 'linux')('the live host', () => {
  it('gives a snapshot that passes the schema', async () => {
    const { snapshot, problems } = await takeSnapshot();
    await expect(validateSnapshot(JSON.parse(JSON.stringify(snapshot)), 'live')).resolves.toEqual(snapshot);
    for (const p of problems) expect(p).toMatch(/^\/\S+: /);
    expect(snapshot.sources).toEqual(['sysfs']);
    expect(snapshot.hostname).not.toBeNull();
  });

  it('takes well under a second', async () => {
    const start = performance.now();
    await takeSnapshot();
    expect(performance.now() - start).toBeLessThan(250);
  });

  it('scripts/capture-host.sh copies everything the snapshot reads', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvmxml-capture-'));
    try {
      execFileSync('sh', [path.join(REPO, 'scripts/capture-host.sh'), dir]);
      const live = await takeSnapshot();
      const copy = await takeSnapshot({ root: dir });
      expect(copy.problems).toEqual([]);
      expect(stableFacts(copy.snapshot)).toEqual(stableFacts(live.snapshot));
      expect(copy.snapshot.mounts).toEqual(live.snapshot.mounts);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matches /proc/meminfo, sysfs pools and /proc/mounts after changing the 2 MiB pool and mounting a hugetlbfs (root only)', { timeout: (LOCK_WAIT_S + 30) * 1000 }, async (ctx) => {
    const reason = poolTestSkipReason();
    ctx.skip(reason !== null, `pool test skipped: ${reason}`);
    let release: () => Promise<void>;
    try {
      release = await acquireLabLock(LOCK_WAIT_S);
    } catch (e) {
      return ctx.skip(`pool test skipped: the libvirt lab uses the huge page pools (${(e as Error).message})`);
    }
    try {
      await poolTest();
    } finally {
      await release();
    }
  });
});

async function poolTest(): Promise<void> {
  const nrFile = `${POOL_2M}/nr_hugepages`;
  const before = readCount(nrFile);
  const mountDir = mkdtempSync(path.join(tmpdir(), 'kvmxml-hugetlbfs-'));
  let mounted = false;
  try {
    writeFileSync(nrFile, `${before + 4}\n`);
    const after = readCount(nrFile);
    expect(after, 'the kernel found no memory for 4 more 2 MiB pages').toBeGreaterThan(before);
    execFileSync('mount', ['-t', 'hugetlbfs', '-o', 'pagesize=2M', 'none', mountDir]);
    mounted = true;

    const { snapshot, problems } = await takeSnapshot();
    const pools = sysfsPools();
    const mem = meminfo();
    const mountsText = readFileSync('/proc/mounts', 'utf8');

    expect(problems).toEqual([]);
    expect(snapshot.hugepages).toEqual(pools);
    const pool2m = snapshot.hugepages!.find((p) => p.sizeKiB === 2048)!;
    expect(pool2m.total).toBe(after);

    // /proc/meminfo's HugePages_* describe the default size.
    expect(snapshot.defaultHugepageSizeKiB).toBe(mem.get('Hugepagesize'));
    const dflt = snapshot.hugepages!.find((p) => p.sizeKiB === snapshot.defaultHugepageSizeKiB)!;
    expect([dflt.total, dflt.free, dflt.reserved, dflt.surplus]).toEqual([
      mem.get('HugePages_Total'),
      mem.get('HugePages_Free'),
      mem.get('HugePages_Rsvd'),
      mem.get('HugePages_Surp'),
    ]);
    expect(snapshot.memory.totalKiB).toBe(mem.get('MemTotal'));

    // Per-node pools add up to the global pool.
    for (const p of snapshot.hugepages!) {
      const nodeSum = (f: 'total' | 'free' | 'surplus') =>
        snapshot.nodes!.reduce((s, n) => s + n.hugepages!.find((q) => q.sizeKiB === p.sizeKiB)![f]!, 0);
      expect([nodeSum('total'), nodeSum('free'), nodeSum('surplus')]).toEqual([p.total, p.free, p.surplus]);
    }

    // The new mount, where /proc/mounts has it.
    const lines = mountsText.split('\n').filter((l) => l.split(' ')[2] === 'hugetlbfs');
    expect(snapshot.mounts!.map((m) => m.path)).toEqual(lines.map((l) => l.split(' ')[1]));
    expect(snapshot.mounts!.find((m) => m.path === mountDir)).toMatchObject({
      device: 'none',
      pageSizeKiB: 2048,
      pageSizeExplicit: true,
    });
  } finally {
    if (mounted) execFileSync('umount', [mountDir]);
    rmSync(mountDir, { recursive: true, force: true });
    writeFileSync(nrFile, `${before}\n`);
  }
  expect(readCount(nrFile)).toBe(before);
}
