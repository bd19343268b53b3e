/**
 * The conformance corpus: domain XML files labelled by real libvirt 9.0 + QEMU 7.2.
 *
 *   fixtures/conformance/<case>/domain.xml   the input (`<name>kvmxml-<case></name>`)
 *   fixtures/conformance/<case>/case.json    written by hand: description, host, start, caveat
 *   fixtures/conformance/<case>/label.json   written only by `scripts/label.mjs` from real libvirt 9.0
 *   fixtures/conformance/<case>/label-11.3.json   the same from real libvirt 11.3 (LAB_LIBVIRTS)
 *
 * This module only reads files and compares data; it never talks to libvirt (that is `lab.ts`),
 * so it can be imported by plain unit tests and by the kvmxml-vs-label check.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CORPUS_DIR = join(REPO_ROOT, 'fixtures', 'conformance');
/** Every lab domain's name starts with this; `scripts/libvirt-lab.sh reset` removes them all. */
export const DOMAIN_PREFIX = 'kvmxml-';

export interface MountSpec {
  /** Mount point; must lie under /run/kvmxml-lab/. */
  path: string;
  /** `pagesize=` option, e.g. "2M" or "1G"; absent = the kernel default size. */
  pagesize?: string;
}

export interface HostSpec {
  /** Pool size per page size in KiB (e.g. {"2048": 64}); sizes not named get 0 pages. */
  hugepages?: Record<string, number>;
  /** hugetlbfs mounts present when libvirtd starts, in /proc/mounts order. */
  mounts?: MountSpec[];
}

export interface CaseSpec {
  description: string;
  /** Absent = no huge pages in any pool, no hugetlbfs mount. */
  host?: HostSpec;
  /** Whether to `virsh start` after a successful define. */
  start: boolean;
  /** An environment peculiarity of the lab machine this case's outcome depends on. */
  caveat?: string;
}

export type Outcome = { ok: true } | { ok: false; error: string };

/** The dumpxml fragments a label keeps (when present in `virsh dumpxml --inactive`). */
export const FRAGMENTS = ['memory', 'currentMemory', 'memoryBacking', 'memtune', 'numatune', 'numa'] as const;
export type FragmentName = (typeof FRAGMENTS)[number];

/**
 * The facts of the machine a label was observed on that a labelled outcome can depend on
 * (test/libvirt/machine.ts says which case depends on which).
 */
export interface MachineFacts {
  /** `/dev/kvm` works and libvirt offers `type='kvm'` guests. */
  kvm: boolean;
  /** Huge page sizes the kernel offers (KiB), sorted. */
  hugepageSizesKiB: number[];
  /** Host NUMA node ids. */
  hostNodes: number[];
  /** `vendor_id` of /proc/cpuinfo. */
  cpuVendor: string | null;
  memoryCgroup: 'v1' | 'v2' | null;
  /** libvirtd may raise QEMU's RLIMIT_MEMLOCK (CAP_SYS_RESOURCE, or an unlimited hard limit). */
  memlockRaisable: boolean;
  /** /usr/bin/numad exists (automatic NUMA placement asks it). */
  numad: boolean;
  /** Online host CPUs (recorded since pinning cases; absent in older labels). */
  onlineCpus?: number[];
  /** MemTotal and SwapTotal in KiB (recorded since the host RAM cases; absent in older labels). */
  memTotalKiB?: number;
  swapTotalKiB?: number;
}

export interface Label {
  /** libvirt version that produced the label, e.g. "9.0.0". */
  libvirt: string;
  /** QEMU version behind it, e.g. "7.2.22". */
  qemu?: string;
  /** The machine it was observed on. */
  machine: MachineFacts;
  define: Outcome;
  /** null when not attempted (define failed or the case has `start: false`). */
  start: Outcome | null;
  /**
   * Canonical form of each element as `virsh dumpxml --inactive` prints it, exactly, except
   * that the element's own indentation is removed from its continuation lines (so the text is
   * what it would be at column 0). Absent when define failed.
   */
  dumpxml?: Partial<Record<FragmentName, string>>;
  /** Pages consumed per page size (KiB) while the guest ran; only sizes with a non-zero count. */
  hugepagesUsed?: Record<string, number>;
}

