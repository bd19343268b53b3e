/**
 * Start prediction: given a domain and a host snapshot, will `virsh start` succeed? Follows
 * libvirt 9.0's start sequence (spec R8.3) backend by backend (R6.5): KVM, numad advice, the
 * hugetlbfs mount for each page size (R1.12, R2.3), host node existence (R5.4), then QEMU
 * itself — backend size against page size (R1.13) and the page reservation against the pools
 * (R1.14), per host node where the backend is strictly bound (R5.5). The first failure is the
 * verdict; what the snapshot cannot tell makes it "unknown", never a guess.
 */
import { DEFAULT_PROFILE, type Profile } from '../libvirt/profile.js';
import { libvirt, qemu as qemuSays, qemuStartFailure } from '../libvirt/messages.js';
import { renderLibvirtError } from '../domain/libvirt-error.js';
import type { CpuPin, DomainModel } from '../domain/model.js';
import { describeBackend, type MemoryBackend } from '../domain/hugepages.js';
import { resolve } from '../libvirt/resolution.js';
import { maxVcpus, needsNumad, type HostNodesetUse } from '../domain/numa.js';
import { formatKiB } from '../domain/units.js';
import { formatNodeset } from '../domain/nodeset.js';
import { attr } from '../xml/tree.js';
import type { HostSnapshot } from '../host/snapshot.js';
import type { XAttr, XElement } from '../xml/tree.js';
import { HostPools } from './host-pools.js';
import { lookupMount, noUsableMountMessage } from './mounts.js';
import { uncheckedNeeds, type Unchecked } from './unchecked.js';
import { QEMU_TYPES } from '../engine/drivers.js';

export type Verdict = 'starts' | 'fails' | 'unknown';

/** The start step a reason belongs to (spec R8.3). */
export type StartStep = 'kvm' | 'numad' | 'host-nodes' | 'mount' | 'page-size' | 'pool' | 'ram' | 'pinning';

export interface PredictionReason {
  /** `fails`: what libvirt/QEMU print; `unknown`: what the snapshot lacks. */
  kind: 'fails' | 'unknown';
  step: StartStep;
  /** The huge page size in KiB the reason is about (mount and pool steps). */
  pageSizeKiB?: number;
  message: string;
  node: XElement | XAttr;
  /** What would make it start, when we can tell. */
  suggestion?: string;
}

/** One row of the demand table: pages of one size needed on one host node (null = any node). */
export interface DemandRow {
  pageSizeKiB: number;
  hostNode: number | null;
  needed: number;
  /** Pages available there before this VM (free − reserved for the host-wide pool); null = unknown. */
  available: number | null;
  /** For a host node: the optimistic count when the exact one is not known (reserved pages are host-wide). */
  availableHigh?: number;
}

export interface Prediction {
  verdict: Verdict;
  reasons: PredictionReason[];
  demand: DemandRow[];
  /** What the start also needs that the snapshot cannot show (unless it fails anyway). */
  unchecked: Unchecked[];
}

const hex = (n: number) => `0x${n.toString(16)}`;

function sizeName(kib: number): string {
  return kib === 1048576 ? '1G' : kib === 2048 ? '2M' : `${kib}K`;
}

function poolPath(kib: number, node: number | null): string {
  return node === null ? `/sys/kernel/mm/hugepages/hugepages-${kib}kB/nr_hugepages` : `/sys/devices/system/node/node${node}/hugepages/hugepages-${kib}kB/nr_hugepages`;
}

/**
 * Predict one start. `pools` carries what earlier VMs of a batch already took; pass a fresh
 * `new HostPools(host)` (the default) to judge the VM alone.
 */
export function predictStart(domain: DomainModel, host: HostSnapshot, shared?: HostPools, profile: Profile = DEFAULT_PROFILE): Prediction {
  if (shared) return predictWith(domain, host, shared, profile);
  // Alone on the host, the verdict depends on the model, the host and the profile only: the
  // host-start rule and `kvmxml check` ask for it once.
  let byHost = alone.get(domain);
  if (!byHost) alone.set(domain, (byHost = new WeakMap()));
  let byProfile = byHost.get(host);
  if (!byProfile) byHost.set(host, (byProfile = new Map()));
  let p = byProfile.get(profile.id);
  if (!p) byProfile.set(profile.id, (p = predictWith(domain, host, new HostPools(host), profile)));
  return p;
}

const alone = new WeakMap<DomainModel, WeakMap<HostSnapshot, Map<string, Prediction>>>();

