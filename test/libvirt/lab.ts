/**
 * Driving the real libvirt lab (scripts/libvirt-lab.sh + virsh): shared by the labeller
 * (scripts/label.mjs) and the "label is true" test. Everything that observes libvirt is here;
 * what is stored and how it is compared is in corpus.ts.
 *
 * Only one process may drive libvirtd and the huge page pools at a time: callers take the lab
 * lock (`acquireLabLock`, or `prepareLab` which takes it) for their whole session, and every
 * script call made from here says so with KVMXML_LAB_LOCK_HELD=1.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  REPO_ROOT,
  checkCaseShape,
  domainName,
  extractFragments,
  hostKey,
  labelFile,
  loadCases,
  normaliseMessage,
  orderByHost,
  selectedLibvirt,
  serialiseLabel,
  virshErrorMessage,
  type HostSpec,
  type Label,
  type LoadedCase,
  type Outcome,
} from './corpus.js';
import { caseNeeds, describeMachine, probeMachine, recordedFacts, skipReason, unmetNeeds, type Machine } from './machine.js';

export const LAB_SCRIPT = join(REPO_ROOT, 'scripts', 'libvirt-lab.sh');
export const LAB_LOCK = process.env.KVMXML_LAB_LOCK ?? '/run/kvmxml-lab.lock';
/** The lab libvirt this process drives (KVMXML_LAB_LIBVIRT) and its connection URI. */
export const LAB_LIBVIRT = selectedLibvirt();
let uri: string | null = null;
export function labUri(): string {
  uri ??= execFileSync('bash', [join(REPO_ROOT, 'scripts', 'libvirt-lab.sh'), 'uri'], { encoding: 'utf8' }).trim();
  return uri;
}
const HUGEPAGES_SYS = '/sys/kernel/mm/hugepages';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[${cmd} ${args.join(' ')}: killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolveRun({ code: 127, stdout, stderr: stderr + String(e) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** The host cannot supply what a case asks for (e.g. 1 GiB pages the kernel will not give). */
export class HostShortError extends Error {}

/** Runs a lab subcommand under the lock the caller holds; throws with the script's words on failure. */
export async function lab(...args: string[]): Promise<string> {
  const r = await run('bash', [LAB_SCRIPT, ...args], 900_000, { ...process.env, KVMXML_LAB_LOCK_HELD: '1' });
  if (r.code !== 0) {
    const msg = `scripts/libvirt-lab.sh ${args[0] ?? ''} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
    if (r.stderr.includes('HOST_SHORT')) throw new HostShortError(msg);
    throw new Error(msg);
  }
  return r.stdout;
}

export function virsh(...args: string[]): Promise<RunResult> {
  return run('virsh', ['-c', labUri(), ...args], 120_000);
}

/**
 * Define errors after which the lab daemon's heap is known to be damaged, per libvirt version.
 * libvirt 9.0's virDomainNumaDefNodeDistanceParseXML (src/conf/numa_conf.c) ends every error
 * with `def->mem_nodes[i].ndistances = 0` after its loop, i.e. one element past the array. The
 * daemon lives on and fails later: a define error printed cut short, a crash or a hang some
 * cases on (seen three times in suite runs). 11.3 returns directly and has no such write.
 * Every error that function reports names a sibling or the distances.
 */
const HEAP_DAMAGING_DEFINE_ERRORS: Record<string, RegExp> = {
  '9.0': /NUMA distances defined without siblings|element 'sibling'|'sibling_id \d+' does not refer|is invalid for 'sibling id/,
};

/**
 * `virsh define FILE`; when libvirt's answer is one that damages the daemon (above), libvirtd
 * is started afresh before anything else talks to it. Needs the lab lock.
 */
export async function defineFile(file: string): Promise<RunResult> {
  const r = await virsh('define', file);
  const damaging = HEAP_DAMAGING_DEFINE_ERRORS[LAB_LIBVIRT];
  if (r.code !== 0 && damaging?.test(r.stderr)) await lab('restart');
  return r;
}

/**
 * Takes the lab lock (waiting up to `timeoutSec`): a `flock` child holds it until `release`
 * is called or this process dies (its stdin pipe closes then).
 */
export function acquireLabLock(timeoutSec = 900): Promise<() => Promise<void>> {
  return new Promise((resolveLock, rejectLock) => {
    const holder = spawn('flock', ['-w', String(timeoutSec), LAB_LOCK, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let done = false;
    holder.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (done || !d.includes('locked')) return;
      done = true;
      resolveLock(
        () =>
          new Promise<void>((resolveRelease) => {
            if (holder.exitCode !== null) return resolveRelease();
            holder.on('close', () => resolveRelease());
            holder.stdin.end();
          }),
      );
    });
    holder.on('error', (e) => {
      if (!done) rejectLock(new Error(`cannot take the lab lock ${LAB_LOCK}: ${String(e)}`));
      done = true;
    });
    holder.on('close', (code) => {
      if (!done) rejectLock(new Error(`another process has held the lab lock ${LAB_LOCK} for ${timeoutSec}s (flock exit ${code})`));
      done = true;
    });
  });
}

export interface LabSession {
  available: boolean;
  /** Why the lab is unavailable (one line). */
  reason?: string;
  /** Whether this session started the daemons (and so should stop them). */
  startedDaemons: boolean;
  /** Resets the host, stops what this session started, releases the lock. */
  close(): Promise<void>;
}

async function answers(): Promise<boolean> {
  const r = await run('virsh', ['-c', labUri(), 'version'], 15_000);
  return r.code === 0;
}

/**
 * Makes real libvirt available if this machine can have it: root, packages (installed by
 * `setup` when missing), daemons (started when not answering). Holds the lab lock on success.
 */
export async function prepareLab(): Promise<LabSession> {
  const unavailable = (reason: string): LabSession => ({ available: false, reason, startedDaemons: false, close: async () => {} });
  if (process.platform !== 'linux') return unavailable(`real libvirt needs Linux (this is ${process.platform})`);
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return unavailable(`not root (uid ${uid}): libvirtd, huge page pools and hugetlbfs mounts need root`);
  const release = await acquireLabLock();
  let startedDaemons = false;
  try {
    if (!(await answers())) {
      try {
        await lab('setup');
      } catch (e) {
        await release();
        return unavailable(`libvirt packages missing and not installable: ${(e as Error).message}`);
      }
      try {
        await lab('start');
      } catch (e) {
        await release();
        return unavailable(`libvirtd could not be started: ${(e as Error).message}`);
      }
      startedDaemons = true;
    }
  } catch (e) {
    await release();
    throw e;
  }
  forgetHost();
  return {
    available: true,
    startedDaemons,
    close: async () => {
      try {
        await lab(startedDaemons ? 'stop' : 'reset');
      } finally {
        forgetHost();
        await release();
      }
    },
  };
}

export interface Versions {
  libvirt: string;
  qemu: string;
}

/** This machine, as the suite and the labeller see it (libvirt must answer). */
export async function labMachine(): Promise<Machine> {
  const caps = await virsh('capabilities');
  return probeMachine(caps.code === 0 ? caps.stdout : null);
}

export async function labVersions(): Promise<Versions> {
  // the daemon's own version: the chroot's daemon is newer than the host's virsh and library
  const r = await virsh('version', '--daemon');
  if (r.code !== 0) throw new Error(`virsh version failed: ${r.stderr.trim()}`);
  const lib = /Running against daemon: (\S+)/.exec(r.stdout)?.[1];
  const qemu = /Running hypervisor: QEMU (\S+)/.exec(r.stdout)?.[1];
  if (!lib || !qemu) throw new Error(`unexpected virsh version output: ${r.stdout}`);
  return { libvirt: lib, qemu };
}

// ---------------------------------------------------------------------------------------------
// host

let appliedHost: string | null = null;

/** Applies a case's host unless it is the one applied last by this process. */
export async function ensureHost(host: HostSpec | undefined): Promise<void> {
  const key = hostKey(host);
  if (key === appliedHost) return;
  appliedHost = null;
  await lab('apply-host', JSON.stringify({ hugepages: host?.hugepages ?? {}, mounts: host?.mounts ?? [] }));
  appliedHost = key;
}

export function forgetHost(): void {
  appliedHost = null;
}

interface Pool {
  nr: number;
  free: number;
}

function readPools(): Record<string, Pool> {
  const out: Record<string, Pool> = {};
  if (!existsSync(HUGEPAGES_SYS)) return out;
  for (const d of readdirSync(HUGEPAGES_SYS)) {
    const size = /^hugepages-(\d+)kB$/.exec(d)?.[1];
    if (!size) continue;
    const read = (f: string) => Number(readFileSync(join(HUGEPAGES_SYS, d, f), 'utf8').trim());
    out[size] = { nr: read('nr_hugepages'), free: read('free_hugepages') };
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until pages of a guest that just went away are back (free = pool), at most `ms`. */
async function waitPoolsFree(ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (Object.values(readPools()).every((p) => p.free >= p.nr)) return;
    await sleep(100);
  }
}

/** Reads the pools until two readings 300 ms apart agree (preallocation has finished). */
async function stablePools(): Promise<Record<string, Pool>> {
  let last = JSON.stringify(readPools());
  for (let i = 0; i < 20; i++) {
    await sleep(300);
    const now = JSON.stringify(readPools());
    if (now === last) break;
    last = now;
  }
  return JSON.parse(last) as Record<string, Pool>;
}

// ---------------------------------------------------------------------------------------------
// one case

async function removeDomain(name: string): Promise<void> {
  if ((await virsh('dominfo', name)).code !== 0) return;
  await virsh('destroy', name);
  await virsh('undefine', name);
}

/** libvirt lost the race to QEMU's monitor socket (QEMU died first); the message lacks QEMU's words. */
export const MONITOR_RACE = /failed to connect to monitor socket/;

function failure(r: RunResult): Outcome {
  return { ok: false, error: normaliseMessage(virshErrorMessage(r.stderr)) };
}

/**
 * What real libvirt does with a case on the host currently applied: define, dumpxml, and (when
 * the case asks) start, pages consumed, destroy; the domain is undefined again afterwards.
 */
export async function observeCase(c: LoadedCase, versions: Versions, machine: Machine): Promise<Label> {
  const name = domainName(c);
  await removeDomain(name);
  const label: Label = { libvirt: versions.libvirt, qemu: versions.qemu, machine: recordedFacts(machine), define: { ok: true }, start: null };
  const def = await defineFile(join(c.dir, 'domain.xml'));
  if (def.code !== 0) {
    label.define = failure(def);
    // a define failure must leave nothing behind; if something was stored anyway, clean it up
    await removeDomain(name);
    return label;
  }
  try {
    const dump = await virsh('dumpxml', '--inactive', name);
    if (dump.code !== 0) throw new Error(`virsh dumpxml ${name} failed: ${dump.stderr.trim()}`);
    label.dumpxml = extractFragments(dump.stdout);
    if (c.case.start) {
      await waitPoolsFree();
      const before = readPools();
      let st = await virsh('start', name);
      // When QEMU exits very early, libvirt may lose the race to its monitor socket and report
      // only `failed to connect to monitor socket: …`, without QEMU's own message. That is
      // timing, not a different outcome: try again (a few times) for the message with QEMU's words.
      for (let retry = 0; retry < 4 && st.code !== 0 && MONITOR_RACE.test(st.stderr); retry++) {
        console.warn(`${c.name}: libvirt lost the race to QEMU's monitor socket; starting again`);
        await waitPoolsFree();
        st = await virsh('start', name);
      }
      if (st.code !== 0) label.start = failure(st);
      else {
        label.start = { ok: true };
        const after = await stablePools();
        const used: Record<string, number> = {};
        for (const [size, p] of Object.entries(before)) {
          const n = p.free - (after[size]?.free ?? p.free);
          if (n !== 0) used[size] = n;
        }
        label.hugepagesUsed = used;
        const ds = await virsh('destroy', name);
        if (ds.code !== 0) throw new Error(`virsh destroy ${name} failed: ${ds.stderr.trim()}`);
      }
    }
  } finally {
    await removeDomain(name);
  }
  return label;
}

// ---------------------------------------------------------------------------------------------
// labelling

function summary(l: Label): string {
  const o = (x: Outcome | null) => (x === null ? '-' : x.ok ? 'ok' : `FAIL ${x.error.split('\n')[0]}`);
  const used = l.hugepagesUsed && Object.keys(l.hugepagesUsed).length ? ` pages ${JSON.stringify(l.hugepagesUsed)}` : '';
  return `define ${o(l.define)}; start ${o(l.start)}${used}`;
}

/**
 * `scripts/label.mjs`: labels the given case directories (all cases when none), grouped by host
 * so that pools change rarely and libvirtd restarts only when the mount set changes.
 * Returns the process exit code.
 */
export async function labelMain(argv: string[]): Promise<number> {
  const dirs = argv.filter((a) => !a.startsWith('-'));
  const cases = loadCases(dirs.length ? dirs : undefined);
  let bad = false;
  for (const c of cases) {
    for (const p of checkCaseShape(c.case)) {
      console.error(`${c.name}: ${p}`);
      bad = true;
    }
    if (!c.xml.includes(`<name>${domainName(c)}</name>`)) {
      console.error(`${c.name}: domain.xml must be named ${domainName(c)}`);
      bad = true;
    }
  }
  if (bad) return 2;
  const session = await prepareLab();
  if (!session.available) {
    console.error(`label: real libvirt is not available: ${session.reason}`);
    return 2;
  }
  let failures = 0;
  try {
    const versions = await labVersions();
    const machine = await labMachine();
    console.log(`label: ${cases.length} case(s) on this machine:\n  ${describeMachine(machine, versions).split('\n').join('\n  ')}`);
    for (const c of orderByHost(cases)) {
      // a label records what this machine does: only what it can offer is labelled here
      // (facts it records, such as its host nodes, are the new label's to state)
      const unmet = unmetNeeds(caseNeeds({ ...c, label: null }), machine).filter((n) => !n.relative);
      if (unmet.length) {
        failures++;
        console.error(`${c.name}: NOT LABELLED: ${skipReason(unmet, machine)}`);
        continue;
      }
      try {
        await ensureHost(c.case.host);
      } catch (e) {
        failures++;
        console.error(`${c.name}: NOT LABELLED: ${(e as Error).message}`);
        continue;
      }
      const label = await observeCase(c, versions, machine);
      writeFileSync(join(c.dir, labelFile(LAB_LIBVIRT)), serialiseLabel(label));
      console.log(`${c.name}: ${summary(label)}`);
    }
  } finally {
    await session.close();
  }
  return failures ? 1 : 0;
}
