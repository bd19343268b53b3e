/**
 * Host snapshots from what admins already have: `virsh capabilities` XML and
 * `virsh freepages --all` text (spec R8.2), and merging partial snapshots.
 *
 * These inputs carry less than sysfs: capabilities gives per-node pool sizes (`nr_hugepages`)
 * and node memory but no free counts; freepages gives per-node free counts only. Everything
 * else (mounts, reserved pages, THP, KSM, default size, …) is null = unknown, never guessed.
 * The only derived values are exact kernel identities: a global pool count is the sum of the
 * per-node counts, and a node's free memory is its free system pages times the page size.
 */
import { HostInputError, quoteContent } from './errors.js';
import { SYSTEM_PAGE_KIB } from '../libvirt/arch.js';
import type {
  CpuFlags,
  HostNode,
  HostSnapshot,
  HugepagePool,
  NodeHugepagePool,
} from './snapshot.js';

/** A snapshot with every fact unknown; parsers fill in what their input tells. */
export function emptySnapshot(): HostSnapshot {
  return {
    schemaVersion: 1,
    sources: [],
    takenAt: null,
    hostname: null,
    kernelRelease: null,
    defaultHugepageSizeKiB: null,
    memory: { totalKiB: null, availableKiB: null, commitLimitKiB: null, committedKiB: null, overcommitMode: null, swapTotalKiB: null, swapFreeKiB: null },
    hugepages: null,
    nodes: null,
    mounts: null,
    thp: { enabled: null, defrag: null },
    ksm: { run: null, mergeAcrossNodes: null, pagesShared: null, pagesSharing: null },
    cpu: { pdpe1gb: null, vmx: null, svm: null, ept: null, npt: null },
    kvm: { devKvm: null, eptEnabled: null, nptEnabled: null },
    memoryCgroup: null,
    onlineCpus: null,
    numad: null,
  };
}

/**
 * Which listed size is the system (non-huge) page size. libvirt lists it first and smallest
 * (4 KiB on x86). A lone size is taken as the system size only when it is 4 KiB, since
 * `virsh freepages --pagesize 2048 --all` lists just the huge size.
 */
function systemPageSize(sizes: readonly number[]): number | null {
  if (sizes.length === 0) return null;
  const smallest = Math.min(...sizes);
  if (smallest === SYSTEM_PAGE_KIB) return SYSTEM_PAGE_KIB;
  return sizes.length > 1 && smallest <= 64 ? smallest : null;
}

/** Σ of per-node values, or null unless every node has one. */
function sumOverNodes(nodes: HostNode[], sizeKiB: number, field: 'total' | 'free' | 'surplus'): number | null {
  let sum = 0;
  for (const n of nodes) {
    const v = n.hugepages?.find((p) => p.sizeKiB === sizeKiB)?.[field];
    if (v === undefined || v === null) return null;
    sum += v;
  }
  return nodes.length > 0 ? sum : null;
}

// ---------------------------------------------------------------------------------------
// virsh capabilities

interface XmlElement {
  nodeName: string;
  childNodes: ArrayLike<{ nodeType: number }>;
  getAttribute(name: string): string | null;
  textContent: string | null;
}

const ELEMENT_NODE = 1;

function children(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (let i = 0; i < el.childNodes.length; i++) {
    const c = el.childNodes[i]!;
    if (c.nodeType === ELEMENT_NODE && (name === undefined || (c as unknown as XmlElement).nodeName === name)) {
      out.push(c as unknown as XmlElement);
    }
  }
  return out;
}

function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el ? children(el, name)[0] : undefined;
}