function predictWith(domain: DomainModel, host: HostSnapshot, shared: HostPools, profile: Profile): Prediction {
  // A failed start leaves no pages taken (R1.14): work on a copy, keep it only if the VM starts.
  const pools = shared.clone();
  const result = predictOn(domain, host, pools, profile);
  if (result.verdict !== 'fails') shared.commit(pools);
  return result;
}

function predictOn(domain: DomainModel, host: HostSnapshot, pools: HostPools, profile: Profile): Prediction {
  const qemu = (line: string) => qemuStartFailure(profile, line, domain.name);
  const reasons: PredictionReason[] = [];
  const demand: DemandRow[] = [];
  const fail = (step: StartStep, message: string, node: XElement | XAttr, suggestion?: string, pageSizeKiB?: number): Prediction => {
    const r: PredictionReason = { kind: 'fails', step, message, node };
    if (suggestion) r.suggestion = suggestion;
    if (pageSizeKiB !== undefined) r.pageSizeKiB = pageSizeKiB;
    reasons.push(r);
    return { verdict: 'fails', reasons: reasons.filter((r) => r.kind === 'fails'), demand, unchecked: [] };
  };
  const unknown = (step: StartStep, message: string, node: XElement | XAttr) => reasons.push({ kind: 'unknown', step, message, node });

  // 0. The sequence below is the QEMU driver's; other drivers start guests their own way.
  if (domain.type !== null && !(QEMU_TYPES as readonly string[]).includes(domain.type)) {
    const typeAttr = domain.root.attributes.find((a) => a.name === 'type') ?? domain.root;
    unknown('kvm', `kvmxml predicts starts with the QEMU driver (type ${QEMU_TYPES.join(', ')}); type='${domain.type}' goes to another libvirt driver`, typeAttr);
  }

  // 1. Virtualisation type (R7.4).
  if (domain.type === 'kvm') {
    // libvirt probes /dev/kvm itself; CPU flags are not the test (nested guests may hide vmx/svm
    // from /proc/cpuinfo and still have a working /dev/kvm, as the lab machine does).
    const kvmUsable = host.kvm.devKvm;
    const typeAttr = domain.root.attributes.find((a) => a.name === 'type') ?? domain.root;
    if (kvmUsable === false) {
      return fail(
        'kvm',
        renderLibvirtError(libvirt.emulatorWithoutKvm()),
        typeAttr,
        "the host has no /dev/kvm: load kvm_intel or kvm_amd (and enable VT-x/AMD-V in the firmware), or use type='qemu'",
      );
    }
    if (kvmUsable === null) unknown('kvm', 'the snapshot does not say whether /dev/kvm exists', typeAttr);
  }

  // 2. numad advice (R5.2): asked before anything else is built.
  if (needsNumad(domain)) {
    const where = domain.numatune?.el ?? domain.root;
    if (host.numad === false) {
      return fail('numad', renderLibvirtError(libvirt.numadFailed()), where, "automatic NUMA placement asks numad, and this host has none: install numad (and start it), or use static placement with <numatune><memory nodeset='…'/>");
    }
    if (host.numad === null) unknown('numad', `automatic NUMA placement asks numad at start (${renderLibvirtError(libvirt.numadFailed())} when numad is missing); the snapshot cannot tell whether numad is installed`, where);
  }

  // 3. libvirt: host nodes named by <numatune> must exist (R5.4) — for guests with cells all of
  // them before any backend is built, otherwise after the page size lookup — and each huge page
  // size needs its hugetlbfs mount (R1.12).
  const resolution = resolve(domain);
  const uses = resolution.hostNodesets;
  const checkHostNodes = (list: HostNodesetUse[]): Prediction | null => {
    for (const u of list) {
      if (host.nodes === null) {
        unknown('host-nodes', 'the snapshot does not list the host NUMA nodes', u.origin);
        continue;
      }
      const missing = u.nodes.find((n) => !host.nodes!.some((h) => h.id === n));
      if (missing !== undefined) return fail('host-nodes', renderLibvirtError(libvirt.hostNodeUnavailable(missing)), u.origin, `the host has NUMA node(s) ${host.nodes.map((n) => n.id).join(', ')}`);
    }
    return null;
  };
  if (domain.cells.length) {
    const failed = checkHostNodes(uses.filter((u) => u.use !== 'device'));
    if (failed) return failed;
  }
  const backends = resolution.backends;
  const pageOf = new Map<MemoryBackend, number>();
  const mountUnknown = new Set<MemoryBackend>();
  for (const b of backends) {
    if (b.pageSizeKiB !== null) {
      const memfd = b.source === 'memfd';
      const found = lookupMount(host, b.pageSizeKiB, memfd);
      const where = b.pageOrigin?.kind === 'page' ? b.pageOrigin.page.el : b.pageOrigin?.kind === 'pagesize' ? b.pageOrigin.size.el : b.el;
      if (found.ok === false) {
        const size = b.pageSizeKiB === 'default' ? null : b.pageSizeKiB;
        const hostHasSize = size === null ? null : pools.hasSize(size);
        const suggestion =
          size === null
            ? 'mount hugetlbfs (e.g. mount -t hugetlbfs hugetlbfs /dev/hugepages), then restart libvirtd: it looks for mounts only when it starts'
            : hostHasSize === false
              ? `this host's kernel offers no ${formatKiB(size)} pages at all${size === 1048576 ? ' (the CPU needs pdpe1gb)' : ''}: use a page size the host has (${(host.hugepages ?? []).map((p) => formatKiB(p.sizeKiB)).join(', ') || 'none'})`
              : `mount a hugetlbfs for ${formatKiB(size)} pages (mount -t hugetlbfs -o pagesize=${sizeName(size)} none /dev/hugepages${sizeName(size)}), then restart libvirtd: it looks for mounts only when it starts`;
        return fail('mount', found.message, where, suggestion, size ?? undefined);
      }
      if (found.ok === 'unknown') {
        unknown('mount', found.why, where);
        // An explicit size is the page size whatever the mounts are (without its mount the start
        // fails earlier), so QEMU's checks below still judge it.
        if (b.pageSizeKiB !== 'default') {
          pageOf.set(b, b.pageSizeKiB);
          mountUnknown.add(b);
        }
      } else pageOf.set(b, found.sizeKiB);
    }
  }
  if (!domain.cells.length) {
    const failed = checkHostNodes(uses.filter((u) => u.use !== 'device'));
    if (failed) return failed;
  }
  const failedDevices = checkHostNodes(uses.filter((u) => u.use === 'device'));
  if (failedDevices) return failedDevices;

  // 4. QEMU creates the backends in order: size against page size, then the page reservation.
  const rowFor = (size: number, node: number | null, available: number | null, high?: number): DemandRow => {
    let row = demand.find((r) => r.pageSizeKiB === size && r.hostNode === node);
    if (!row) {
      row = { pageSizeKiB: size, hostNode: node, needed: 0, available };
      if (high !== undefined) row.availableHigh = high;
      demand.push(row);
    }
    return row;
  };
  for (const b of backends) {
    const page = pageOf.get(b);
    if (page === undefined) {
      const failed = checkOrdinaryMemory(b, host, unknown, qemu);
      if (failed) return fail('ram', failed.message, b.sizeNode, failed.suggestion);
      continue;
    }
    if (b.sizeKiB === null) continue; // unreadable size: a define error reported by the rules
    if (b.sizeKiB < page) {
      const smaller = (host.hugepages ?? []).map((p) => p.sizeKiB).filter((s) => s < page && s <= b.sizeKiB!);
      return fail(
        'page-size',
        qemu(qemuSays.sizeBelowPage(hex(b.sizeKiB * 1024), hex(page * 1024))),
        b.sizeNode,
        `${describeBackend(b)} has ${formatKiB(b.sizeKiB)}, less than one ${formatKiB(page)} page${smaller.length ? `: use ${formatKiB(Math.max(...smaller))} pages for it` : ''}`,
      );
    }
    const pages = Math.ceil(b.sizeKiB / page);
    const policy = b.binding?.policy;
    const boundNodes = b.binding?.hostNodes ?? null;
    const strict = policy === 'bind' ? boundNodes : null;
    const availGlobal = pools.available(page)?.global ?? (pools.hasSize(page) === false ? 0 : null);
    const globalRow = rowFor(page, null, availGlobal);
    globalRow.needed += pages;
    if (strict) {
      for (const n of strict) {
        const r = pools.nodesRange(page, [n]);
        rowFor(page, n, r ? r.low : null, r && r.high !== r.low ? r.high : undefined).needed += strict.length === 1 ? pages : 0;
      }
      if (strict.length > 1) {
        // The kernel may spread a multi-node binding over its nodes: the row per node shows what is there.
        const first = rowFor(page, strict[0] as number, null);
        first.needed += pages;
      }
    }
    const res = pools.reserve(page, pages, strict);
    if (res.ok === false) {
      const short = pages - res.available;
      if (res.scope === 'global') {
        const pool = host.hugepages?.find((p) => p.sizeKiB === page);
        const target = pool?.total !== null && pool?.total !== undefined ? pool.total + short : null;
        const have = res.ceiling ? `the host has ${res.available} in all` : `${res.available} available`;
        const earlier = mountUnknown.has(b) ? ` (and without a hugetlbfs mount for ${formatKiB(page)} pages libvirt refuses the start before QEMU: ${noUsableMountMessage(page)})` : '';
        return fail(
          'pool',
          qemu(qemuSays.cannotMapGuestRam()),
          b.sizeNode,
          `${describeBackend(b)} needs ${pages} × ${formatKiB(page)} pages, ${have}: allocate ${short} more${target !== null ? ` (echo ${target} > ${poolPath(page, null)})` : ''}${earlier}`,
        );
      }
      const node = strict?.[0] ?? null;
      const nodePool = host.nodes?.find((n) => n.id === node)?.hugepages?.find((p) => p.sizeKiB === page);
      const target = nodePool?.total !== null && nodePool?.total !== undefined ? nodePool.total + short : null;
      return fail(
        'pool',
        qemu(qemuSays.preallocFailed()),
        b.binding?.origin ?? b.sizeNode,
        `${describeBackend(b)} is bound (strict) to host node(s) ${strict?.join(',')}, which have ${res.available} free ${formatKiB(page)} pages for the ${pages} it needs: allocate ${short} more there${target !== null && strict?.length === 1 ? ` (echo ${target} > ${poolPath(page, node)})` : ''}, or use mode='preferred'. (QEMU's exact text for this case is expected, not yet observed on a multi-node host.)`,
      );
    }
    if (res.ok === 'unknown') unknown('pool', `${describeBackend(b)} needs ${pages} × ${formatKiB(page)} pages: ${res.why}`, b.sizeNode);
    // QEMU ≥ 9.1 checks the size against the page size only once the mapping succeeded
    if (profile.qemuRefusesUnalignedBackend && b.source === 'file' && b.sizeKiB % page !== 0) {
      return fail(
        'page-size',
        qemu(qemuSays.backendNotPageMultiple(formatKiB(page))),
        b.sizeNode,
        `${describeBackend(b)} has ${formatKiB(b.sizeKiB)}, not a whole number of ${formatKiB(page)} pages: make it ${formatKiB((pages - 1) * page)} or ${formatKiB(pages * page)}`,
      );
    }
    if (policy === null && b.binding?.mode === 'restrictive' && boundNodes) {
      const r = pools.nodesRange(page, boundNodes);
      if (r === null || r.high < pages) unknown('pool', `${describeBackend(b)} is restricted to host node(s) ${boundNodes.join(',')} (mode='restrictive'); whether the kernel takes its huge pages there is not known`, b.binding.origin ?? b.sizeNode);
    }
  }
  // 5. libvirt pins the running QEMU's threads through cpuset cgroups: emulator, vCPUs, I/O threads.
  const pinFailure = checkPins(domain, host, unknown);
  if (pinFailure) return fail('pinning', pinFailure.message, pinFailure.node, pinFailure.suggestion);

  const unknowns = reasons.filter((r) => r.kind === 'unknown');
  return { verdict: unknowns.length ? 'unknown' : 'starts', reasons: unknowns, demand, unchecked: uncheckedNeeds(domain) };
}

