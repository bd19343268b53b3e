/**
 * The host snapshot: everything about a host that decides whether a VM starts there
 * (spec §2, §5.4, §7, §8). It is plain JSON (see `schemas/host-snapshot.schema.json`);
 * every size is in KiB, every count in pages.
 *
 * `null` always means "unknown" (the file was missing, unreadable or unparsable, or the
 * input format — e.g. `virsh capabilities` — does not carry that fact). A consumer must
 * never treat `null` as 0 or false; it should turn it into an "unknown" verdict.
 */

/** The schema version this code writes and understands. */
export const HOST_SNAPSHOT_SCHEMA_VERSION = 1;

/** Where the facts of a snapshot came from (a merged snapshot lists several). */
export type HostSnapshotSource = 'sysfs' | 'virsh-capabilities' | 'virsh-freepages';

export interface HostSnapshot {
  /** Always 1 for this layout. */
  schemaVersion: 1;
  /** Inputs the snapshot was built from, in merge order. */
  sources: HostSnapshotSource[];
  /** When it was taken (ISO 8601, UTC), or null when the input does not say. */
  takenAt: string | null;
  /** `/proc/sys/kernel/hostname`. */
  hostname: string | null;
  /** `/proc/sys/kernel/osrelease`, e.g. `6.1.0-18-amd64`. */
  kernelRelease: string | null;
  /**
   * Default huge page size (`Hugepagesize:` in /proc/meminfo): the size `<hugepages/>`
   * falls back to when libvirt flags a mount as default (spec R2.3).
   */
  defaultHugepageSizeKiB: number | null;
  /** Whole-host memory figures from /proc/meminfo and vm.overcommit_memory. */
  memory: HostMemory;
  /**
   * One record per huge page size the kernel offers (a `hugepages-<N>kB` directory),
   * sorted by size. `[]` = the kernel offers none; null = unknown.
   */
  hugepages: HugepagePool[] | null;
  /** Host NUMA nodes (`/sys/devices/system/node/node<N>`), sorted by id; ids may be sparse. */
  nodes: HostNode[] | null;
  /** hugetlbfs mounts in /proc/mounts order (libvirt's lookup order, R2.3). null = unknown. */
  mounts: HugetlbfsMount[] | null;
  /** Transparent huge pages (R7.2). */
  thp: ThpState;
  /** Kernel samepage merging (R7.1). */
  ksm: KsmState;
  /** CPU capabilities that matter for memory backing and KVM. */
  cpu: CpuFlags;
  /** KVM availability (R7.3, R7.4). */
  kvm: KvmState;
  /** Memory cgroup hierarchy in use: `v1` when a v1 `memory` controller is mounted, else `v2` when cgroup2 is mounted. */
  memoryCgroup: 'v1' | 'v2' | null;
  /** Online host CPUs (`/sys/devices/system/cpu/online`), sorted: what `<vcpupin>` and friends may name. */
  onlineCpus: number[] | null;
  /**
   * numad is installed (`/usr/bin/numad`, where Debian's libvirt looks for it): automatic NUMA
   * placement asks it at start. null when the root holds no `usr/` (a copy of /sys and /proc).
   */
  numad: boolean | null;
  /**
   * The libvirt and QEMU installed on the host (`libvirtd --version`, `qemu-system-x86_64
   * --version`; null = not installed). Absent when not recorded: a `--root` copy, virsh input,
   * older snapshots.
   */
  software?: { libvirt: string | null; qemu: string | null };
}

/** Whole-host memory (from /proc/meminfo and /proc/sys/vm/overcommit_memory). */
export interface HostMemory {
  /** `MemTotal`. */
  totalKiB: number | null;
  /** `MemAvailable`. */
  availableKiB: number | null;
  /** `CommitLimit` (the limit under overcommit mode 2). */
  commitLimitKiB: number | null;
  /** `Committed_AS`. */
  committedKiB: number | null;
  /** `vm.overcommit_memory`: 0 heuristic, 1 always, 2 strict (R4.8). */
  overcommitMode: 0 | 1 | 2 | null;
  /** `SwapTotal`. */
  swapTotalKiB: number | null;
  /** `SwapFree`. */
  swapFreeKiB: number | null;
}

