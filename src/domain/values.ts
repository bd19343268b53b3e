/**
 * Plain values libvirt reads from a domain: unsigned integers and the enumerations of the memory
 * area. With `units.ts` (scaled integers) and `nodeset.ts` (node sets and vCPU lists) this is the
 * one place where attribute and element text becomes a value; everything else asks these.
 */

const UINT_MAX = 4294967295;

function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/**
 * An unsigned int as libvirt reads it (`virXMLPropUInt`, `virXPathUInt`: `virStrToLong_uip`, base
 * 10): leading whitespace and a `+` are accepted (`'+1'` is 1), a `-`, trailing characters and values
 * above 2^32 − 1 are not. Returns null where libvirt reports an invalid value.
 */
export function parseUInt(text: string): number | null {
  let i = 0;
  while (isCSpace(text[i])) i++;
  if (text[i] === '+') i++;
  else if (text[i] === '-') return null;
  const start = i;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i === start || i !== text.length) return null;
  const v = Number(text.slice(start));
  return v > UINT_MAX ? null : v;
}

/**
 * An unsigned int read through XPath (`virXPathUInt`): an empty string is absent (`'absent'`), else
 * {@link parseUInt}.
 */
export function parseXPathUInt(text: string | null | undefined): number | null | 'absent' {
  if (text === null || text === undefined || text === '') return 'absent';
  return parseUInt(text);
}

/**
 * Whether the text is written the way libvirt writes the number back (`%u`): digits only, no sign,
 * no whitespace, no leading zero.
 */
export function isCanonicalUInt(text: string): boolean {
  return /^(?:0|[1-9][0-9]*)$/.test(text);
}

/** A value of one of libvirt's enumerations (case-sensitive, as `virEnumFromString`), or null. */
export function parseEnum<T extends string>(value: string | null | undefined, allowed: readonly T[]): T | null {
  return value !== null && value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

// The enumerations of the memory area, in libvirt's order.

/** `virTristateBool` as written (`discard`). */
export const YES_NO = ['yes', 'no'] as const;
/** `virTristateSwitch` as written (`dumpCore`). */
export const ON_OFF = ['on', 'off'] as const;
/** `<memoryBacking><source type>` (`virDomainMemorySource`). */
export const MEMORY_SOURCE_TYPES = ['file', 'anonymous', 'memfd'] as const;
/** `<memoryBacking><access mode>`, `<cell memAccess>`, memory device `access` (`virDomainMemoryAccess`). */
export const MEMORY_ACCESS_MODES = ['shared', 'private'] as const;
export type MemoryAccessMode = (typeof MEMORY_ACCESS_MODES)[number];
/** `<memoryBacking><allocation mode>` (`virDomainMemoryAllocation`). */
export const MEMORY_ALLOCATION_MODES = ['immediate', 'ondemand'] as const;
/** Memory device models (`virDomainMemoryModel`) of libvirt 9.0. */
export const MEMORY_DEVICE_MODELS = ['dimm', 'nvdimm', 'virtio-pmem', 'virtio-mem', 'sgx-epc'] as const;

/** `<numatune>` memory modes (`virDomainNumatuneMemMode`), in libvirt's order. */
export const NUMATUNE_MODES = ['strict', 'preferred', 'interleave', 'restrictive'] as const;
export type NumatuneMode = (typeof NUMATUNE_MODES)[number];

/**
 * Values the parser accepts for `<numatune><memory placement>`: `default` is libvirt's internal
 * "not given" value (the RNG schema only allows `static` and `auto`).
 */
export const NUMATUNE_PLACEMENTS = ['default', 'static', 'auto'] as const;
export type NumatunePlacement = 'static' | 'auto';

export function isNumatuneMode(s: string): s is NumatuneMode {
  return (NUMATUNE_MODES as readonly string[]).includes(s);
}

/**
 * The `<memtune>` limits in the order libvirt writes them back (`virDomainMemtuneFormat`), which is
 * also the order of the schema's `<interleave>` readers expect.
 */
export const MEMTUNE_LIMITS = ['hard_limit', 'soft_limit', 'min_guarantee', 'swap_hard_limit'] as const;
export type MemtuneLimitName = (typeof MEMTUNE_LIMITS)[number];

/** The limits read as limits (`virDomainParseMemoryLimit`: may be "unlimited"); `min_guarantee` is a plain size. */
export const MEMTUNE_UPPER_LIMITS: readonly MemtuneLimitName[] = ['hard_limit', 'soft_limit', 'swap_hard_limit'];