/** Parse XML with @xmldom/xmldom (loaded lazily); never prints, throws one-line errors. */
async function parseXml(text: string, file: string): Promise<XmlElement> {
  const { DOMParser } = await import('@xmldom/xmldom');
  let where = '';
  const parser = new DOMParser({
    onError: (level, message, context) => {
      if (level === 'warning') return;
      const loc = (context as { locator?: { lineNumber?: number; columnNumber?: number } } | undefined)?.locator;
      if (loc?.lineNumber) where = ` at line ${loc.lineNumber} column ${loc.columnNumber ?? 0}`;
      throw new Error(message);
    },
  });
  let doc: { documentElement: unknown } | undefined;
  try {
    doc = parser.parseFromString(text, 'text/xml') as unknown as { documentElement: unknown };
  } catch (err) {
    const e = err as Error & { locator?: { lineNumber?: number; columnNumber?: number } };
    if (!where && e.locator?.lineNumber) where = ` at line ${e.locator.lineNumber} column ${e.locator.columnNumber ?? 0}`;
    const msg = e.message.replace(/^Reporting \w+ "(.*)" caused Error: .*$/s, '$1');
    throw new HostInputError(file, `not well-formed XML${where}: ${msg}`);
  }
  const root = doc?.documentElement as XmlElement | null | undefined;
  if (!root) throw new HostInputError(file, 'not well-formed XML: no root element');
  return root;
}

/** A `<pages>`/`<memory>` value in KiB (libvirt writes `unit='KiB'`; other units are refused). */
function kibAttr(el: XmlElement, attr: string | null, file: string, what: string): number {
  const unit = el.getAttribute('unit');
  if (unit !== null && unit !== 'KiB') {
    throw new HostInputError(file, `${what}: unit '${unit}' is not supported (virsh capabilities writes KiB)`);
  }
  const raw = (attr === null ? el.textContent : el.getAttribute(attr)) ?? '';
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new HostInputError(file, `${what}: expected a whole number, found ${quoteContent(raw.trim())}`);
  return n;
}

function countText(el: XmlElement, file: string, what: string): number {
  const raw = (el.textContent ?? '').trim();
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new HostInputError(file, `${what}: expected a whole number, found ${quoteContent(raw)}`);
  return n;
}

/**
 * A snapshot from `virsh capabilities` output: node list and memory, per-node pool sizes
 * (`<pages>` of each `<cell>` = `nr_hugepages`), the huge page sizes the host offers, CPU
 * features listed for the host CPU, and whether libvirt offers `<domain type='kvm'/>`.
 * Free and reserved counts, mounts, THP, KSM and the default size stay unknown.
 */
