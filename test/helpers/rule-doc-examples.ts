/**
 * The Failing / Fixed examples of the rule pages (rules/<id>.md) as whole domain definitions.
 *
 * The convention the pages follow:
 *
 * - The xml code blocks under `## Failing…` are the failing examples; those under `## Fixed…`
 *   (or `## Passing…`) the fixed ones. Other code blocks (libvirt's output) are not examples.
 * - An example is a fragment. Each top-level element goes where libvirt reads it, by its name:
 *   children of `<domain>` (`<memory>`, `<memtune>`, `<memoryBacking>`, `<cpu>`…) into the domain,
 *   device elements (`<disk>`, `<filesystem>`, `<memory model=…>`…) into `<devices>`, `<numa>` into
 *   `<cpu>`, `<cell>` into `<cpu><numa>`, `<hugepages>`/`<locked/>`… into `<memoryBacking>`, the
 *   limits (`<hard_limit>`…) into `<memtune>`. A `<domain>` element gives the domain's attributes
 *   and children. A line holding only `…` stands for the rest of the definition and is dropped.
 * - The layers, each replacing what the one below has of the same kind (all `<memtune>`s, all
 *   `<cell>`s of the `<numa>`, …) and adding the rest in libvirt's order: a skeleton domain
 *   (SKELETON), the page's hidden context (`<!-- example-context: xml -->`, for what an example
 *   needs but does not show, such as the guest NUMA cells a DIMM is plugged into), the Failing
 *   example, and — for a Fixed example — the Fixed block on top of the Failing one: a Fixed block
 *   shows what changes, the rest stays as in Failing.
 * - The containers (`<domain>`, `<devices>`, `<cpu>`, `<numa>`, `<memoryBacking>`, `<memtune>`) are
 *   written one child a line, two spaces deeper; every other element keeps its text as written
 *   (quotes, attribute order, inner layout, trailing comments), so a fix is compared to the byte
 *   there, while blank lines between a container's children do not count.
 * - Markers, in an HTML comment right above a block (`<!-- example: … -->`) or anywhere on the page
 *   for all its blocks (`<!-- examples: … -->`): `host=NAME` (lint with fixtures/hosts/NAME, as
 *   `--host`), `libvirt=11.3` (the profile), `schema` (with the installed libvirt schema),
 *   `alternative` (a Fixed block that is one hand-written way out, not what `kvmxml fix` writes:
 *   only the no-finding part is checked), `standalone` (a Fixed block that is the whole example,
 *   not laid over Failing: for fixes that remove an element). A Fixed block that is a whole
 *   `<domain>…</domain>` with no `…` line is standalone without the marker.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseXml } from '../../src/xml/document.js';
import type { XElement, XNode } from '../../src/xml/tree.js';

export interface ExampleMarkers {
  host?: string;
  libvirt?: string;
  schema?: boolean;
  alternative?: boolean;
  standalone?: boolean;
}

export interface DocBlock {
  /** 1-based line of the opening fence in the page. */
  line: number;
  text: string;
  markers: ExampleMarkers;
}

export interface RulePage {
  ruleId: string;
  path: string;
  failing: DocBlock[];
  /** Fixed and Passing blocks; `passing` says which heading they were under. */
  fixed: (DocBlock & { passing: boolean })[];
  context: string | null;
}

function parseMarkers(text: string, into: ExampleMarkers): ExampleMarkers {
  const out = { ...into };
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const [key, value] = word.split('=', 2) as [string, string | undefined];
    if (key === 'host' && value) out.host = value;
    else if (key === 'libvirt' && value) out.libvirt = value;
    else if (key === 'schema' && value === undefined) out.schema = true;
    else if (key === 'alternative' && value === undefined) out.alternative = true;
    else if (key === 'standalone' && value === undefined) out.standalone = true;
    else throw new Error(`unknown example marker "${word}"`);
  }
  return out;
}

