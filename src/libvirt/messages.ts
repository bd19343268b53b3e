/**
 * libvirt's and QEMU's own words: every message kvmxml quotes from them, in one place. Rules
 * and the predictor write the explanation and the advice; the quoted line comes from here, so a
 * message libvirt or QEMU changes is changed once. Words that differ between the profiles of
 * `profile.ts` (libvirt 9.0 + QEMU 7.2, libvirt 11.3 + QEMU 10.0) are chosen by profile here too.
 *
 * `libvirt.*` return a {@link LibvirtError} (the message and the code that picks virsh's prefix,
 * see `renderLibvirtError`); `qemu.*` return the line QEMU prints after `qemu-system-x86_64: `.
 * Everything is as observed in the lab (fixtures/conformance) or as the sources format it.
 */
import type { LibvirtError } from '../domain/libvirt-error.js';
import type { ProfileId } from './profile.js';

const xmlError = (text: string): LibvirtError => ({ code: 'xml-error', text });
const xmlDetail = (text: string): LibvirtError => ({ code: 'xml-detail', text });
const unsupported = (text: string): LibvirtError => ({ code: 'config-unsupported', text });
const internal = (text: string): LibvirtError => ({ code: 'internal-error', text });

/** The QEMU binary libvirt starts for an x86_64 guest, as QEMU names itself in its messages. */
export const QEMU_BINARY = 'qemu-system-x86_64';