/** The global pool of one huge page size (`/sys/kernel/mm/hugepages/hugepages-<N>kB/`, R8.1). */
export interface HugepagePool {
  /** Page size in KiB (2048, 1048576, …). */
  sizeKiB: number;
  /** `nr_hugepages`: pages in the pool (surplus pages included). */
  total: number | null;
  /** `free_hugepages`: pages not allocated — reserved pages included. */
  free: number | null;
  /** `resv_hugepages`: pages promised to mappings, not yet faulted in. Only known globally. */
  reserved: number | null;
  /** `surplus_hugepages`: pages allocated above the persistent pool by overcommit. */
  surplus: number | null;
  /** `nr_overcommit_hugepages`: how many surplus pages the kernel may allocate on demand. */
  overcommit: number | null;
}

/** One host NUMA node (`/sys/devices/system/node/node<N>/`, R8.2). */
export interface HostNode {
  /** Node id (the `N` of `node<N>`). */
  id: number;
  /** Listed in `/sys/devices/system/node/online`. */
  online: boolean | null;
  /** `Node N MemTotal` of `node<N>/meminfo`. */
  memTotalKiB: number | null;
  /** `Node N MemFree` of `node<N>/meminfo`. */
  memFreeKiB: number | null;
  /** Per-size pools on this node, sorted by size; null = unknown. */
  hugepages: NodeHugepagePool[] | null;
}

/** The part of one page size's pool that lives on one node (`node<N>/hugepages/hugepages-<S>kB/`). */
export interface NodeHugepagePool {
  /** Page size in KiB. */
  sizeKiB: number;
  /** `nr_hugepages` of this node. */
  total: number | null;
  /** `free_hugepages` of this node (reserved pages included; reservations are global only). */
  free: number | null;
  /** `surplus_hugepages` of this node. */
  surplus: number | null;
}

/** A hugetlbfs mount from /proc/mounts (spec R2.2, R8.1). */
export interface HugetlbfsMount {
  /** Mount point (octal escapes of /proc/mounts decoded). */
  path: string;
  /** First field of the /proc/mounts line (`none`, `hugetlbfs`, …). */
  device: string;
  /** Page size served by the mount: `pagesize=` or, without it, the default size. */
  pageSizeKiB: number | null;
  /** True when the size came from a `pagesize=` option, false when it is the default size. */
  pageSizeExplicit: boolean;
  /** `size=`: most memory the mount may use, in KiB. null = no limit. */
  sizeLimitKiB: number | null;
  /** `min_size=`: memory reserved for the mount, in KiB. null = none. */
  minSizeKiB: number | null;
  /** `nr_inodes=`: most files in the mount. null = no limit. */
  nrInodes: number | null;
  /** The raw option string. */
  options: string;
}

/** THP modes: the bracketed word of the sysfs files, e.g. `madvise` from `always [madvise] never`. */
export interface ThpState {
  /** `/sys/kernel/mm/transparent_hugepage/enabled`: `always`, `madvise` or `never`. */
  enabled: string | null;
  /** `/sys/kernel/mm/transparent_hugepage/defrag`: `always`, `defer`, `defer+madvise`, `madvise` or `never`. */
  defrag: string | null;
}

/** KSM state (`/sys/kernel/mm/ksm/`). */
export interface KsmState {
  /** `run`: 0 stopped, 1 running, 2 stopped and unmerged. */
  run: 0 | 1 | 2 | null;
  /** `merge_across_nodes`: pages of different NUMA nodes may be merged. */
  mergeAcrossNodes: boolean | null;
  /** `pages_shared`. */
  pagesShared: number | null;
  /** `pages_sharing`. */
  pagesSharing: number | null;
}

/** CPU flags from /proc/cpuinfo (or the host CPU of `virsh capabilities`). */
export interface CpuFlags {
  /** 1 GiB pages supported. */
  pdpe1gb: boolean | null;
  /** Intel VT-x. */
  vmx: boolean | null;
  /** AMD-V. */
  svm: boolean | null;
  /** Intel extended page tables (in `flags` or `vmx flags`). */
  ept: boolean | null;
  /** AMD nested page tables. */
  npt: boolean | null;
}

/** KVM availability. */
export interface KvmState {
  /**
   * `/dev/kvm` exists. From `virsh capabilities`: libvirt offers `<domain type='kvm'/>`
   * (i.e. KVM is usable by libvirt).
   */
  devKvm: boolean | null;
  /** `/sys/module/kvm_intel/parameters/ept` (null when kvm_intel is not loaded). */
  eptEnabled: boolean | null;
  /** `/sys/module/kvm_amd/parameters/npt` (null when kvm_amd is not loaded). */
  nptEnabled: boolean | null;
}
