/**
 * Scaled integers: every memory size in a domain (`<memory>`, `<currentMemory>`, `<maxMemory>`,
 * `<memtune>/*`, `<page size>`, `<cell memory>`, memory device sizes…) goes through this one
 * parser (spec §0.3, §9).
 *
 * It reproduces libvirt 9.0's chain, step by step:
 *   1. `virXPathString` — an empty text or attribute is *absent* (NULL);
 *   2. `virStrToLong_ullp(text, NULL, 10)` — `g_ascii_strtoull` plus "no '-' was consumed" and
 *      "nothing may follow the digits";
 *   3. `virScaleInteger(value, unit, 1024, max)` — unit lookup and the overflow check
 *      `value > max / scale` (integer division);
 *   4. `virDomainParseMemory` — bytes → KiB rounded up, and `size value too large` when the KiB
 *      result reaches `ceil(LLONG_MAX / 1024)` = 2^53; or `virDomainParseMemoryLimit` for the
 *      three `*_limit` elements (max = `VIR_DOMAIN_MEMORY_PARAM_UNLIMITED << 10`, no second check).
 *
 * BigInt is used for everything that can exceed 2^53; the KiB result always fits a JS number.
 *
 * Where the source says more than spec §0.3: a leading `+` is accepted (only a consumed `-` is
 * rejected by `virStrToLong_ullp`); whitespace-only text is not "empty" and fails as an invalid
 * value; `unit=''` means the default unit (KiB); a number above 2^64 − 1 is an invalid value
 * (strtoull's ERANGE), not an overflow; and the overflow message prints the number as parsed
 * (`+08` with `EiB` → `value too large: 8EiB`) with the unit as written ('' when absent).
 */
import type { LibvirtError } from './libvirt-error.js';
import { libvirt } from '../libvirt/messages.js';

/** Words people write for "no limit" where libvirt wants a number (`memtune-unlimited` reports them in memtune limits). */
export const UNLIMITED_WORDS = /^\s*(?:-1|unlimited|infinity|inf|none|max|-)\s*$/i;

/** memtune's "unlimited" sentinel, `VIR_DOMAIN_MEMORY_PARAM_UNLIMITED` = INT64_MAX >> 10 = 2^53 − 1 KiB. */
export const KIB_UNLIMITED = 9007199254740991;

export interface UnitInfo {
  /** Bytes per unit. */
  multiplier: bigint;
  /** True for the SI spellings (`KB`, `mb`, `Gb`, …), which are powers of 1000, not 1024. */
  decimal: boolean;
}

export type ScaledResult =
  | {
      ok: true;
      /** The size in KiB, rounded up (always ≤ 2^53 − 1, exact). */
      kib: number;
      /** The size in bytes (number × unit multiplier). */
      bytes: bigint;
      /** `bytes` is a whole number of KiB (no rounding happened). */
      exact: boolean;
      /** The unit was an SI (power of 1000) spelling such as `MB`. */
      decimalUnit: boolean;
      /** The number as libvirt read it (leading whitespace, `+` and leading zeros gone). */
      value: bigint;
      /**
       * The RNG schema (`scaledInteger`: unsignedLong with pattern `[0-9]+`, unit pattern of §9)
       * accepts the text too. False for text libvirt's parser tolerates but `--validate` rejects:
       * leading whitespace, a leading `+`, or an empty `unit=''`.
       */
      schemaValid: boolean;
    }
  | {
      ok: false;
      reason: 'absent' | 'invalid' | 'unknown-unit' | 'overflow';
      error: LibvirtError;
    };

export interface ParseScaledOptions {
  /**
   * Parse like `virDomainParseMemoryLimit` (`hard_limit`, `soft_limit`, `swap_hard_limit`): the byte
   * limit is (2^53 − 1) × 1024 instead of 2^63 − 1, and there is no `size value too large` check.
   * The two only differ for byte counts in (2^63 − 1024, 2^63 − 1].
   */
  limit?: boolean;
}

const LLONG_MAX = (1n << 63n) - 1n;
const ULLONG_MAX = (1n << 64n) - 1n;
const KIB = 1024n;
/** `VIR_DIV_UP(LLONG_MAX, 1024)`: `virDomainParseMemory` fails when the KiB value reaches it. */
const KIB_CEILING = (LLONG_MAX + KIB - 1n) / KIB; // 2^53
const LIMIT_MAX_BYTES = BigInt(KIB_UNLIMITED) << 10n;

/** ASCII-only lower-casing, as `g_ascii_strcasecmp`/`g_ascii_tolower` do (no Unicode folding). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/**
 * Look a `unit` attribute up in the table of spec §9 (`virScaleInteger`). Case-insensitive
 * (ASCII only). Returns null for anything libvirt reports as `unknown suffix '%s'`.
 *
 * The empty string is libvirt's default, KiB: `virXPathString` turns `unit=''` into NULL, and
 * `virScaleInteger` treats a NULL or empty suffix as "use the default scale". (The RNG pattern
 * does not match the empty string, so `unit=''` is still a schema error.)
 */
export function parseUnit(unit: string): UnitInfo | null {
  let info = UNITS_SEEN.get(unit);
  if (info === undefined) {
    info = unitOf(unit);
    if (info !== null) Object.freeze(info);
    if (UNITS_SEEN.size < 256) UNITS_SEEN.set(unit, info);
  }
  return info;
}

/** Units as written, looked up once per run (a few spellings recur in every document); shared, so frozen. */
const UNITS_SEEN = new Map<string, UnitInfo | null>();