export interface LoadedCase {
  dir: string;
  name: string;
  xml: string;
  case: CaseSpec;
  /** The libvirt 9.0 label; null until the case has been labelled. */
  label: Label | null;
  /** The label of every lab libvirt that has labelled the case, by LAB_LIBVIRTS key. */
  labels: Partial<Record<LabLibvirt, Label>>;
}

/** The libvirts the lab runs (scripts/libvirt-lab.sh, KVMXML_LAB_LIBVIRT), each with its label file. */
export const LAB_LIBVIRTS = ['9.0', '11.3'] as const;
export type LabLibvirt = (typeof LAB_LIBVIRTS)[number];

/** The label file of a lab libvirt: 9.0's is label.json, the others' label-<version>.json. */
export function labelFile(libvirt: LabLibvirt): string {
  return libvirt === '9.0' ? 'label.json' : `label-${libvirt}.json`;
}

/** The lab libvirt a process drives: KVMXML_LAB_LIBVIRT, 9.0 when unset. */
export function selectedLibvirt(env: NodeJS.ProcessEnv = process.env): LabLibvirt {
  const v = env.KVMXML_LAB_LIBVIRT ?? '9.0';
  if (!(LAB_LIBVIRTS as readonly string[]).includes(v)) throw new Error(`KVMXML_LAB_LIBVIRT must be one of ${LAB_LIBVIRTS.join(', ')}, not ${v}`);
  return v as LabLibvirt;
}

