/**
 * What a lab machine offers, and what each conformance case needs from it.
 *
 * Lab machines differ (one had /dev/kvm and 1 GiB pages, the next neither). The suite measures
 * the machine once (`probeMachine`), prints it, and runs a case only where the machine offers
 * what the case's label depends on; the others are skipped with the reason. Labels are never
 * rewritten to fit a machine.
 *
 * A case's needs are derived from the case itself:
 * - absolute ones, from `case.json`'s host and from `domain.xml`: the huge page sizes its pools
 *   and mounts use, memory for those pools, `type='kvm'`;
 * - relative ones, where the outcome depends on a fact of the machine it was labelled on (its
 *   `label.json` `machine`): host node binding (which host nodes exist), automatic placement
 *   (numad), locked memory and memtune hard limits (whether libvirtd may raise RLIMIT_MEMLOCK),
 *   swap_hard_limit (the memory cgroup version), CPU pinning (the online CPUs), guests larger
 *   than a host's RAM (RAM and swap). These run only where the fact is the same.
 *
 * `caseNeeds`/`unmetNeeds` are pure (the harness test feeds them fake machines);
 * `probeMachine` reads this machine and asks virsh.
 */
import { existsSync, readFileSync } from 'node:fs';
import { formatKiB, parseScaled } from '../../src/domain/units.js';
import { parseMemparse } from '../../src/host/procfs.js';
import { takeSnapshot } from '../../src/host/take.js';
import { parseXml } from '../../src/xml/document.js';
import type { XElement } from '../../src/xml/tree.js';
import type { HostSpec, Label, LoadedCase, MachineFacts } from './corpus.js';

/** What the suite knows of this machine at run time: the recorded facts plus what changes. */
export interface Machine extends MachineFacts {
  /** `MemAvailable` when probed. */
  memAvailableKiB: number | null;
  cpuModel: string | null;
  /** Online CPUs. */
  cpus: number | null;
  /** libvirtd's hard RLIMIT_MEMLOCK in KiB (null = unlimited or unknown). */
  memlockHardKiB: number | null;
}

/**
 * The share of the corpus every lab machine must run, so that the suite cannot pass by skipping.
 * Known machines: with KVM and 1 GiB pages all of it; without 1 GiB pages 232 of 240 (97%); a
 * cgroup v2 host would also skip the swap_hard_limit cases.
 */
export const MIN_SHARE = 0.85;

/** One thing a case needs; `key` groups skip reasons in the summary. */
export interface Need {
  key: string;
  /** What the case needs, as a reader would say it. */
  what: string;
  met(m: Machine): boolean;
  /** Why this machine does not offer it (only asked when `met` is false). */
  missing(m: Machine): string;
  /** The need is "the same fact as the labelling machine" (a new label records it instead). */
  relative?: boolean;
}

const kib = formatKiB;

/** The huge page sizes (KiB) a host spec uses, in its pools (count > 0) and its mounts. */
function hostPageSizes(host: HostSpec | undefined, defaultKiB: number): number[] {
  const sizes = new Set<number>();
  for (const [size, n] of Object.entries(host?.hugepages ?? {})) if (n > 0) sizes.add(Number(size));
  for (const m of host?.mounts ?? []) sizes.add(m.pagesize ? mountPageKiB(m.pagesize) : defaultKiB);
  return [...sizes].sort((a, b) => a - b);
}

/** A lab mount's `pagesize=` option (2M, 1G) in KiB, read as the kernel reads it. */
function mountPageKiB(option: string): number {
  const bytes = parseMemparse(option);
  if (bytes === null) throw new Error(`pagesize ${option}`);
  return bytes / 1024;
}

/** The needs of a host spec alone (used for cases and for tests that apply a host themselves). */
export function hostNeeds(host: HostSpec | undefined): Need[] {
  const needs: Need[] = [];
  for (const size of hostPageSizes(host, 2048)) {
    needs.push({
      key: `no ${kib(size)} huge pages`,
      what: `${kib(size)} huge pages`,
      met: (m) => m.hugepageSizesKiB.includes(size),
      missing: (m) => `this kernel offers no ${kib(size)} huge pages (it offers ${m.hugepageSizesKiB.map(kib).join(', ') || 'none'})`,
    });
  }
  const poolKiB = Object.entries(host?.hugepages ?? {}).reduce((sum, [size, n]) => sum + Number(size) * n, 0);
  if (poolKiB > 0) {
    // the pools plus a guest's own overhead must fit in what the machine has free
    const wanted = poolKiB + 512 * 1024;
    needs.push({
      key: 'not enough free memory',
      what: `${kib(poolKiB)} of huge page pools`,
      met: (m) => m.memAvailableKiB === null || m.memAvailableKiB >= wanted,
      missing: (m) => `its pools need ${kib(poolKiB)} and this machine has ${kib(m.memAvailableKiB ?? 0)} available`,
    });
  }
  return needs;
}