/**
 * The cpuset each pinned thread group gets, in the order libvirt writes them after QEMU is up
 * (qemuProcessSetupEmulator, qemuProcessSetupVcpus, qemuProcessSetupIOThreads): the emulator
 * takes <emulatorpin>, else <vcpu cpuset>; each vCPU its <vcpupin>, else <vcpu cpuset>.
 */
function checkPins(
  domain: DomainModel,
  host: HostSnapshot,
  unknown: (step: StartStep, m: string, n: XElement | XAttr) => void,
): { message: string; node: XAttr; suggestion: string } | null {
  const pins = domain.cpuPins.filter((p) => p.parsed.ok);
  if (pins.length === 0) return null;
  const online = host.onlineCpus;
  if (online === null) {
    unknown('pinning', "the snapshot does not list the host's online CPUs that the CPU pinning names", pins[0]!.cpuset);
    return null;
  }
  const byName = (name: string) => pins.filter((p) => p.el.name === name);
  const all = byName('vcpu')[0];
  const steps: { pin: CpuPin | undefined; group: string }[] = [{ pin: byName('emulatorpin')[0] ?? all, group: 'emulator' }];
  const vcpupins = new Map(byName('vcpupin').map((p) => [attr(p.el, 'vcpu')?.value.trim() ?? '', p] as const));
  for (let v = 0; v < (maxVcpus(domain) ?? 0); v++) steps.push({ pin: vcpupins.get(String(v)) ?? all, group: `vcpu${v}` });
  for (const p of byName('iothreadpin')) steps.push({ pin: p, group: `iothread${attr(p.el, 'iothread')?.value.trim() ?? ''}` });
  for (const { pin, group } of steps) {
    if (!pin || !pin.parsed.ok) continue;
    const missing = pin.parsed.ids.filter((c) => !online.includes(c));
    if (missing.length === 0) continue;
    // A CPU beyond the host's in cpuset.cpus is ERANGE (observed); an offline CPU inside the range is refused with another errno.
    const beyond = missing.every((c) => c > Math.max(...online));
    return {
      message: renderLibvirtError(libvirt.cpusetWriteFailed(group, beyond)),
      node: pin.cpuset,
      suggestion: `${pin.what} ${pin.el.name === 'vcpu' ? 'are' : 'is'} pinned to host CPU${missing.length === 1 ? '' : 's'} ${missing.join(',')}, which this host does not have online (its online CPUs are ${formatCpus(online)}): pin to CPUs it has`,
    };
  }
  return null;
}

