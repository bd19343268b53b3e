/**
 * Parsers for the sysfs/procfs file formats the snapshot reads (spec §8). Pure functions:
 * text in, value out; anything they cannot make sense of goes to `report` (one plain
 * sentence, the caller prefixes the file name) and gives `null`.
 */
import { quoteContent } from './errors.js';
import type { CpuFlags, HugetlbfsMount } from './snapshot.js';

export type Report = (detail: string) => void;

/**
 * The complete lines of a kernel-generated file. sysfs and procfs files always end with a
 * newline; a file without one was cut short, so its last (partial) line is dropped.
 * Returns null for an empty file.
 */
export function completeLines(text: string, report: Report): string[] | null {
  if (text.length === 0) {
    report('file is empty');
    return null;
  }
  const lines = text.split('\n');
  const last = lines.pop();
  if (last !== '') report(`truncated: the last line ${quoteContent(last ?? '')} has no line end`);
  return lines;
}

/** A non-negative decimal integer (as sysfs writes counts), or null. */
export function parseCount(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** A one-value sysfs file holding a count (`nr_hugepages`, `pages_shared`, …). */
export function parseCountFile(text: string, report: Report): number | null {
  const value = singleValue(text, report);
  if (value === null) return null;
  const n = parseCount(value);
  if (n === null) report(`expected a whole number, found ${quoteContent(value)}`);
  return n;
}

/** The value of a one-line file, trimmed; null (and reported) when empty or truncated. */
export function singleValue(text: string, report: Report): string | null {
  const lines = completeLines(text, report);
  if (lines === null || lines.length === 0) return null;
  const value = lines[0]!.trim();
  if (value === '' && lines.length === 1) {
    report('holds no value');
    return null;
  }
  return value;
}

/** A boolean module parameter or knob: `Y`/`N`, `1`/`0`. */
export function parseBoolFile(text: string, report: Report): boolean | null {
  const value = singleValue(text, report);
  if (value === null) return null;
  if (value === 'Y' || value === 'y' || value === '1') return true;
  if (value === 'N' || value === 'n' || value === '0') return false;
  report(`expected Y, N, 1 or 0, found ${quoteContent(value)}`);
  return null;
}

/** A file holding one of a few small integers (`ksm/run`, `overcommit_memory`). */
export function parseChoiceFile<T extends number>(
  text: string,
  allowed: readonly T[],
  report: Report,
): T | null {
  const value = singleValue(text, report);
  if (value === null) return null;
  const n = parseCount(value);
  if (n !== null && (allowed as readonly number[]).includes(n)) return n as T;
  report(`expected one of ${allowed.join(', ')}, found ${quoteContent(value)}`);
  return null;
}

/** The bracketed word of a THP mode file: `always [madvise] never` → `madvise`. */
export function parseBracketedFile(text: string, report: Report): string | null {
  const value = singleValue(text, report);
  if (value === null) return null;
  const m = /\[([^\]\s]+)\]/.exec(value);
  if (m) return m[1]!;
  report(`no [selected] value in ${quoteContent(value)}`);
  return null;
}