export async function snapshotFromCapabilities(xmlText: string, file = 'capabilities.xml'): Promise<HostSnapshot> {
  const root = await parseXml(xmlText, file);
  if (root.nodeName !== 'capabilities') {
    throw new HostInputError(file, `XML root is <${root.nodeName}>, expected <capabilities> (the output of \`virsh capabilities\`)`);
  }
  const host = child(root, 'host');
  if (!host) throw new HostInputError(file, '<capabilities> has no <host> element');
  const snap = emptySnapshot();
  snap.sources = ['virsh-capabilities'];

  // Host CPU: features beyond the named model, and the page sizes the kernel offers.
  const cpu = child(host, 'cpu');
  const features = new Set(
    (cpu ? children(cpu, 'feature') : []).map((f) => f.getAttribute('name') ?? '').filter((n) => n !== ''),
  );
  const cpuSizes = (cpu ? children(cpu, 'pages') : []).map((p, i) =>
    kibAttr(p, 'size', file, `host cpu <pages> #${i + 1} size`),
  );

  // NUMA cells.
  const cellsEl = child(child(host, 'topology'), 'cells');
  const cells = cellsEl ? children(cellsEl, 'cell') : [];
  const cellPages = cells.map((cell) => {
    const id = cell.getAttribute('id') ?? '';
    return children(cell, 'pages').map((p) => ({
      sizeKiB: kibAttr(p, 'size', file, `cell ${id} <pages> size`),
      count: countText(p, file, `cell ${id} <pages size='${p.getAttribute('size')}'>`),
    }));
  });
  const allSizes = cpuSizes.length > 0 ? cpuSizes : cellPages.flat().map((p) => p.sizeKiB);
  const system = systemPageSize([...new Set(allSizes)]);
  const hugeSizes = [...new Set(allSizes)].filter((s) => s !== system).sort((a, b) => a - b);

  if (cellsEl) {
    snap.nodes = cells
      .map((cell, i): HostNode => {
        const rawId = cell.getAttribute('id') ?? '';
        if (!/^\d+$/.test(rawId)) throw new HostInputError(file, `<cell> #${i + 1}: id ${quoteContent(rawId)} is not a node number`);
        const memEl = child(cell, 'memory');
        const pages = cellPages[i]!;
        const pools: NodeHugepagePool[] | null =
          pages.length === 0
            ? null
            : hugeSizes.map((sizeKiB) => ({
                sizeKiB,
                total: pages.find((p) => p.sizeKiB === sizeKiB)?.count ?? null,
                free: null,
                surplus: null,
              }));
        return {
          id: Number(rawId),
          online: null,
          memTotalKiB: memEl ? kibAttr(memEl, null, file, `cell ${rawId} <memory>`) : null,
          memFreeKiB: null,
          hugepages: pools,
        };
      })
      .sort((a, b) => a.id - b.id);
  }

  if (allSizes.length > 0) {
    snap.hugepages = hugeSizes.map(
      (sizeKiB): HugepagePool => ({
        sizeKiB,
        total: snap.nodes ? sumOverNodes(snap.nodes, sizeKiB, 'total') : null,
        free: null,
        reserved: null,
        surplus: null,
        overcommit: null,
      }),
    );
  }

  const arch = child(cpu, 'arch')?.textContent?.trim();
  const x86 = arch === 'x86_64' || arch === 'i686';
  const has = (name: string): true | null => (features.has(name) ? true : null);
  const flags: CpuFlags = {
    // On x86 the kernel offers 1 GiB pages only on CPUs with pdpe1gb.
    pdpe1gb: features.has('pdpe1gb') || (x86 && hugeSizes.includes(1048576)) ? true : null,
    vmx: has('vmx'),
    svm: has('svm'),
    ept: has('vmx-ept'),
    npt: has('npt'),
  };
  snap.cpu = flags;

  const guests = children(root, 'guest');
  if (guests.length > 0) {
    snap.kvm.devKvm = guests.some((g) =>
      children(g, 'arch').some((a) => children(a, 'domain').some((d) => d.getAttribute('type') === 'kvm')),
    );
  }
  return snap;
}

// ---------------------------------------------------------------------------------------
// virsh freepages --all

/**
 * A snapshot from `virsh freepages --all` output (`Node 0:` then `4KiB: 1234`,
 * `2048KiB: 12`, … per node): free pages per node and size. The system page size line
 * gives the node's free memory. Pool sizes, reservations and everything else stay unknown.
 */