function* elements(e: XElement): Generator<XElement> {
  yield e;
  for (const c of e.children) if (c.kind === 'element') yield* elements(c);
}
const attr = (e: XElement, name: string) => e.attributes.find((a) => a.name === name)?.value;

/** The needs of a domain definition alone (its virt type). */
export function domainNeeds(xml: string): Need[] {
  const parsed = parseXml(xml);
  if (!parsed.ok) return [];
  if (attr(parsed.doc.root, 'type') !== 'kvm') return [];
  return [
    {
      key: 'no KVM',
      what: "type='kvm'",
      met: (m) => m.kvm,
      missing: () => "the domain says type='kvm' and this machine has no usable KVM (/dev/kvm, or libvirt offers no kvm guests)",
    },
  ];
}

/**
 * Guests this large (lab cases are 32–256 MiB otherwise) that got as far as QEMU mapping their
 * RAM are about the host's RAM: whether QEMU may map them depends on the machine's RAM and swap
 * (vm.overcommit_memory=0 refuses a mapping larger than both together).
 */
const BIG_GUEST_KIB = 8 * 1048576;

/** `<memory>` in KiB, when it is a plain size. */
function guestMemoryKiB(root: XElement): number | null {
  const mem = root.children.find((c): c is XElement => c.kind === 'element' && c.name === 'memory');
  if (!mem) return null;
  const r = parseScaled(mem.children.map((c) => (c.kind === 'text' ? c.value : '')).join(''), attr(mem, 'unit') ?? null, './memory[1]');
  return r.ok ? r.kib : null;
}

/** Needs where the labelled outcome depends on a fact of the labelling machine. */
function labelledFactNeeds(xml: string, label: Label | null): Need[] {
  const parsed = parseXml(xml);
  if (!parsed.ok) return [];
  const all = [...elements(parsed.doc.root)];
  const labelled = label?.machine;
  if (!labelled) return [];
  const needs: Need[] = [];
  const same = <T>(key: string, what: string, fact: (m: MachineFacts) => T, show: (v: T) => string): Need => ({
    key,
    what,
    relative: true,
    met: (m) => JSON.stringify(fact(m)) === JSON.stringify(fact(labelled)),
    missing: (m) => `its label assumes ${show(fact(labelled))}; this machine has ${show(fact(m))}`,
  });
  const has = (name: string, test: (e: XElement) => boolean = () => true) => all.some((e) => e.name === name && test(e));

  if (has('numatune') || has('memory', (e) => e.parent?.name === 'devices' && all.some((t) => t.name === 'nodemask')))
    needs.push(same('other host NUMA nodes', 'host NUMA nodes', (m) => m.hostNodes, (v) => `host nodes ${v.join(',') || 'none'}`));
  if (all.some((e) => attr(e, 'placement') === 'auto'))
    needs.push(same('other numad', 'numad', (m) => m.numad, (v) => (v ? 'numad' : 'no numad')));
  if (has('locked') || has('hard_limit'))
    needs.push(
      same('other locked-memory limit', 'locked-memory limit', (m) => m.memlockRaisable, (v) =>
        v ? 'a locked-memory limit libvirtd may raise' : 'a locked-memory limit libvirtd cannot raise',
      ),
    );
  if (has('swap_hard_limit'))
    needs.push(same('other memory cgroup', 'memory cgroup', (m) => m.memoryCgroup, (v) => `memory cgroup ${v ?? 'unknown'}`));
  if (has('vcpupin') || has('emulatorpin') || has('iothreadpin') || has('vcpu', (e) => attr(e, 'cpuset') !== undefined))
    needs.push(same('other online CPUs', 'host online CPUs', (m) => m.onlineCpus ?? null, (v) => `online CPUs ${v ? v.join(',') : 'unknown'}`));
  const guestKiB = guestMemoryKiB(parsed.doc.root);
  const reachedQemuRam = label?.start ? label.start.ok || /Cannot allocate memory/.test(label.start.error) : false;
  if (guestKiB !== null && guestKiB >= BIG_GUEST_KIB && reachedQemuRam)
    needs.push(
      same('other host RAM and swap', 'host RAM and swap', (m) => (m.memTotalKiB === undefined ? null : m.memTotalKiB + (m.swapTotalKiB ?? 0) < guestKiB), (v) =>
        v === null ? 'unknown host RAM' : v ? `RAM and swap below the guest's ${kib(guestKiB)}` : `RAM and swap of at least the guest's ${kib(guestKiB)}`,
      ),
    );
  return needs;
}

/** Everything a conformance case needs from the machine to reproduce its label. */
export function caseNeeds(c: Pick<LoadedCase, 'xml' | 'case' | 'label'>): Need[] {
  return [...hostNeeds(c.case.host), ...domainNeeds(c.xml), ...labelledFactNeeds(c.xml, c.label)];
}

/** The needs this machine does not meet (empty = the case can run here). */
export function unmetNeeds(needs: Need[], m: Machine): Need[] {
  return needs.filter((n) => !n.met(m));
}