export function readRulePage(rulesDir: string, ruleId: string): RulePage {
  const path = join(rulesDir, `${ruleId}.md`);
  const md = readFileSync(path, 'utf8');
  const pageMarkers = [...md.matchAll(/<!--\s*examples:([^]*?)-->/g)].reduce<ExampleMarkers>((m, x) => parseMarkers(x[1] as string, m), {});
  const context = /<!--\s*example-context:([^]*?)-->/.exec(md)?.[1] ?? null;
  const lines = md.split('\n');
  const page: RulePage = { ruleId, path, failing: [], fixed: [], context };
  let section: 'failing' | 'fixed' | 'passing' | null = null;
  let pending: ExampleMarkers | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heading = /^## (\w+)/.exec(line);
    if (heading) {
      const h = heading[1];
      section = h === 'Failing' ? 'failing' : h === 'Fixed' ? 'fixed' : h === 'Passing' ? 'passing' : null;
      pending = null;
      continue;
    }
    const marker = /^<!--\s*example:(.*?)-->\s*$/.exec(line);
    if (marker) {
      pending = parseMarkers(marker[1] as string, {});
      continue;
    }
    const fence = /^```(\S*)\s*$/.exec(line);
    if (!fence) {
      if (line.trim() !== '' && !/^<!--[^]*-->$/.test(line.trim())) pending = null;
      continue;
    }
    const start = i;
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j] as string)) j++;
    const body = lines.slice(i + 1, j).join('\n');
    i = j;
    if (fence[1] !== 'xml' || section === null) {
      pending = null;
      continue;
    }
    const block = { line: start + 1, text: body, markers: { ...pageMarkers, ...(pending ?? {}) } };
    pending = null;
    if (section === 'failing') page.failing.push(block);
    else page.fixed.push({ ...block, passing: section === 'passing' });
  }
  return page;
}

// ---- Building domains from fragments ----

/** libvirt's order for the children of <domain> (virDomainDefFormatInternal). */
const DOMAIN_ORDER = [
  'name', 'uuid', 'genid', 'title', 'description', 'metadata', 'maxMemory', 'memory', 'currentMemory', 'blkiotune', 'memtune', 'memoryBacking',
  'vcpu', 'vcpus', 'iothreads', 'cputune', 'numatune', 'resource', 'sysinfo', 'bootloader', 'os', 'idmap', 'features', 'cpu', 'clock',
  'on_poweroff', 'on_reboot', 'on_crash', 'pm', 'perf', 'devices', 'seclabel', 'keywrap', 'launchSecurity',
];
const MEMORYBACKING_ORDER = ['hugepages', 'nosharepages', 'locked', 'source', 'access', 'allocation', 'discard'];
const MEMTUNE_ORDER = ['hard_limit', 'soft_limit', 'min_guarantee', 'swap_hard_limit'];
const DEVICES = new Set([
  'emulator', 'disk', 'controller', 'lease', 'filesystem', 'interface', 'smartcard', 'input', 'hub', 'graphics', 'sound', 'audio', 'video',
  'hostdev', 'redirdev', 'redirfilter', 'serial', 'parallel', 'console', 'channel', 'watchdog', 'memballoon', 'rng', 'tpm', 'shmem',
  'iommu', 'vsock', 'crypto', 'panic', 'pstore',
]);

/** Where a top-level fragment element goes, as the path of containers below <domain>. */
function placeOf(el: XElement): string[] {
  const n = el.name;
  if (n === 'domain') return [];
  if (DEVICES.has(n) || (n === 'memory' && el.attributes.some((a) => a.name === 'model'))) return ['devices'];
  if (n === 'numa') return ['cpu'];
  if (n === 'cell') return ['cpu', 'numa'];
  if (MEMORYBACKING_ORDER.includes(n)) return ['memoryBacking'];
  if (MEMTUNE_ORDER.includes(n)) return ['memtune'];
  return [];
}

const CONTAINERS = new Set(['domain', 'devices', 'cpu', 'numa', 'memoryBacking', 'memtune']);

/** A node of a built definition: a container (opened, its children placed) or verbatim text. */
type BNode = BContainer | BLeaf;
interface BContainer {
  kind: 'container';
  name: string;
  /** The start tag as written; null for a container made to hold what was placed in it. */
  startTag: string | null;
  children: BNode[];
}
interface BLeaf {
  kind: 'leaf';
  /** Element name, or '#comment' / '#text' (a fragment that is not well-formed, kept whole). */
  name: string;
  /** What a layer replaces it by: the name, and for a guest NUMA cell its id (`cell#1`). */
  key: string;
  lines: string[];
}