export const libvirt = {
  // Values (virXPathString, virStrToLong_*, virScaleInteger, virBitmapParse, virXMLProp*)
  missingValue: (xpath: string) => xmlError(`missing element or attribute '${xpath}'`),
  invalidValue: (value: string, xpath: string) => xmlError(`Invalid value '${value}' for element or attribute '${xpath}'`),
  unknownSuffix: (suffix: string): LibvirtError => ({ code: 'invalid-arg', text: `unknown suffix '${suffix}'` }),
  /** `virScaleInteger`: the number as parsed, the unit as written. */
  valueTooLarge: (numberAndUnit: string): LibvirtError => ({ code: 'overflow', text: `value too large: ${numberAndUnit}` }),
  sizeValueTooLarge: (): LibvirtError => ({ code: 'overflow', text: 'size value too large' }),
  bitmapUnparsable: (text: string): LibvirtError => ({ code: 'invalid-arg', text: `Failed to parse bitmap '${text}'` }),
  emptySet: (attribute: string, text: string) => unsupported(`Invalid value of '${attribute}': ${text}`),
  /** `virXMLPropUInt` on a value that is not an unsigned int. */
  invalidUInt: (name: string, element: string, value: string) =>
    xmlError(`Invalid value for attribute '${name}' in element '${element}': '${value}'. Expected non-negative integer value`),
  /** `virXMLPropEnum` / `virXMLPropTristate*` on a value the enumeration lacks. */
  invalidEnum: (name: string, element: string, value: string) => xmlError(`Invalid value for attribute '${name}' in element '${element}': '${value}'.`),
  missingAttribute: (name: string, element: string) => xmlError(`Missing required attribute '${name}' in element '${element}'`),

  /** `virDomainDefParseXML` finds no <name> (nor, under a namespaced <domain>, any element). */
  missingName: (): LibvirtError => ({ code: 'no-name', text: 'missing name information' }),

  // <memory>, <maxMemory>, memory devices
  memorySizeRequired: () => xmlError('Memory size must be specified via <memory> or in the <numa> configuration'),
  devicesExceedMemory: () => xmlError('Total size of memory devices exceeds the total memory size'),
  slotCountUnparsable: () => xmlError('Failed to parse memory slot count'),
  maxMemorySizeNeedsSlots: () => xmlError('maximum memory size must be specified when specifying number of memory slots'),
  maxMemoryNeedsBoth: () => xmlError('both maximum memory size and memory slot count must be specified'),
  maxMemoryBelowMemory: () => xmlError('maximum memory size must be equal or greater than the actual memory size'),
  hotplugNeedsNumaNode: () => unsupported('At least one numa node has to be configured when enabling memory hotplug'),
  deviceWithoutMaxMemory: () => unsupported("cannot use/hotplug a memory device when domain 'maxMemory' is not defined"),
  noEmptyMemorySlot: () => internal('failed to find an empty memory slot'),
  deviceCountExceedsSlots: (devices: number, slots: number) => unsupported(`memory device count '${devices}' exceeds slots count '${slots}'`),
  cellOverflowAfterAlignment: (cellId: number) => unsupported(`memory size of NUMA node '${cellId}' overflowed after alignment`),
  initialOverflowAfterAlignment: () => unsupported('initial memory size overflowed after alignment'),
  maxOverflowAfterAlignment: () => unsupported('maximum memory size overflowed after alignment'),
  moduleOverflowAfterAlignment: (index: number) => unsupported(`size of memory module '${index}' overflowed after alignment`),
  minGuaranteeUnsupported: () => unsupported("Parameter 'min_guarantee' not supported by QEMU."),
  // memory device addresses (qemuDomainDefValidateMemoryHotplugDevice; ≥ 9.8 virDomainMemoryDefCheckConflict)
  deviceSlotExceedsSlots: (slot: number, slots: number) => unsupported(`memory device slot '${slot}' exceeds slots count '${slots}'`),
  deviceSlotInUse: (slot: number) => unsupported(`memory device slot '${slot}' is already being used by another memory device`),
  deviceBaseInUse: (baseHex: string) => unsupported(`memory device base '${baseHex}' is already being used by another memory device`),
  deviceRangesOverlap: (startHex: string, endHex: string, otherHex: string) => unsupported(`memory device address [${startHex}:${endHex}] overlaps with other memory device (${otherHex})`),
  virtioPmemAddressUnaligned: (pageBytes: number) => unsupported(`memory address must be aligned to ${pageBytes} bytes`),
  virtioMemAddressUnaligned: () => xmlDetail('memory device address must be aligned to blocksize'),

  // <memoryBacking>: the page list (virDomainHugepagesParseXML, virDomainDefHugepagesValidate)
  hugepageSizeZero: () => xmlDetail("hugepage size can't be zero"),
  hugepagesIntersect: (sizeKiB: number | string, otherKiB: number | string) => xmlDetail(`nodeset attribute of hugepages of sizes ${sizeKiB} and ${otherKiB} intersect`),
  twoMasterHugepages: (sizeKiB: number | string, otherKiB: number | string) => xmlDetail(`two master hugepages detected: ${sizeKiB} and ${otherKiB}`),
  hugepagesNodeNotFound: (cell: number) => xmlDetail(`hugepages: node ${cell} not found`),
  hugepagesWithOndemand: () => unsupported('hugepages are not allowed with memory allocation ondemand'),
  hugepagesWithAnonymous: () => unsupported('hugepages are not allowed with anonymous memory source'),
  unknownMemoryBackingValue: (path: string, name: string, value: string) => unsupported(`unknown memoryBacking/${path}/${name} '${value}'`),
  allocationThreadsUnparsable: () => xmlError('Failed to parse memory allocation threads'),
  noHugetlbfsMount: (sizeKiB: number) => internal(`Unable to find any usable hugetlbfs mount for ${sizeKiB} KiB`),
  hugetlbfsNotMounted: () => internal('hugetlbfs filesystem is not mounted or disabled by administrator config'),
  requiresSharedMemory: (what: string) => unsupported(`'${what}' requires shared memory`),

  // Guest NUMA cells (virDomainNumaDefParseXML, qemuValidateDomainDef)
  numaWithoutCells: () => xmlError('NUMA topology defined without NUMA cells'),
  cellsNotContiguous: () =>
    xmlError("Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed"),
  duplicateCell: (cellId: number) => xmlError(`Duplicate NUMA cell info for cell id '${cellId}'`),
  cellsOverlappingCpus: (cell: number, other: number) => unsupported(`NUMA cells ${cell} and ${other} have overlapping vCPU ids`),
  cellCpuCountExceedsVcpus: () => internal('Number of CPUs in <numa> exceeds the <vcpu> count'),
  cellCpuIdsExceedVcpus: () => internal('CPU IDs in <numa> exceed the <vcpu> count'),
  distancesWithoutSiblings: () => xmlError('NUMA distances defined without siblings'),
  siblingNotACell: (siblingId: number, cellId: number) => xmlError(`'sibling_id ${siblingId}' does not refer to a valid cell within NUMA 'cell id ${cellId}'`),
  distanceInvalid: (value: number, siblingId: number, cellId: number) => xmlError(`'value ${value}' is invalid for 'sibling id ${siblingId}' under NUMA 'cell id ${cellId}'`),
  cacheLevelTwice: (level: number) => xmlError(`Cache level '${level}' already defined`),
  latencyTwice: () => xmlError('Duplicate info for NUMA latencies'),
  linkTwice: () => xmlError('Link already defined'),
  initiatorNotANode: () => xmlError("'initiator' refers to a non-existent NUMA node"),
  targetNotANode: () => xmlError("'target' refers to a non-existent NUMA node"),
  initiatorWithoutCpus: () => xmlError("NUMA nodes without CPUs can't be initiator"),
  cacheAssociativityMissing: (p: { id: ProfileId }, cellId: number) => xmlError(PROFILE_WORDS[p.id].cacheAssociativityMissing(cellId)),

  // <numatune> (virDomainNumatuneParseXML, virDomainNumatuneSet, start-time checks)
  onlyOneNumatune: () => xmlError('only one numatune is supported'),
  numatuneModeUnsupported: (mode: string) => unsupported(`Unsupported NUMA memory tuning mode '${mode}'`),
  numatunePlacementUnsupported: (placement: string) => unsupported(`Unsupported NUMA memory placement mode '${placement}'`),
  staticPlacementNeedsNodeset: () => unsupported("nodeset for NUMA memory tuning must be set if 'placement' is 'static'"),
  memnodeWithAutoPlacement: () => unsupported('Per-node binding is not compatible with automatic NUMA placement.'),
  memnodeWithoutCells: () => xmlError("Element 'memnode' is invalid without any guest NUMA cells"),
  memnodeCellMissing: () => xmlError("Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell"),
  memnodeTwice: (cellId: number) => xmlError(`Multiple memnode elements with cellid ${cellId}`),
  memnodeWithoutNodeset: () => xmlError('Missing required nodeset attribute in memnode element'),
  memnodeMustBeRestrictive: () => xmlError("'restrictive' mode is required in memnode element when mode is 'restrictive' in memory element"),
  memoryMustBeRestrictive: () => xmlError("'restrictive' mode is required in memory element when mode is 'restrictive' in memnode element"),
  hostNodeUnavailable: (node: number) => unsupported(`NUMA node ${node} is unavailable`),
  numadFailed: (): LibvirtError => ({ code: 'operation-failed', text: 'Failed to query numad for the advisory nodeset' }),

  // Start
  /** Writing a pinning the host cannot take into the cgroup (`…` stands for the machine's cgroup path). */
  cpusetWriteFailed: (group: string, outOfRange: boolean): LibvirtError => ({
    code: 'system',
    text: `Unable to write to '…/${group}/cpuset.cpus'${outOfRange ? ': Numerical result out of range' : ''}`,
  }),
  /** A cgroup file refusing the value libvirt writes at start (a system error: no prefix). */
  cgroupValueInvalid: (bytes: bigint, file: string): LibvirtError => ({ code: 'system', text: `Invalid value '${bytes}' for '${file}': Invalid argument` }),
  emulatorWithoutKvm: () => unsupported(`Emulator '/usr/bin/${QEMU_BINARY}' does not support virt type 'kvm'`),
  /** `virsh define --validate`'s schema error for a domain child (it names the child, not the offender). */
  schemaExtraElement: (child: string): LibvirtError => ({ code: 'schema', text: `Unable to validate doc against /usr/share/libvirt/schemas/domain.rng ${schema.extraElement(child)}` }),
} as const;