/** One line: why a case is skipped on this machine. */
export function skipReason(unmet: Need[], m: Machine): string {
  return unmet.map((n) => n.missing(m)).join('; ');
}

/** The facts a label records (stable ones only, so that relabelling on the same machine changes nothing). */
export function recordedFacts(m: Machine): MachineFacts {
  const { kvm, hugepageSizesKiB, hostNodes, cpuVendor, memoryCgroup, memlockRaisable, numad, onlineCpus, memTotalKiB, swapTotalKiB } = m;
  return {
    kvm,
    hugepageSizesKiB,
    hostNodes,
    cpuVendor,
    memoryCgroup,
    memlockRaisable,
    numad,
    ...(onlineCpus !== undefined ? { onlineCpus } : {}),
    ...(memTotalKiB !== undefined ? { memTotalKiB } : {}),
    ...(swapTotalKiB !== undefined ? { swapTotalKiB } : {}),
  };
}

/** A multi-line description of the machine for the start of the suite. */
export function describeMachine(m: Machine, versions: { libvirt: string; qemu: string } | null): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return [
    `libvirt ${versions?.libvirt ?? '?'} + QEMU ${versions?.qemu ?? '?'}`,
    `KVM usable: ${yes(m.kvm)}`,
    `huge page sizes: ${m.hugepageSizesKiB.map(kib).join(', ') || 'none'}`,
    `memory available: ${m.memAvailableKiB === null ? 'unknown' : `${(m.memAvailableKiB / 1048576).toFixed(1)} GiB`}`,
    `host NUMA nodes: ${m.hostNodes.join(',') || 'unknown'}`,
    `CPU: ${m.cpuVendor ?? 'unknown'} ${m.cpuModel ?? ''} (${m.cpus ?? '?'} online)`.replace(/ +\(/, ' ('),
    `memory cgroup: ${m.memoryCgroup ?? 'unknown'}`,
    `libvirtd may raise RLIMIT_MEMLOCK: ${yes(m.memlockRaisable)} (hard limit ${m.memlockHardKiB === null ? 'unlimited' : kib(m.memlockHardKiB)})`,
    `numad: ${yes(m.numad)}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// probing this machine

const CAP_SYS_RESOURCE = 24;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The process whose limits libvirt's QEMU children inherit: libvirtd when it runs, else this one. */
function daemonPid(): string {
  const pid = read('/run/libvirtd.pid')?.trim();
  return pid && existsSync(`/proc/${pid}/status`) ? pid : 'self';
}

function memlockOf(pid: string): { raisable: boolean; hardKiB: number | null } {
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(read(`/proc/${pid}/status`) ?? '')?.[1];
  const capSysResource = capEff !== undefined && (BigInt(`0x${capEff}`) >> BigInt(CAP_SYS_RESOURCE)) & 1n ? true : false;
  const line = /^Max locked memory\s+(\S+)\s+(\S+)\s+bytes/m.exec(read(`/proc/${pid}/limits`) ?? '');
  const hard = line?.[2];
  const hardKiB = hard === undefined || hard === 'unlimited' ? null : Math.floor(Number(hard) / 1024);
  return { raisable: capSysResource || hard === 'unlimited', hardKiB };
}

/** Reads this machine (sysfs/procfs through the host snapshot, /proc for libvirtd, virsh capabilities). */
export async function probeMachine(capabilitiesXml: string | null): Promise<Machine> {
  const { snapshot } = await takeSnapshot();
  const cpuinfo = read('/proc/cpuinfo') ?? '';
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo)?.[1]?.trim() ?? null;
  const memlock = memlockOf(daemonPid());
  // libvirt offers kvm guests only when /dev/kvm works; without capabilities, /dev/kvm decides
  const libvirtKvm = capabilitiesXml === null ? null : /<domain\s+type=['"]kvm['"]/.test(capabilitiesXml);
  return {
    kvm: snapshot.kvm.devKvm === true && libvirtKvm !== false,
    hugepageSizesKiB: (snapshot.hugepages ?? []).map((p) => p.sizeKiB),
    hostNodes: (snapshot.nodes ?? []).map((n) => n.id),
    cpuVendor: field('vendor_id'),
    memoryCgroup: snapshot.memoryCgroup,
    memlockRaisable: memlock.raisable,
    numad: snapshot.numad === true,
    memAvailableKiB: snapshot.memory.availableKiB,
    cpuModel: field('model name'),
    cpus: snapshot.onlineCpus?.length ?? null,
    ...(snapshot.onlineCpus ? { onlineCpus: snapshot.onlineCpus } : {}),
    ...(snapshot.memory.totalKiB !== null ? { memTotalKiB: snapshot.memory.totalKiB } : {}),
    ...(snapshot.memory.swapTotalKiB !== null ? { swapTotalKiB: snapshot.memory.swapTotalKiB } : {}),
    memlockHardKiB: memlock.hardKiB,
  };
}