function orderOf(container: string): string[] {
  return container === 'domain' ? DOMAIN_ORDER : container === 'memoryBacking' ? MEMORYBACKING_ORDER : container === 'memtune' ? MEMTUNE_ORDER : [];
}

/** The element's source lines with the indentation of its first line taken off all of them. */
function dedentedLines(text: string, start: number, end: number): string[] {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const prefix = text.slice(lineStart, start);
  const indent = /^\s*$/.test(prefix) ? prefix.length : 0;
  return text
    .slice(start, end)
    .split('\n')
    .map((l, i) => (i === 0 ? l : l.slice(Math.min(indent, /^\s*/.exec(l)![0].length))));
}

function toNode(text: string, node: XNode): BNode | null {
  if (node.kind === 'text') return null;
  if (node.kind !== 'element') return { kind: 'leaf', name: '#comment', key: '#comment', lines: dedentedLines(text, node.range.start, node.range.end) };
  if (CONTAINERS.has(node.name)) {
    const c: BContainer = { kind: 'container', name: node.name, startTag: text.slice(node.startTag.start, node.startTag.end), children: [] };
    for (const child of node.children) {
      const b = toNode(text, child);
      if (b) c.children.push(b);
    }
    return c;
  }
  const id = node.name === 'cell' ? node.attributes.find((a) => a.name === 'id')?.value : undefined;
  return { kind: 'leaf', name: node.name, key: id === undefined ? node.name : `cell#${id}`, lines: dedentedLines(text, node.range.start, node.range.end) };
}

function emptyDomain(): BContainer {
  return { kind: 'container', name: 'domain', startTag: null, children: [] };
}

/** Descends to (creating) the container at `path` below `root`. */
function containerAt(root: BContainer, path: string[]): BContainer {
  let c = root;
  for (const name of path) {
    let next = c.children.find((x): x is BContainer => x.kind === 'container' && x.name === name);
    if (!next) {
      next = { kind: 'container', name, startTag: null, children: [] };
      insertOrdered(c, [next]);
    }
    c = next;
  }
  return c;
}

function insertOrdered(c: BContainer, nodes: BNode[]): void {
  const order = orderOf(c.name);
  const at = order.indexOf(nodes[0]!.name);
  if (at >= 0) {
    const i = c.children.findIndex((x) => order.indexOf(x.name) > at || (x.name === 'devices' && c.name === 'domain'));
    if (i >= 0) {
      c.children.splice(i, 0, ...nodes);
      return;
    }
  }
  const devices = c.name === 'domain' ? c.children.findIndex((x) => x.name === 'devices') : -1;
  if (devices >= 0 && nodes[0]!.name !== 'devices') c.children.splice(devices, 0, ...nodes);
  else c.children.push(...nodes);
}

/** A fragment as a layer: a domain tree holding its elements where libvirt reads them. */
export function fragmentLayer(fragment: string): BContainer {
  const cleaned = fragment
    .split('\n')
    .filter((l) => l.trim() !== '…')
    .join('\n');
  const wrapped = `<fragment>\n${cleaned}\n</fragment>`;
  const parsed = parseXml(wrapped);
  const layer = emptyDomain();
  if (!parsed.ok) {
    // Kept whole (the xml-well-formed example): placed by the first element's name.
    const first = /<([\w:-]+)/.exec(cleaned)?.[1] ?? '#text';
    layer.children.push({ kind: 'leaf', name: first, key: first, lines: cleaned.split('\n') });
    return layer;
  }
  for (const child of parsed.doc.root.children) {
    const node = toNode(wrapped, child);
    if (!node) continue;
    if (node.name === '#comment') {
      layer.children.push(node);
      continue;
    }
    if (node.kind === 'container' && node.name === 'domain') {
      layer.startTag = node.startTag;
      overlay(layer, { ...node, startTag: null });
      continue;
    }
    const target = containerAt(layer, placeOf(child as XElement));
    const last = target.children[target.children.length - 1];
    // Siblings of the same name stay together, in the fragment's order.
    const group = target.children.filter((x) => x.name === node.name);
    if (group.length > 0 && last !== group[group.length - 1]) target.children.splice(target.children.indexOf(group[group.length - 1]!) + 1, 0, node);
    else if (group.length > 0) target.children.push(node);
    else insertOrdered(target, [node]);
  }
  return layer;
}