/**
 * libxml2's detail line under `virsh define --validate` for a schema violation inside a top-level
 * domain child: it names that child, not the offending element (spec §0.1).
 */
export const schema = {
  extraElement: (top: string) => `Extra element ${top} in interleave`,
  /** An element libvirt does not know at domain level at all. */
  extraContent: (top: string) => `Element domain has extra content: ${top}`,
} as const;

/** What QEMU prints (after `qemu-system-x86_64: `) when it refuses a memory layout at start. */
export const qemu = {
  backendNotPageMultiple: (page: string) => `backend 'memory-backend-file' memory size must be multiple of ${page}`,
  sizeBelowPage: (sizeHex: string, pageHex: string) => `memory size ${sizeHex} must be equal to or larger than page size ${pageHex}`,
  cannotMapGuestRam: () => 'unable to map backing store for guest RAM: Cannot allocate memory',
  cannotSetUpGuestMemory: (backend: string) => `cannot set up guest memory '${backend}': Cannot allocate memory`,
  preallocFailed: () => 'qemu_prealloc_mem: preallocating memory failed: Bad address',
  addressSpaceLimit: (limitHex: string, usedHex: string, physBits: number) => `Address space limit ${limitHex} < ${usedHex} phys-bits too low (${physBits})`,
  /** A DIMM whose range overlaps one already plugged (memory_device_get_free_addr). */
  memoryDeviceRangeConflict: (deviceJson: string, otherId: string) => `-device ${deviceJson}: address range conflicts with memory device id='${otherId}'`,
} as const;