function unitOf(unit: string): UnitInfo | null {
  if (unit === '') return { multiplier: KIB, decimal: false };
  const u = asciiLower(unit);
  if (u === 'b' || u === 'byte' || u === 'bytes') return { multiplier: 1n, decimal: false };

  let base: bigint;
  let decimal: boolean;
  if (u.length === 1 || u.slice(1) === 'ib') {
    base = 1024n;
    decimal = false;
  } else if (u.length === 2 && u[1] === 'b') {
    base = 1000n;
    decimal = true;
  } else {
    return null;
  }
  const power = 'kmgtpe'.indexOf(u[0] ?? '');
  if (power < 0) return null;
  return { multiplier: base ** BigInt(power + 1), decimal };
}

/** Whitespace skipped by `g_ascii_strtoull` (C locale `isspace`). */
function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/**
 * `virStrToLong_ullp(s, NULL, 10, &v)`: optional leading whitespace, optional sign, decimal
 * digits, then nothing. A consumed `-` is an error (so `-0` fails too); a `+` is accepted; a value
 * above 2^64 − 1 is an error (ERANGE). Returns null on any error.
 */
function strToULLP(s: string): bigint | null {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+') i++;
  else if (s[i] === '-') {
    negative = true;
    i++;
  }
  const digitsStart = i;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === digitsStart) return null; // no conversion
  if (i !== s.length) return null; // trailing characters (including trailing whitespace)
  if (negative) return null;
  const v = BigInt(s.slice(digitsStart, i));
  if (v > ULLONG_MAX) return null;
  return v;
}

const UNIT_SCHEMA = /^(?:[bB](?:[yY][tT][eE][sS]?)?|[kKmMgGtTpPeE](?:[iI]?[bB])?)$/;
/** The RNG's number: digits only (no sign, no spaces). */
const DIGITS_SCHEMA = /^[0-9]+$/;

/**
 * Parse a scaled integer exactly as libvirt 9.0 does for domain memory sizes.
 *
 * @param value the element text or attribute value as written (null/undefined: not present)
 * @param unit the `unit` attribute as written (null/undefined: not present; '' is also the default)
 * @param xpath libvirt's internal XPath for messages, e.g. `./memory[1]`, `./@size`,
 *   `./memtune/hard_limit[1]`
 *
 * Absence (`reason: 'absent'`) carries libvirt's "missing" error, but whether that is an error at
 * all is the caller's business (most elements are optional).
 */
export function parseScaled(
  value: string | null | undefined,
  unit: string | null | undefined,
  xpath: string,
  options: ParseScaledOptions = {},
): ScaledResult {
  // virXPathString: NULL for a missing node *and* for an empty string. Whitespace-only text is
  // not empty, so it reaches the number parser and fails there.
  if (value === null || value === undefined || value === '') {
    return {
      ok: false,
      reason: 'absent',
      error: libvirt.missingValue(xpath),
    };
  }

  // Note (spec §0.3 says "signs" are rejected): g_ascii_strtoull accepts a leading '+', and
  // virStrToLong_ullp only rejects a consumed '-', so '+64' is accepted as 64 (the RNG rejects it).
  const number = strToULLP(value);
  if (number === null) {
    return {
      ok: false,
      reason: 'invalid',
      error: libvirt.invalidValue(value, xpath),
    };
  }

  // The unit is only looked at once the number parsed (virParseScaledValue's order).
  const suffix = unit ?? '';
  const info = parseUnit(suffix);
  if (info === null) {
    return {
      ok: false,
      reason: 'unknown-unit',
      error: libvirt.unknownSuffix(suffix),
    };
  }

  // virScaleInteger: `if (value && value > limit / scale)`; %llu is the parsed number and %s the
  // unit as written ('' when absent).
  const maxBytes = options.limit ? LIMIT_MAX_BYTES : LLONG_MAX;
  if (number !== 0n && number > maxBytes / info.multiplier) {
    return {
      ok: false,
      reason: 'overflow',
      error: libvirt.valueTooLarge(`${number}${suffix}`),
    };
  }

  const bytes = number * info.multiplier;
  const kibBig = (bytes + KIB - 1n) / KIB;
  // virDomainParseMemory: `if (*mem >= VIR_DIV_UP(max, 1024))`. virDomainParseMemoryLimit has no
  // such check; its byte limit already keeps the KiB value ≤ KIB_UNLIMITED.
  if (!options.limit && kibBig >= KIB_CEILING) {
    return {
      ok: false,
      reason: 'overflow',
      error: libvirt.sizeValueTooLarge(),
    };
  }

  return {
    ok: true,
    kib: Number(kibBig),
    bytes,
    exact: bytes % KIB === 0n,
    decimalUnit: info.decimal,
    value: number,
    schemaValid:
      DIGITS_SCHEMA.test(value) && (unit === null || unit === undefined || UNIT_SCHEMA.test(unit)),
  };
}

const FORMAT_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/**
 * A size in KiB for messages: the largest binary unit that divides it exactly, else KiB
 * (`2048` → `2 MiB`, `1572864` → `1536 MiB`, `1954` → `1954 KiB`, `0` → `0 KiB`).
 */
export function formatKiB(kib: number): string {
  if (!Number.isSafeInteger(kib) || kib < 0) {
    throw new RangeError(`formatKiB: not a size in KiB: ${kib}`);
  }
  let n = kib;
  let i = 0;
  while (n !== 0 && n % 1024 === 0 && i < FORMAT_UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n} ${FORMAT_UNITS[i]}`;
}