/**
 * `layer` laid over `base`: for each kind of element the layer has, the base's elements of that
 * kind are replaced by the layer's (at the place of the first), or added in libvirt's order.
 * Containers the layer only made to hold its elements are descended into, not replaced.
 */
export function overlay(base: BContainer, layer: BContainer): BContainer {
  if (layer.startTag !== null) base.startTag = layer.startTag;
  const keys: string[] = [];
  for (const c of layer.children) if (c.name !== '#comment' && !keys.includes(keyOf(c))) keys.push(keyOf(c));
  let previous: BNode | undefined;
  for (const key of keys) {
    const mine = layer.children.filter((c) => keyOf(c) === key);
    const name = mine[0]!.name;
    const only = mine[0]!;
    if (mine.length === 1 && only.kind === 'container' && only.startTag === null) {
      const theirs = base.children.find((c): c is BContainer => c.kind === 'container' && c.name === name);
      if (theirs) overlay(theirs, only);
      else insertOrdered(base, [clone(only)]);
      previous = theirs ?? base.children.find((c) => c.kind === 'container' && c.name === name);
      continue;
    }
    const at = base.children.findIndex((c) => keyOf(c) === key);
    const copies = mine.map(clone);
    if (at >= 0) {
      base.children = base.children.filter((c, i) => keyOf(c) !== key || i === at);
      base.children.splice(at, 1, ...copies);
    } else if (!orderOf(base.name).includes(name) && previous && base.children.includes(previous)) {
      // An element libvirt has no place for stays where the layer wrote it: after its predecessor.
      base.children.splice(base.children.indexOf(previous) + 1, 0, ...copies);
    } else insertOrdered(base, copies);
    previous = copies[copies.length - 1];
  }
  // Comments of a layer made only to hold elements go with them, at the end.
  if (layer.startTag === null) for (const c of layer.children) if (c.name === '#comment') base.children.push(clone(c));
  return base;
}

function keyOf(n: BNode): string {
  return n.kind === 'leaf' ? n.key : n.name;
}

function clone<T extends BNode>(n: T): T {
  return JSON.parse(JSON.stringify(n)) as T;
}

function render(node: BNode, indent: string, out: string[]): void {
  if (node.kind === 'leaf') {
    node.lines.forEach((l) => out.push(l === '' ? '' : indent + l));
    return;
  }
  const start = node.startTag ?? `<${node.name}>`;
  if (node.children.length === 0) {
    out.push(indent + (node.startTag ?? `<${node.name}/>`));
    return;
  }
  out.push(indent + start.replace(/\s*\/>$/, '>'));
  for (const c of node.children) render(c, indent + '  ', out);
  out.push(`${indent}</${node.name}>`);
}

/** The definition every example is placed into. */
export const SKELETON = `<domain type='kvm'>
  <name>example</name>
  <memory unit='GiB'>4</memory>
  <vcpu placement='static'>4</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
  </devices>
</domain>`;

export function renderDomain(d: BContainer): string {
  const out: string[] = [];
  render(d, '', out);
  return `${out.join('\n')}\n`;
}

/** A block that is a whole `<domain>…</domain>` with nothing left out (no `…` line). */
export function isWholeDomain(fragment: string): boolean {
  const t = fragment.trim();
  return t.startsWith('<domain') && t.endsWith('</domain>') && !fragment.split('\n').some((l) => l.trim() === '…');
}

/** The layers under an example: skeleton, the page's context, then the given fragments in order. */
export function buildDomain(context: string | null, ...fragments: string[]): string {
  const d = fragmentLayer(SKELETON);
  if (context) overlay(d, fragmentLayer(context));
  for (const f of fragments) overlay(d, fragmentLayer(f));
  return renderDomain(d);
}
