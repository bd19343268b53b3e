/**
 * Node/CPU sets (`nodeset`, `nodemask`, `cpus`; spec §0.4): the one parser and the one
 * formatter, following libvirt 9.0's `virBitmapParse` (limited to `VIR_DOMAIN_CPUMASK_LEN` bits)
 * and `virBitmapFormat`.
 *
 * Grammar accepted by the parser (`virBitmapParseInternal`), whitespace = ASCII space, \t, \n, \r
 * (\v and \f too, though XML 1.0 cannot carry them):
 *
 *   set   := ws item (',' ws item)* [',' ws]      -- a trailing comma is accepted
 *   item  := '^' N ws                              -- remove N from what was added so far
 *          | N ws                                  -- add N
 *          | N ws '-' ws strtol ws                 -- add N..M, M ≥ N
 *   N     := [0-9]+
 *
 * `strtol` is C's: it skips whitespace itself and takes an optional sign, so `0-+3` is 0-3 and
 * `0--0` is 0. Every id must be < 16384, removals included. The RNG schema's `cpuset` pattern is
 * much stricter: `([0-9]+(-[0-9]+)?|\^[0-9]+)(,([0-9]+(-[0-9]+)?|\^[0-9]+))*`.
 *
 * Beyond spec §0.4 (which only mentions spaces around tokens), `virBitmapParseInternal` also
 * accepts a trailing comma (`0,`) and a signed range end (`0-+3`); both are followed here, and both
 * are flagged by `schemaValid: false`. A lone removal (`^0`) is syntactically valid and ends up
 * empty.
 */
import type { LibvirtError } from './libvirt-error.js';
import { libvirt } from '../libvirt/messages.js';

/** `VIR_DOMAIN_CPUMASK_LEN`: the size of every bitmap the domain parser reads a set into. */
export const NODESET_BITS = 16384;

export type NodesetResult =
  | {
      ok: true;
      /** The ids in the set, sorted, unique. */
      ids: number[];
      /** Whitespace occurs in the text (the parser accepts it, the RNG schema does not). */
      hasSpaces: boolean;
      /** The text matches the RNG `cpuset` pattern (`virsh define --validate` accepts it). */
      schemaValid: boolean;
    }
  | {
      ok: false;
      /**
       * `syntax`: `virBitmapParse` failed (also for an empty string and ids ≥ 16384).
       * `empty`: parsed, but no id is left (`0,^0`); the error is the one `<page nodeset>` and
       * `<numatune>` report, the caller decides whether the attribute in hand rejects it.
       */
      reason: 'syntax' | 'empty';
      error: LibvirtError;
    };

const SCHEMA_PATTERN = /^(?:[0-9]+(?:-[0-9]+)?|\^[0-9]+)(?:,(?:[0-9]+(?:-[0-9]+)?|\^[0-9]+))*$/;

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Whether the set text contains whitespace, which the RNG `cpuset` pattern rejects. */
export function hasSpaces(text: string): boolean {
  for (const c of text) if (isSpace(c)) return true;
  return false;
}

/**
 * Parse a node/CPU set as libvirt does.
 *
 * @param text the attribute value exactly as written
 * @param attribute the name used in the "empty set" message (`nodeset`, `nodemask`, `cpus`)
 */
export function parseNodeset(text: string, attribute = 'nodeset'): NodesetResult {
  const top = parseBits(text);
  if (top === null) {
    return {
      ok: false,
      reason: 'syntax',
      error: libvirt.bitmapUnparsable(text),
    };
  }
  const ids: number[] = [];
  // Only up to the highest bit touched (most sets name a few low ids), clearing as it goes.
  for (let i = 0; i <= top; i++) {
    if (BITS[i]) ids.push(i);
    BITS[i] = 0;
  }
  if (ids.length === 0) {
    return {
      ok: false,
      reason: 'empty',
      error: libvirt.emptySet(attribute, text),
    };
  }
  return { ok: true, ids, hasSpaces: hasSpaces(text), schemaValid: SCHEMA_PATTERN.test(text) };
}

/**
 * The bitmap parseBits fills, one for every parse: all clear between parses (parseNodeset clears
 * what a parse touched), so that a set costs its own length, not a new 16 Kbit map.
 */
const BITS = new Uint8Array(NODESET_BITS);

/**
 * Parse `s` into BITS, as `virBitmapParseInternal(…, limited = true)` does: the highest bit
 * touched (-1 for none), or null where libvirt fails (BITS is then clear again).
 */
function parseBits(s: string): number | null {
  const bits = BITS;
  let top = -1;
  const fail = (): null => {
    bits.fill(0, 0, top + 1);
    return null;
  };
  let i = 0;
  const skipSpaces = (): void => {
    while (isSpace(s[i])) i++;
  };
  /** Unsigned decimal digits starting at i; null if there are none. */
  const readDigits = (): number | null => {
    const start = i;
    while (isDigit(s[i])) i++;
    if (i === start) return null;
    // Anything ≥ NODESET_BITS fails later anyway; Number() is exact far beyond that.
    return Number(s.slice(start, i));
  };

  skipSpaces();
  if (i >= s.length) return fail(); // empty or blank

  while (i < s.length) {
    let negate = false;
    if (s[i] === '^') {
      i++;
      negate = true;
    }
    if (!isDigit(s[i])) return fail(); // also: no whitespace between '^' and the number
    const start = readDigits();
    if (start === null) return fail();
    skipSpaces();

    if (s[i] === ',' || i >= s.length) {
      if (start >= NODESET_BITS) return fail(); // virBitmapSetBit/ClearBit fail out of range
      bits[start] = negate ? 0 : 1;
      if (start > top) top = start;
    } else if (s[i] === '-') {
      if (negate) return fail();
      i++;
      // virSkipSpaces, then virStrToLong_i (strtol, which skips whitespace itself and takes an
      // optional sign).
      skipSpaces();
      let negative = false;
      if (s[i] === '+') i++;
      else if (s[i] === '-') {
        negative = true;
        i++;
      }
      const magnitude = readDigits();
      if (magnitude === null) return fail();
      const last = negative ? -magnitude : magnitude;
      if (last < start) return fail();
      if (last >= NODESET_BITS) return fail(); // setting bit 16384 fails
      for (let b = start; b <= last; b++) bits[b] = 1;
      if (last > top) top = last;
      skipSpaces();
    }

    if (s[i] === ',') {
      i++;
      skipSpaces();
    } else if (i >= s.length) {
      break;
    } else {
      return fail();
    }
  }
  return top;
}

/**
 * libvirt's canonical form of a set (`virBitmapFormat`): ascending ids, consecutive runs as
 * `N-M`, e.g. [0,1,3] → `0-1,3`, [0,1,2,3,5] → `0-3,5`. Input order and duplicates do not
 * matter; the empty set is ''.
 */
export function formatNodeset(ids: readonly number[]): string {
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new RangeError(`formatNodeset: not a node/CPU id: ${id}`);
    }
  }
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  let k = 0;
  while (k < sorted.length) {
    const first = sorted[k] as number;
    let last = first;
    while (k + 1 < sorted.length && sorted[k + 1] === last + 1) {
      k++;
      last = sorted[k] as number;
    }
    parts.push(first === last ? `${first}` : `${first}-${last}`);
    k++;
  }
  return parts.join(',');
}