export function snapshotFromFreepages(text: string, file = 'freepages.txt'): HostSnapshot {
  const blocks: Array<{ id: number; pages: Array<{ sizeKiB: number; free: number }> }> = [];
  let sawSizeOutsideNode = false;
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '') return;
    const node = /^\S+\s+(\d+):$/.exec(line);
    if (node) {
      const id = Number(node[1]);
      if (blocks.some((b) => b.id === id)) throw new HostInputError(file, `line ${index + 1}: node ${id} appears twice`);
      blocks.push({ id, pages: [] });
      return;
    }
    const size = /^(\d+)KiB:\s*(\d+)$/.exec(line);
    if (size) {
      const current = blocks[blocks.length - 1];
      if (!current) {
        sawSizeOutsideNode = true;
        return;
      }
      current.pages.push({ sizeKiB: Number(size[1]), free: Number(size[2]) });
      return;
    }
    throw new HostInputError(
      file,
      `line ${index + 1}: expected "Node N:" or "<size>KiB: <count>" (virsh freepages --all), found ${quoteContent(line)}`,
    );
  });
  if (blocks.length === 0) {
    throw new HostInputError(
      file,
      sawSizeOutsideNode
        ? 'no "Node N:" lines, so the counts cannot be placed on nodes; use `virsh freepages --all`'
        : 'no "Node N:" lines (expected the output of `virsh freepages --all`)',
    );
  }

  const allSizes = [...new Set(blocks.flatMap((b) => b.pages.map((p) => p.sizeKiB)))];
  const system = systemPageSize(allSizes);
  const hugeSizes = allSizes.filter((s) => s !== system).sort((a, b) => a - b);

  const snap = emptySnapshot();
  snap.sources = ['virsh-freepages'];
  snap.nodes = blocks
    .map((b): HostNode => {
      const sys = system === null ? undefined : b.pages.find((p) => p.sizeKiB === system);
      return {
        id: b.id,
        online: null,
        memTotalKiB: null,
        memFreeKiB: sys && system !== null ? sys.free * system : null,
        hugepages: hugeSizes.map((sizeKiB) => ({
          sizeKiB,
          total: null,
          free: b.pages.find((p) => p.sizeKiB === sizeKiB)?.free ?? null,
          surplus: null,
        })),
      };
    })
    .sort((a, b) => a.id - b.id);
  snap.hugepages = hugeSizes.map((sizeKiB) => ({
    sizeKiB,
    total: null,
    free: sumOverNodes(snap.nodes!, sizeKiB, 'free'),
    reserved: null,
    surplus: null,
    overcommit: null,
  }));
  return snap;
}

// ---------------------------------------------------------------------------------------
// merging

/** Every key of `a`, each the first non-null of `a[k]`, `b[k]`. */
function mergeFlat<T extends object>(a: T, b: T): T {
  const out = { ...a };
  for (const k of Object.keys(b) as Array<keyof T>) {
    if (out[k] === null || out[k] === undefined) out[k] = b[k];
  }
  return out;
}

/** Merge two lists of records keyed by `key`; records are merged field by field; sorted. */
function mergeKeyed<T extends object>(
  a: T[] | null,
  b: T[] | null,
  key: (t: T) => number,
  mergeItem: (x: T, y: T) => T,
): T[] | null {
  if (a === null) return b === null ? null : b.map((x) => ({ ...x }));
  if (b === null) return a.map((x) => ({ ...x }));
  const byKey = new Map<number, T>();
  for (const x of a) byKey.set(key(x), { ...x });
  for (const y of b) {
    const x = byKey.get(key(y));
    byKey.set(key(y), x ? mergeItem(x, y) : { ...y });
  }
  return [...byKey.values()].sort((x, y) => key(x) - key(y));
}

function mergeNode(x: HostNode, y: HostNode): HostNode {
  return {
    ...mergeFlat(x, y),
    hugepages: mergeKeyed(x.hugepages, y.hugepages, (p) => p.sizeKiB, mergeFlat),
  };
}

/**
 * Merge snapshots of the same host. For every fact the first snapshot that knows it (non-null)
 * wins; pools and nodes are matched by page size and node id; mounts come whole from the first
 * snapshot that has them. `sources` lists all inputs.
 */
export function mergeSnapshots(...snapshots: HostSnapshot[]): HostSnapshot {
  return snapshots.reduce((acc, s) => {
    const m = mergeFlat(acc, s);
    return {
      ...m,
      schemaVersion: 1,
      sources: [...new Set([...acc.sources, ...s.sources])],
      memory: mergeFlat(acc.memory, s.memory),
      hugepages: mergeKeyed(acc.hugepages, s.hugepages, (p) => p.sizeKiB, mergeFlat),
      nodes: mergeKeyed(acc.nodes, s.nodes, (n) => n.id, mergeNode),
      mounts: acc.mounts ?? (s.mounts ? s.mounts.map((x) => ({ ...x })) : null),
      thp: mergeFlat(acc.thp, s.thp),
      ksm: mergeFlat(acc.ksm, s.ksm),
      cpu: mergeFlat(acc.cpu, s.cpu),
      kvm: mergeFlat(acc.kvm, s.kvm),
    };
  }, emptySnapshot());
}