/** A node list in range syntax (`0-1,8`). An empty list is valid. */
export function parseNodeList(text: string): number[] | null {
  const value = text.trim();
  if (value === '') return [];
  const out = new Set<number>();
  for (const part of value.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from > 65536) return null;
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** A node list file (`/sys/devices/system/node/online`). */
export function parseNodeListFile(text: string, report: Report): number[] | null {
  const lines = completeLines(text, report);
  if (lines === null || lines.length === 0) return null;
  const list = parseNodeList(lines[0]!);
  if (list === null) report(`expected a node list such as 0-1,8, found ${quoteContent(lines[0]!)}`);
  return list;
}

/**
 * The `key: value [kB]` lines of /proc/meminfo or `node<N>/meminfo` (whose lines start with
 * `Node <N> `). Only `keys` are looked at; a wanted line with a non-number is reported.
 * Values are returned as written (kB for sizes, pages for `HugePages_*`).
 */
export function parseMeminfo(
  text: string,
  keys: readonly string[],
  report: Report,
): Map<string, number> {
  const out = new Map<string, number>();
  const lines = completeLines(text, report);
  if (lines === null) return out;
  const wanted = new Set(keys);
  for (const line of lines) {
    const m = /^(?:Node\s+\d+\s+)?([^\s:]+):\s*(.*)$/.exec(line);
    if (!m || !wanted.has(m[1]!)) continue;
    const key = m[1]!;
    const raw = m[2]!.trim();
    const v = /^(\d+)(?:\s+kB)?$/.exec(raw);
    const n = v ? parseCount(v[1]!) : null;
    if (n === null) {
      report(`${key} is not a number: ${quoteContent(raw)}`);
      continue;
    }
    if (!out.has(key)) out.set(key, n);
  }
  return out;
}

/**
 * A size as the kernel's `memparse` reads it (hugetlbfs `pagesize=`, `size=`, `min_size=`,
 * `nr_inodes=`): a number with an optional K/M/G/T/P/E suffix. Returns bytes (or the plain
 * count), or null.
 */
export function parseMemparse(text: string): number | null {
  const m = /^(\d+)([kKmMgGtTpPeE]?)$/.exec(text);
  if (!m) return null;
  const shift = { '': 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60 }[m[2]!.toLowerCase()]!;
  const n = Number(m[1]) * 2 ** shift;
  return Number.isSafeInteger(n) ? n : null;
}

/** Decode the octal escapes /proc/mounts uses for space, tab, newline and backslash. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export interface MountsInfo {
  hugetlbfs: HugetlbfsMount[];
  memoryCgroup: 'v1' | 'v2' | null;
}

/**
 * The hugetlbfs mounts of /proc/mounts, in file order, and the memory cgroup version.
 * A mount without `pagesize=` serves the default huge page size (spec R2.2).
 */
export function parseMounts(
  text: string,
  defaultSizeKiB: number | null,
  report: Report,
): MountsInfo | null {
  const lines = completeLines(text, report);
  if (lines === null) return null;
  const hugetlbfs: HugetlbfsMount[] = [];
  let v1Memory = false;
  let v2 = false;
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const fields = line.split(/[ \t]+/);
    if (fields.length < 4) {
      report(`line ${index + 1} has fewer than 4 fields: ${quoteContent(line)}`);
      return;
    }
    const [device, mountPoint, fsType, options] = fields as [string, string, string, string];
    const opts = options.split(',');
    if (fsType === 'cgroup' && opts.includes('memory')) v1Memory = true;
    if (fsType === 'cgroup2') v2 = true;
    if (fsType !== 'hugetlbfs') return;
    const path = unescapeMountField(mountPoint);
    const option = (name: string): string | undefined => {
      const hit = opts.find((o) => o.startsWith(`${name}=`));
      return hit?.slice(name.length + 1);
    };
    const sizeOption = (name: string, divisor: number): number | null => {
      const raw = option(name);
      if (raw === undefined) return null;
      const n = parseMemparse(raw);
      if (n === null) {
        report(`mount ${path}: ${name}=${raw} is not a size`);
        return null;
      }
      return Math.floor(n / divisor);
    };
    let pageSizeKiB: number | null = defaultSizeKiB;
    const pagesizeRaw = option('pagesize');
    if (pagesizeRaw !== undefined) {
      const bytes = parseMemparse(pagesizeRaw);
      if (bytes === null || bytes % 1024 !== 0 || bytes === 0) {
        report(`mount ${path}: pagesize=${pagesizeRaw} is not a page size`);
        pageSizeKiB = null;
      } else {
        pageSizeKiB = bytes / 1024;
      }
    }
    hugetlbfs.push({
      path,
      device: unescapeMountField(device),
      pageSizeKiB,
      pageSizeExplicit: pagesizeRaw !== undefined,
      sizeLimitKiB: sizeOption('size', 1024),
      minSizeKiB: sizeOption('min_size', 1024),
      nrInodes: sizeOption('nr_inodes', 1),
      options,
    });
  });
  return { hugetlbfs, memoryCgroup: v1Memory ? 'v1' : v2 ? 'v2' : null };
}

/** Which of the flags that matter the first CPU of /proc/cpuinfo has. */
export function parseCpuinfo(text: string, report: Report): CpuFlags {
  const unknown: CpuFlags = { pdpe1gb: null, vmx: null, svm: null, ept: null, npt: null };
  const lines = completeLines(text, report);
  if (lines === null) return unknown;
  let flags: Set<string> | null = null;
  let vmxFlags: Set<string> | null = null;
  for (const line of lines) {
    // The first processor block ends at the first blank line.
    if (line.trim() === '') {
      if (flags !== null) break;
      continue;
    }
    const m = /^([^:]*?)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'flags' && flags === null) flags = new Set(m[2]!.trim().split(/\s+/));
    else if (m[1] === 'vmx flags' && vmxFlags === null) vmxFlags = new Set(m[2]!.trim().split(/\s+/));
  }
  if (flags === null) return unknown;
  const vmx = flags.has('vmx');
  const svm = flags.has('svm');
  let ept: boolean | null;
  if (flags.has('ept') || vmxFlags?.has('ept')) ept = true;
  else if (!vmx || vmxFlags !== null) ept = false;
  else ept = null; // VT-x without a `vmx flags` line and no `ept` token: kernel-dependent
  return {
    pdpe1gb: flags.has('pdpe1gb'),
    vmx,
    svm,
    ept,
    npt: flags.has('npt'),
  };
}