/** Every case of the corpus (or of the given case directories), sorted by name. */
export function loadCases(dirs?: string[]): LoadedCase[] {
  const list =
    dirs ??
    readdirSync(CORPUS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(CORPUS_DIR, d.name));
  return list
    .map((d) => loadCase(resolve(d)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function loadCase(dir: string): LoadedCase {
  const name = dir.split('/').filter(Boolean).pop() ?? dir;
  const xml = readFileSync(join(dir, 'domain.xml'), 'utf8');
  const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseSpec;
  const labels: Partial<Record<LabLibvirt, Label>> = {};
  for (const v of LAB_LIBVIRTS) {
    const path = join(dir, labelFile(v));
    if (existsSync(path)) labels[v] = JSON.parse(readFileSync(path, 'utf8')) as Label;
  }
  return { dir, name, xml, case: spec, label: labels['9.0'] ?? null, labels };
}

/** The domain name a case must use. */
export function domainName(c: { name: string }): string {
  return DOMAIN_PREFIX + c.name;
}

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * Removes what changes from run to run in a libvirt/QEMU error message, so a stored label and
 * a fresh run can be compared:
 * - QEMU's `-msg timestamp=on` stamps (`2026-11-26T13:12:01.123456Z`) → `<timestamp>`;
 * - process ids (`process 1234`, `pid 1234`, `pid=1234`) → `<pid>`;
 * - domain ids in per-domain paths (`…/libvirt/qemu/3-kvmxml-x`, `…/domain-3-kvmxml-x`,
 *   `…/machine/qemu-3-kvmxml-x.libvirt-qemu`) → `<domid>`;
 * - a cgroup tree seen through another root (`/var/lib/…/sys/fs/cgroup/…`, the lab's chroot
 *   mounts it too) → `/sys/fs/cgroup/…`;
 * - libvirt 9.0 reports one QEMU start failure as either `qemu unexpectedly closed the monitor`
 *   or `process exited while connecting to monitor`, depending on timing: both become the first.
 *   (libvirt 11.3's `QEMU unexpectedly closed the monitor (vm='NAME')` is kept as it is.)
 * Trailing newlines are dropped; everything else is kept byte for byte.
 */
export function normaliseMessage(message: string): string {
  return message
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g, '<timestamp>')
    .replace(/\b(process|pid)([ =])\d+\b/g, '$1$2<pid>')
    .replace(/(\/(?:qemu|ram)\/|\/domain-|\/machine\/qemu-)\d+-/g, '$1<domid>-')
    .replace(/\/[^\s']*?\/sys\/fs\/cgroup\//g, '/sys/fs/cgroup/')
    .replace(/process exited while connecting to monitor/g, 'qemu unexpectedly closed the monitor')
    .replace(/\n+$/, '');
}

/**
 * The message `virsh` printed after `error: ` on its second error line (the first says which
 * operation failed), with any further lines it printed (libxml2 context and marker lines).
 */
export function virshErrorMessage(stderr: string): string {
  const lines = stderr.replace(/\r\n/g, '\n').split('\n');
  const errorLines = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('error: '));
  const second = errorLines[1] ?? errorLines[0];
  if (!second) return stderr.replace(/\n+$/, '');
  const [line, index] = second;
  return [line.slice('error: '.length), ...lines.slice(index + 1)].join('\n').replace(/\n+$/, '');
}

// ---------------------------------------------------------------------------------------------
// dumpxml fragments

/** Paths (from `<domain>`) of the elements a label keeps. */
const FRAGMENT_PATHS: Record<FragmentName, string> = {
  memory: 'domain/memory',
  currentMemory: 'domain/currentMemory',
  memoryBacking: 'domain/memoryBacking',
  memtune: 'domain/memtune',
  numatune: 'domain/numatune',
  numa: 'domain/cpu/numa',
};

/**
 * The label fragments of a `virsh dumpxml` output: each element's text from `<` to the end of
 * its closing tag, with the element's own line indentation removed from continuation lines.
 */
export function extractFragments(dumpxml: string): Partial<Record<FragmentName, string>> {
  const wanted = new Map(Object.entries(FRAGMENT_PATHS).map(([k, v]) => [v, k as FragmentName]));
  const out: Partial<Record<FragmentName, string>> = {};
  const stack: { name: string; start: number }[] = [];
  const tag = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z_][\w.:-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  for (let m = tag.exec(dumpxml); m; m = tag.exec(dumpxml)) {
    const [whole, closing, name, , selfClosing] = m;
    if (name === undefined) continue; // comment or processing instruction
    if (closing) {
      const open = stack.pop();
      if (!open) break;
      const path = [...stack.map((s) => s.name), open.name].join('/');
      record(path, open.start, m.index + whole.length);
    } else if (selfClosing) {
      const path = [...stack.map((s) => s.name), name].join('/');
      record(path, m.index, m.index + whole.length);
    } else {
      stack.push({ name, start: m.index });
    }
  }
  return out;

  function record(path: string, start: number, end: number): void {
    const key = wanted.get(path);
    if (!key || out[key] !== undefined) return;
    const lineStart = dumpxml.lastIndexOf('\n', start - 1) + 1;
    const indent = dumpxml.slice(lineStart, start);
    let text = dumpxml.slice(start, end);
    if (/^[ \t]*$/.test(indent) && indent.length > 0) text = text.split('\n' + indent).join('\n');
    out[key] = text;
  }
}

// ---------------------------------------------------------------------------------------------
// Host grouping

/** A canonical key of a case's host: cases with equal keys can run without touching the host. */
export function hostKey(host: HostSpec | undefined): string {
  const pools = Object.entries(host?.hugepages ?? {})
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => Number(a) - Number(b));
  const mounts = (host?.mounts ?? []).map((m) => `${m.path}:${m.pagesize ?? ''}`);
  return JSON.stringify({ mounts, pools });
}

/** The mount part of a host: changing it restarts libvirtd. */
export function mountKey(host: HostSpec | undefined): string {
  return JSON.stringify((host?.mounts ?? []).map((m) => `${m.path}:${m.pagesize ?? ''}`));
}

/**
 * Cases ordered so that equal hosts are adjacent and equal mount sets are adjacent (each mount
 * change costs a libvirtd restart); mount-less hosts first. Order inside a group: by name.
 */
export function orderByHost<T extends { name: string; case: CaseSpec }>(cases: T[]): T[] {
  const key = (c: T) => {
    const mounts = c.case.host?.mounts ?? [];
    return `${String(mounts.length).padStart(2, '0')}|${mountKey(c.case.host)}|${hostKey(c.case.host)}|${c.name}`;
  };
  return [...cases].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Shapes

const CASE_KEYS = new Set(['description', 'host', 'start', 'caveat']);
const LABEL_KEYS = new Set(['libvirt', 'qemu', 'machine', 'define', 'start', 'dumpxml', 'hugepagesUsed']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPools(v: unknown, where: string, problems: string[]): void {
  if (!isRecord(v)) {
    problems.push(`${where} must be an object of page size (KiB) → count`);
    return;
  }
  for (const [size, n] of Object.entries(v)) {
    if (!/^[1-9][0-9]*$/.test(size)) problems.push(`${where}: page size '${size}' is not a KiB number`);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) problems.push(`${where}.${size} must be a count`);
  }
}

/** Problems with a case.json (empty when well formed). */
export function checkCaseShape(v: unknown): string[] {
  const p: string[] = [];
  if (!isRecord(v)) return ['case.json must be an object'];
  for (const k of Object.keys(v)) if (!CASE_KEYS.has(k)) p.push(`case.json: unknown key '${k}'`);
  if (typeof v.description !== 'string' || v.description.trim() === '') p.push('case.json: description must be a non-empty string');
  if (typeof v.start !== 'boolean') p.push('case.json: start must be true or false');
  if (v.caveat !== undefined && (typeof v.caveat !== 'string' || v.caveat.trim() === '')) p.push('case.json: caveat must be a non-empty string');
  if (v.host !== undefined) {
    if (!isRecord(v.host)) p.push('case.json: host must be an object');
    else {
      for (const k of Object.keys(v.host)) if (k !== 'hugepages' && k !== 'mounts') p.push(`case.json: unknown host key '${k}'`);
      if (v.host.hugepages !== undefined) checkPools(v.host.hugepages, 'case.json: host.hugepages', p);
      if (v.host.mounts !== undefined) {
        if (!Array.isArray(v.host.mounts)) p.push('case.json: host.mounts must be an array');
        else
          for (const m of v.host.mounts) {
            if (!isRecord(m) || typeof m.path !== 'string' || !m.path.startsWith('/run/kvmxml-lab/'))
              p.push('case.json: every mount needs a path under /run/kvmxml-lab/');
            else if (m.pagesize !== undefined && (typeof m.pagesize !== 'string' || !/^[0-9]+[KMG]$/.test(m.pagesize)))
              p.push(`case.json: mount ${m.path}: pagesize must look like 2M or 1G`);
          }
      }
    }
  }
  return p;
}

function checkOutcome(v: unknown, where: string, p: string[]): void {
  if (!isRecord(v) || typeof v.ok !== 'boolean') {
    p.push(`${where} must be {"ok": true} or {"ok": false, "error": "..."}`);
    return;
  }
  if (v.ok && Object.keys(v).length !== 1) p.push(`${where}: a success carries no other key`);
  if (!v.ok && (typeof v.error !== 'string' || v.error === '' || Object.keys(v).length !== 2))
    p.push(`${where}: a failure carries exactly one non-empty "error"`);
  if (!v.ok && typeof v.error === 'string' && normaliseMessage(v.error) !== v.error)
    p.push(`${where}: error is not normalised`);
}

const MACHINE_KEYS = ['kvm', 'hugepageSizesKiB', 'hostNodes', 'cpuVendor', 'memoryCgroup', 'memlockRaisable', 'numad'];
/** Facts recorded only by newer labels, after the others and in this order. */
const LATER_MACHINE_KEYS = ['onlineCpus', 'memTotalKiB', 'swapTotalKiB'];

function checkMachineShape(v: unknown, p: string[]): void {
  if (!isRecord(v)) {
    p.push('label.json: machine must be an object');
    return;
  }
  const keys = Object.keys(v);
  const later = keys.slice(MACHINE_KEYS.length);
  if (JSON.stringify(keys.slice(0, MACHINE_KEYS.length)) !== JSON.stringify(MACHINE_KEYS) || JSON.stringify(later) !== JSON.stringify(LATER_MACHINE_KEYS.filter((k) => later.includes(k))))
    p.push(`label.json: machine must have exactly ${MACHINE_KEYS.join(', ')} (then optionally ${LATER_MACHINE_KEYS.join(', ')})`);
  if (v.onlineCpus !== undefined && (!Array.isArray(v.onlineCpus) || !(v.onlineCpus as unknown[]).every((n) => Number.isInteger(n) && (n as number) >= 0))) p.push('label.json: machine.onlineCpus must be a list of numbers');
  for (const k of ['memTotalKiB', 'swapTotalKiB']) if (v[k] !== undefined && !(Number.isInteger(v[k]) && (v[k] as number) >= 0)) p.push(`label.json: machine.${k} must be a number of KiB`);
  for (const k of ['kvm', 'memlockRaisable', 'numad']) if (typeof v[k] !== 'boolean') p.push(`label.json: machine.${k} must be true or false`);
  for (const k of ['hugepageSizesKiB', 'hostNodes'])
    if (!Array.isArray(v[k]) || !(v[k] as unknown[]).every((n) => Number.isInteger(n) && (n as number) >= 0)) p.push(`label.json: machine.${k} must be a list of numbers`);
  if (v.cpuVendor !== null && typeof v.cpuVendor !== 'string') p.push('label.json: machine.cpuVendor must be a string or null');
  if (v.memoryCgroup !== null && v.memoryCgroup !== 'v1' && v.memoryCgroup !== 'v2') p.push('label.json: machine.memoryCgroup must be v1, v2 or null');
}

/** Problems with a label.json, alone and against its case (empty when consistent). */
export function checkLabelShape(v: unknown, spec?: CaseSpec): string[] {
  const p: string[] = [];
  if (!isRecord(v)) return ['label.json must be an object'];
  for (const k of Object.keys(v)) if (!LABEL_KEYS.has(k)) p.push(`label.json: unknown key '${k}'`);
  if (typeof v.libvirt !== 'string' || !/^\d+\.\d+\.\d+$/.test(v.libvirt)) p.push('label.json: libvirt must be a version like 9.0.0');
  if (v.qemu !== undefined && typeof v.qemu !== 'string') p.push('label.json: qemu must be a version string');
  checkMachineShape(v.machine, p);
  checkOutcome(v.define, 'label.json: define', p);
  const defined = isRecord(v.define) && v.define.ok === true;
  if (v.start === null || v.start === undefined) {
    if (v.start === undefined) p.push('label.json: start must be present (null when not attempted)');
    if (defined && spec?.start === true) p.push('label.json: the case asks for a start but none is recorded');
  } else {
    checkOutcome(v.start, 'label.json: start', p);
    if (!defined) p.push('label.json: a start is recorded although define failed');
    if (spec && spec.start === false) p.push('label.json: a start is recorded although the case says start: false');
  }
  if (v.dumpxml !== undefined) {
    if (!defined) p.push('label.json: dumpxml recorded although define failed');
    if (!isRecord(v.dumpxml)) p.push('label.json: dumpxml must be an object');
    else
      for (const [k, t] of Object.entries(v.dumpxml)) {
        if (!(FRAGMENTS as readonly string[]).includes(k)) p.push(`label.json: unknown dumpxml fragment '${k}'`);
        const first = k === 'numa' ? 'numa' : k;
        if (typeof t !== 'string' || !t.startsWith(`<${first}`)) p.push(`label.json: dumpxml.${k} must be the <${first}> element's text`);
      }
  } else if (defined) p.push('label.json: a successful define must record dumpxml');
  const started = isRecord(v.start) && v.start.ok === true;
  if (v.hugepagesUsed !== undefined) {
    checkPools(v.hugepagesUsed, 'label.json: hugepagesUsed', p);
    if (!started) p.push('label.json: hugepagesUsed recorded although the guest did not start');
  } else if (started) p.push('label.json: a started guest must record hugepagesUsed ({} when none)');
  return p;
}

// ---------------------------------------------------------------------------------------------
// Comparison

function describeOutcome(o: Outcome | null | undefined): string {
  if (o === null || o === undefined) return 'not attempted';
  return o.ok ? 'ok' : `fails with ${JSON.stringify(o.error)}`;
}

/**
 * libvirt 11.3 words one QEMU start failure as `QEMU unexpectedly closed the monitor (vm='NAME')`
 * or, when QEMU exits sooner, as `process exited while connecting to monitor` (which
 * normaliseMessage writes as 9.0's `qemu unexpectedly closed the monitor`): timing, not a
 * different outcome (observed). Labels keep what was seen; comparisons treat both alike.
 */
function sameStartWords(message: string): string {
  return normaliseMessage(message).replace(/^internal error: QEMU unexpectedly closed the monitor \(vm='[^']*'\)/, 'internal error: qemu unexpectedly closed the monitor');
}

function sameOutcome(a: Outcome | null | undefined, b: Outcome | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (a.ok || b.ok) return a.ok === b.ok;
  return sameStartWords(a.error) === sameStartWords(b.error);
}

function canonicalPools(p: Record<string, number> | undefined): string {
  return JSON.stringify(
    Object.entries(p ?? {})
      .filter(([, n]) => n !== 0)
      .sort(([a], [b]) => Number(a) - Number(b)),
  );
}

/**
 * Differences between a stored label and a fresh observation (empty when they agree). Messages
 * are compared after `normaliseMessage`; dumpxml fragments and page counts exactly.
 */
export function compareLabels(expected: Label, actual: Label): string[] {
  const d: string[] = [];
  if (expected.libvirt !== actual.libvirt) d.push(`libvirt version: label ${expected.libvirt}, now ${actual.libvirt}`);
  if (!sameOutcome(expected.define, actual.define))
    d.push(`define: label says ${describeOutcome(expected.define)}, libvirt ${describeOutcome(actual.define)}`);
  if (!sameOutcome(expected.start, actual.start))
    d.push(`start: label says ${describeOutcome(expected.start)}, libvirt ${describeOutcome(actual.start)}`);
  for (const k of FRAGMENTS) {
    const e = expected.dumpxml?.[k];
    const a = actual.dumpxml?.[k];
    if (e !== a) d.push(`dumpxml <${k}>: label ${e === undefined ? 'has none' : JSON.stringify(e)}, libvirt ${a === undefined ? 'has none' : JSON.stringify(a)}`);
  }
  if ((expected.hugepagesUsed === undefined) !== (actual.hugepagesUsed === undefined) ||
      canonicalPools(expected.hugepagesUsed) !== canonicalPools(actual.hugepagesUsed))
    d.push(`huge pages used: label ${JSON.stringify(expected.hugepagesUsed ?? null)}, now ${JSON.stringify(actual.hugepagesUsed ?? null)}`);
  return d;
}

/** The label as `label.json` stores it (stable key order, two-space indent, final newline). */
export function serialiseLabel(label: Label): string {
  const ordered: Record<string, unknown> = { libvirt: label.libvirt };
  if (label.qemu !== undefined) ordered.qemu = label.qemu;
  if (label.machine !== undefined) {
    const m = label.machine;
    ordered.machine = {
      kvm: m.kvm,
      hugepageSizesKiB: m.hugepageSizesKiB,
      hostNodes: m.hostNodes,
      cpuVendor: m.cpuVendor,
      memoryCgroup: m.memoryCgroup,
      memlockRaisable: m.memlockRaisable,
      numad: m.numad,
      ...(m.onlineCpus !== undefined ? { onlineCpus: m.onlineCpus } : {}),
      ...(m.memTotalKiB !== undefined ? { memTotalKiB: m.memTotalKiB } : {}),
      ...(m.swapTotalKiB !== undefined ? { swapTotalKiB: m.swapTotalKiB } : {}),
    };
  }
  ordered.define = label.define;
  ordered.start = label.start;
  if (label.dumpxml !== undefined) {
    const frags: Record<string, string> = {};
    for (const k of FRAGMENTS) if (label.dumpxml[k] !== undefined) frags[k] = label.dumpxml[k];
    ordered.dumpxml = frags;
  }
  if (label.hugepagesUsed !== undefined) ordered.hugepagesUsed = label.hugepagesUsed;
  return JSON.stringify(ordered, null, 2) + '\n';
}