/** The words that differ between the profiles' libvirts. */
export interface ProfileWords {
  /** A guest cell's HMAT `<cache>` without `associativity` (XML error). Observed. */
  cacheAssociativityMissing(cellId: number): string;
  /** What libvirt says when QEMU exits during start (alone when QEMU printed nothing, e.g. OOM-killed). */
  monitorClosed(vmName: string | null): string;
  /** How libvirt prefixes libxml2's message for malformed XML given to `virsh define`. */
  xmlErrorLocation(line: number): string;
}

export const PROFILE_WORDS: Record<ProfileId, ProfileWords> = {
  '9.0': {
    cacheAssociativityMissing: (cell) => `Missing 'associativity' attribute in cache element for NUMA node ${cell}`,
    monitorClosed: () => 'internal error: qemu unexpectedly closed the monitor',
    xmlErrorLocation: (line) => `(domain_definition):${line}: `,
  },
  '11.3': {
    cacheAssociativityMissing: () => "Missing required attribute 'associativity' in element 'cache'",
    monitorClosed: (vm) => `internal error: QEMU unexpectedly closed the monitor (vm='${vm ?? 'NAME'}')`,
    xmlErrorLocation: (line) => `at line ${line}: `,
  },
};

/** A QEMU start failure as the profile's libvirt wraps it: the monitor line, then QEMU's own. */
export function qemuStartFailure(p: { id: ProfileId }, qemuLine: string, vmName: string | null): string {
  return `${PROFILE_WORDS[p.id].monitorClosed(vmName)}: ${QEMU_BINARY}: ${qemuLine}`;
}

/** QEMU's own line of a start failure (what follows `qemu-system-x86_64: `), or the message itself. */
export function qemuLineOf(message: string): string {
  const marker = ` ${QEMU_BINARY}: `;
  const at = message.indexOf(marker);
  return at < 0 ? message : message.slice(at + marker.length);
}