function formatCpus(ids: number[]): string {
  return formatNodeset(ids) || 'none';
}

/** Ordinary (non-hugepage) RAM: only an oversized mapping or preallocation can fail (R4.8, R1.17). */
function checkOrdinaryMemory(
  b: MemoryBackend,
  host: HostSnapshot,
  unknown: (step: StartStep, m: string, n: XElement | XAttr) => void,
  qemu: (line: string) => string,
): { message: string; suggestion: string } | null {
  // A size past 2^53 − 1 KiB overflowed libvirt's alignment: memory-align-overflow says so, and there is nothing to compare.
  if (b.sizeKiB === null || !Number.isSafeInteger(b.sizeKiB) || b.pageSizeKiB !== null) return null;
  const mode = host.memory.overcommitMode;
  if (mode === 2 && host.memory.commitLimitKiB !== null && host.memory.committedKiB !== null) {
    const room = host.memory.commitLimitKiB - host.memory.committedKiB;
    if (b.sizeKiB > room) unknown('ram', `${describeBackend(b)} (${formatKiB(b.sizeKiB)}) is more than the host can still commit (${formatKiB(Math.max(0, room))}, vm.overcommit_memory=2): QEMU would fail with "cannot set up guest memory … Cannot allocate memory"`, b.sizeNode);
  } else if (mode !== 1 && host.memory.totalKiB !== null && b.sizeKiB > host.memory.totalKiB) {
    const swap = host.memory.swapTotalKiB;
    const ram = formatKiB(host.memory.totalKiB);
    // vm.overcommit_memory=0 refuses one mapping larger than RAM and swap together (observed for the whole-guest backend).
    if (mode === 0 && swap !== null && b.sizeKiB > host.memory.totalKiB + swap) {
      const line = b.kind === 'ram' ? qemu(qemuSays.cannotSetUpGuestMemory('pc.ram')) : null;
      const why = `${describeBackend(b)} (${formatKiB(b.sizeKiB)}) is larger than the host's RAM and swap together (${ram} + ${formatKiB(swap)}), which vm.overcommit_memory=0 refuses to map`;
      if (line) return { message: line, suggestion: `${why}: give the guest less memory, or the host more swap` };
      unknown('ram', `${why}: QEMU fails to allocate it ("Cannot allocate memory"; its exact line for a NUMA cell is not observed)`, b.sizeNode);
    } else if (swap === null) {
      unknown('ram', `${describeBackend(b)} (${formatKiB(b.sizeKiB)}) is larger than the host's RAM (${ram}): QEMU fails with "cannot set up guest memory … Cannot allocate memory" unless swap covers it, and the snapshot does not record swap`, b.sizeNode);
    }
  }
  if (b.prealloc && host.memory.availableKiB !== null && b.sizeKiB > host.memory.availableKiB) {
    unknown('ram', `${describeBackend(b)} is preallocated (<allocation mode='immediate'/>) and needs ${formatKiB(b.sizeKiB)}, more than the ${formatKiB(host.memory.availableKiB)} the host has available`, b.sizeNode);
  }
  return null;
}

export interface BatchPrediction {
  alone: Prediction;
  /** The same VM started after every earlier VM of the batch (in the given order). */
  together: Prediction;
}

/** Start VMs one after another on one host: each alone, and each after the ones before it. */
export function predictBatch(domains: DomainModel[], host: HostSnapshot, profile: Profile = DEFAULT_PROFILE): BatchPrediction[] {
  const shared = new HostPools(host);
  return domains.map((d) => {
    const alone = predictStart(d, host, new HostPools(host), profile);
    const together = predictStart(d, host, shared, profile);
    return { alone, together };
  });
}
