/**
 * Profiles: whose behaviour and words kvmxml reproduces. A profile is a libvirt release with the
 * QEMU its distribution ships beside it; every fact below was observed on that pair in the lab
 * (fixtures/conformance, label.json for 9.0 and label-11.3.json for 11.3) or is marked as read
 * from the sources. Rules and the predictor ask the profile instead of testing version numbers.
 * The profile's words (messages that differ between the libvirts) are written in `messages.ts`.
 */
import { PROFILE_WORDS, type ProfileWords } from './messages.js';

export type ProfileId = '9.0' | '11.3';

export interface Profile {
  id: ProfileId;
  /** The libvirt release measured, e.g. `9.0.0`. */
  libvirt: string;
  /** The QEMU release measured with it. */
  qemu: string;
  /** Who ships this pair. */
  distribution: string;
  /**
   * QEMU ≥ 9.1 refuses a huge-page backend whose size is not a whole number of its pages
   * (`backend 'memory-backend-file' memory size must be multiple of 2 MiB`); older QEMU maps the
   * size rounded up to whole pages. Observed: QEMU 7.2 starts, QEMU 10.0 refuses.
   */
  qemuRefusesUnalignedBackend: boolean;
  /**
   * libvirt ≥ 9.5 takes `<maxMemory>` without `slots` (slots count only DIMM-like devices);
   * 9.0 refuses it: `both maximum memory size and memory slot count must be specified`. Observed.
   */
  maxMemorySlotsOptional: boolean;
  /**
   * libvirt ≥ 9.6 adds guest NUMA cell 0 for memory hotplug on x86 when the guest has none;
   * 9.0 refuses: `At least one numa node has to be configured when enabling memory hotplug`. Observed.
   */
  hotplugAddsNumaCell: boolean;
  /**
   * libvirt ≥ 9.4 also refuses a restrictive `<memnode>` unless `<memory>` is restrictive (no
   * `<memory>` counts as strict), at define and at every start; 9.0 accepts it.
   */
  restrictiveMemnodeNeedsRestrictiveMemory: boolean;
  /**
   * libvirt ≥ 11.2 refuses a vhost-user network interface without shared guest memory, as it
   * does vhost-user disks and virtiofs; 9.0 only logs a warning at start.
   */
  vhostUserInterfaceNeedsSharedMemory: boolean;
  /**
   * libvirt ≥ 9.8 checks memory device addresses at define, for every driver
   * (virDomainMemoryDefCheckConflict): overlapping address ranges of DIMMs, NVDIMMs, virtio-mem
   * and virtio-pmem devices, and virtio-mem / virtio-pmem addresses (read since 9.4) aligned to
   * the block size / host page size. 9.0's QEMU driver refuses only a DIMM slot or base used
   * twice; overlapping DIMM ranges fail in QEMU at start, virtio addresses are not read. Observed.
   */
  memoryDeviceRangesChecked: boolean;
  /** libvirt's words for a guest cell's HMAT `<cache>` without `associativity` (XML error). Observed. */
  cacheAssociativityMissing: ProfileWords['cacheAssociativityMissing'];
  /** What libvirt says when QEMU exits during start (alone when QEMU printed nothing, e.g. OOM-killed). */
  monitorClosed: ProfileWords['monitorClosed'];
  /** How libvirt prefixes libxml2's message for malformed XML given to `virsh define`. */
  xmlErrorLocation: ProfileWords['xmlErrorLocation'];
}

export const PROFILES: Record<ProfileId, Profile> = {
  '9.0': {
    id: '9.0',
    libvirt: '9.0.0',
    qemu: '7.2',
    distribution: 'Debian 12 (bookworm)',
    qemuRefusesUnalignedBackend: false,
    maxMemorySlotsOptional: false,
    hotplugAddsNumaCell: false,
    restrictiveMemnodeNeedsRestrictiveMemory: false,
    vhostUserInterfaceNeedsSharedMemory: false,
    memoryDeviceRangesChecked: false,
    ...PROFILE_WORDS['9.0'],
  },
  '11.3': {
    id: '11.3',
    libvirt: '11.3.0',
    qemu: '10.0',
    distribution: 'Debian 13 (trixie); Debian 12 backports',
    qemuRefusesUnalignedBackend: true,
    maxMemorySlotsOptional: true,
    hotplugAddsNumaCell: true,
    restrictiveMemnodeNeedsRestrictiveMemory: true,
    vhostUserInterfaceNeedsSharedMemory: true,
    memoryDeviceRangesChecked: true,
    ...PROFILE_WORDS['11.3'],
  },
};

/**
 * The default profile: libvirt 9.0 + QEMU 7.2 (Debian 12), the pair every rule, fix and
 * prediction of kvmxml has been checked against longest. Reports always name the profile used.
 */
export const DEFAULT_PROFILE: Profile = PROFILES['9.0'];

export const PROFILE_IDS = Object.keys(PROFILES) as ProfileId[];

/** `9.0`, `9.0.0`, `11.3`, `11.3.0` → a profile; any other version → null (not measured). */
export function profileForVersion(version: string): Profile | null {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim());
  if (!m) return null;
  return PROFILES[`${Number(m[1])}.${Number(m[2])}` as ProfileId] ?? null;
}

/** One line naming a profile, for reports. */
export function describeProfile(p: Profile): string {
  return `libvirt ${p.id} + QEMU ${p.qemu}`;
}
