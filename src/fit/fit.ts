/**
 * `kvmxml fit`: the smallest change to a VM's memory configuration that makes it start on a host.
 *
 * What stays: guest memory sizes, vCPUs, guest NUMA cells, huge pages (a backend on huge pages
 * stays on huge pages; ordinary memory stays ordinary). What may change (see moves.ts): the page
 * size of each guest cell, of the whole guest, or of a memory device with its own `<pagesize>`,
 * among the sizes the host has pages of (and a mount for, unless the backend is memfd), keeping
 * what QEMU requires (a backend at least one page, whole pages); the host nodes a `<numatune>`
 * `<memory>` or `<memnode>` names (its mode stays); a page size written in the wrong unit.
 *
 * The search tries the original first, then every combination of one changed setting, then two,
 * and so on: the first combination the predictor says starts, on the pools the VMs fitted before
 * it left, and that `check` (every rule with the host) also calls `starts`, is the fit. Nothing
 * else is ever written.
 */
import { effectivePages, memoryBackends, pageChoiceReliable, defaultPageSizeOf, type EffectivePage, type MemoryBackend } from '../domain/hugepages.js';
import { buildDomainModel, type DomainModel } from '../domain/model.js';
import { formatKiB } from '../domain/units.js';
import type { HostSnapshot } from '../host/snapshot.js';
import type { Profile } from '../libvirt/profile.js';
import type { CheckReason } from '../predict/check.js';
import type { HostPools } from '../predict/host-pools.js';
import { predictStart, type DemandRow, type StartStep, type Verdict } from '../predict/predict.js';
import type { XmlDocument } from '../xml/document.js';
import { scanXml } from '../xml/scan.js';
import { applyEdits, Fixer, type TextEdit } from '../xml/edit.js';
import type { XAttr } from '../xml/tree.js';
import { devicePageMove, nodesetMove, pageMoves, unitStyleOf, type Move } from './moves.js';

/** What `check` says of one text on the pools left by the VMs before it. */
export interface Judgement {
  verdict: Verdict;
  reasons: CheckReason[];
  demand: DemandRow[];
}

export type FitStatus = 'unchanged' | 'fitted' | 'cannot-fit';

export interface FitOutcome {
  status: FitStatus;
  before: Judgement;
  /** The verdict of the text as it will be (the fitted one, or the original). */
  after: Judgement;
  /** The fitted text (status `fitted`). */
  text?: string;
  edits: TextEdit[];
  /** Each change in words: `guest cell 5: 1 GiB pages → 2 MiB pages`. */
  changes: string[];
  /** Why no change was made (status `cannot-fit`, or `unchanged` with an unknown verdict). */
  why?: string;
}

export interface FitInput {
  doc: XmlDocument;
  host: HostSnapshot;
  /** The pools the VMs before this one left; not changed here. */
  pools: HostPools;
  profile: Profile;
  /** `check` of a text on a copy of `pools`: lint with every active rule and the host, then the predictor. */
  judge: (text: string, pools: HostPools) => Judgement;
}

/** Combinations tried in every combination before the step-by-step search (each is a scan, a model and a prediction). */
export const MAX_CANDIDATES = 1500;
/** Candidates the predictor accepts that are checked with every rule before giving up. */
const MAX_JUDGED = 50;

/** Start steps a memory configuration change can help with. */
const FITTABLE_STEPS: readonly StartStep[] = ['mount', 'page-size', 'pool', 'host-nodes'];

/** Rules whose start failures are about page sizes, pools or host nodes. */
const FITTABLE_RULE = /^(hugepage-|host-start$|numatune-host-nodes$|start-prediction$)/;

interface Variable {
  /** Alternatives to the current value; index -1 is the current value. */
  options: number;
  move: (f: Fixer, choice: number) => Move;
  /** Page variables: the target size of a choice, for grouping into one `<page>` rearrangement. */
  pageTarget?: (choice: number) => { cell: number | null; kib: number };
}

export function fitDocument(input: FitInput): FitOutcome {
  const { doc, host, pools, profile } = input;
  const before = input.judge(doc.text, pools);
  const unchanged = (why?: string): FitOutcome => ({ status: before.verdict === 'fails' ? 'cannot-fit' : 'unchanged', before, after: before, edits: [], changes: [], ...(why ? { why } : {}) });
  if (before.verdict === 'starts') return unchanged();
  if (before.verdict === 'unknown') return unchanged('the host description cannot tell whether it starts, so fit cannot tell whether a change would');
  const domain = buildDomainModel(doc.root);
  const blocking = before.reasons.filter((r) => r.severity === 2 && r.stage !== 'start');
  if (blocking.length) return unchanged('libvirt refuses the definition itself (see the reasons): fix it first (kvmxml lint, kvmxml fix)');
  const foreign = before.reasons.find((r) => r.severity === 2 && !FITTABLE_RULE.test(r.ruleId ?? ''));
  if (foreign) return unchanged(`the start fails for a reason outside the memory backing and NUMA binding (${foreign.ruleId}), which fit does not change`);
  const alone = predictStart(domain, host, pools.clone(), profile);
  const step = alone.reasons.find((r) => r.kind === 'fails')?.step;
  if (step && !FITTABLE_STEPS.includes(step)) return unchanged(`the start fails at a step no memory configuration change helps with (${stepWords(step)})`);
  const pages = effectivePages(domain);
  if (!pageChoiceReliable(pages)) return unchanged("libvirt refuses the page list (see kvmxml lint): which page a cell gets is not defined");
  const capacity = capacityShortfall(domain, host, pools);
  if (capacity) return unchanged(capacity);

  const vars = variables(domain, host, pools, pages);
  if (vars.length === 0) {
    const huge = memoryBackends(domain).some((b) => b.pageSizeKiB !== null);
    return unchanged(
      huge
        ? 'no other page size on this host suits its huge page backing (a backend needs at least one whole page and a whole number of them, free pages of that size and, unless memfd, a hugetlbfs mount for it), and no <numatune> nodeset to move'
        : 'nothing fit may change applies: no huge page backing and no <numatune> nodeset',
    );
  }
  const style = unitStyleOf(doc.root);
  const defaultKiB = defaultPageSizeOf(host);
  const current = (p: EffectivePage): number | null => (p.sizeKiB === 0 ? defaultKiB : p.sizeKiB);
  const render = (choice: number[]): Move => {
    const f = new Fixer(doc);
    const edits: TextEdit[] = [];
    const changes: string[] = [];
    const target = new Map<number | null, number>();
    vars.forEach((v, i) => {
      const c = choice[i] as number;
      if (c < 0) return;
      if (v.pageTarget) {
        const t = v.pageTarget(c);
        target.set(t.cell, t.kib);
      } else {
        const m = v.move(f, c);
        edits.push(...m.edits);
        changes.push(...m.changes);
      }
    });
    const pm = pageMoves(f, domain, pages, target, current, style);
    return { edits: [...pm.edits, ...edits], changes: [...pm.changes, ...changes] };
  };

  const shape = shapeOf(domain);
  // A candidate: the edits, the text, the model and the predictor's verdict on the pools left.
  const evaluate = (choice: number[]) => {
    const move = render(choice);
    const { text, applied } = applyEdits(doc.text, move.edits);
    if (applied !== move.edits.length) return null;
    // The scanner alone: the edits are fit's own; the judge parses the text in full.
    const scanned = scanXml(text);
    if (scanned.error || !scanned.root) return null;
    const model = buildDomainModel(scanned.root);
    // What fit keeps, kept: every backend, its size, and huge pages where there were huge pages.
    if (shapeOf(model) !== shape) return null;
    return { move, text, model, prediction: predictStart(model, host, pools.clone(), profile) };
  };
  let judged = 0;
  const accept = (e: ReturnType<typeof evaluate>): FitOutcome | null => {
    if (!e || e.prediction.verdict !== 'starts' || judged >= MAX_JUDGED) return null;
    judged++;
    const after = input.judge(e.text, pools);
    return after.verdict === 'starts' ? { status: 'fitted', before, after, text: e.text, edits: e.move.edits, changes: e.move.changes } : null;
  };

  // 1. Every combination, fewest changes first, while there are not too many.
  let tried = 0;
  let exhausted = true;
  for (const choice of combinations(vars.map((v) => v.options))) {
    if (choice.every((c) => c < 0)) continue;
    if (++tried > MAX_CANDIDATES) {
      exhausted = false;
      break;
    }
    const found = accept(evaluate(choice));
    if (found) return found;
    if (judged >= MAX_JUDGED) break;
  }
  if (exhausted && judged < MAX_JUDGED) return unchanged('no combination of page sizes (per guest cell, for the whole guest) and <numatune> host nodes starts on this host');

  // 2. Beyond that, step by step: the single change that gets the start furthest, until it
  //    starts or nothing gets further; then every change that is not needed is undone.
  let at = vars.map(() => -1);
  let atScore = progress(evaluate(at));
  for (let round = 0; round < vars.length * 2 && judged < MAX_JUDGED; round++) {
    let best: number[] | null = null;
    let bestScore = atScore;
    for (let v = 0; v < vars.length; v++) {
      for (let o = -1; o < (vars[v] as Variable).options; o++) {
        if (o === at[v]) continue;
        const choice = [...at];
        choice[v] = o;
        const e = evaluate(choice);
        const score = progress(e);
        if (score === STARTS) {
          const found = accept(e);
          if (found) return reduce(choice, found);
          continue;
        }
        if (score > bestScore) {
          best = choice;
          bestScore = score;
        }
      }
    }
    if (!best) break;
    at = best;
    atScore = bestScore;
  }
  return unchanged(`no fit found: no combination of up to ${maxComplete(vars.map((v) => v.options))} changes to page sizes and <numatune> host nodes starts on this host, and changing them one at a time got no further`);

  function reduce(choice: number[], found: FitOutcome): FitOutcome {
    let best = found;
    const kept = [...choice];
    for (let v = 0; v < kept.length; v++) {
      if (kept[v] === -1) continue;
      const trial = [...kept];
      trial[v] = -1;
      const smaller = accept(evaluate(trial));
      if (smaller) {
        kept[v] = -1;
        best = smaller;
      }
    }
    return best;
  }
}

const STARTS = Number.MAX_SAFE_INTEGER;

/** The backends, their sizes and whether huge pages back them: what a fit must not change. */
function shapeOf(domain: DomainModel): string {
  return memoryBackends(domain)
    .map((b) => `${b.id}:${b.sizeKiB}:${b.pageSizeKiB === null ? 'ram' : 'huge'}`)
    .join(' ');
}

/** How far a candidate's start gets: which step fails (host nodes, then mounts, then QEMU's backends) and at which backend. */
function progress(e: { model: DomainModel; prediction: { verdict: Verdict; reasons: { kind: string; step: StartStep; node: unknown }[] } } | null): number {
  if (!e) return -1;
  if (e.prediction.verdict === 'starts') return STARTS;
  const r = e.prediction.reasons.find((x) => x.kind === 'fails');
  if (!r) return 0;
  const rank = r.step === 'host-nodes' ? 0 : r.step === 'mount' ? 1 : r.step === 'page-size' || r.step === 'pool' ? 2 : 3;
  const backends = memoryBackends(e.model);
  const at = backends.findIndex((b) => b.sizeNode === r.node || b.el === r.node || b.binding?.origin === r.node || (b.pageOrigin?.kind === 'page' && b.pageOrigin.page.el === r.node) || (b.pageOrigin?.kind === 'pagesize' && b.pageOrigin.size.el === r.node));
  let index = at;
  if (r.step === 'host-nodes') {
    // libvirt checks the nodesets in order: the further down the document, the further it got
    const n = r.node as { kind: string; range: { start: number }; startTag?: { start: number } };
    index = n.kind === 'element' ? (n.startTag?.start ?? 0) : n.range.start;
  }
  return rank * 1e7 + Math.max(0, index) + 1;
}

/** The most changes phase 1 tried in every combination (within MAX_CANDIDATES). */
function maxComplete(sizes: number[]): number {
  let total = 0;
  let k = 0;
  for (; k <= sizes.length; k++) {
    let count = 0;
    for (const subset of subsets(sizes.length, k)) count += subset.reduce((p, v) => p * (sizes[v] as number), 1);
    if (total + count > MAX_CANDIDATES) break;
    total += count;
  }
  return Math.max(0, k - 1);
}

function stepWords(step: StartStep): string {
  return { kvm: 'KVM', numad: 'numad for automatic NUMA placement', 'host-nodes': 'host NUMA nodes', mount: 'hugetlbfs mounts', 'page-size': 'page size', pool: 'huge page pools', ram: "the host's RAM", pinning: 'CPU pinning' }[step];
}

/** Page sizes a backend could use on this host: pools of that size with free pages, a mount unless memfd, and QEMU's size rules. */
function sizesFor(b: MemoryBackend, host: HostSnapshot, pools: HostPools): number[] {
  if (b.sizeKiB === null) return [];
  const size = b.sizeKiB;
  return (host.hugepages ?? [])
    .map((p) => p.sizeKiB)
    .filter((s) => {
      const a = pools.available(s);
      if (a && a.global === 0) return false;
      if (b.source !== 'memfd' && host.mounts !== null && !host.mounts.some((m) => m.pageSizeKiB === s)) return false;
      // QEMU: at least one page, and (QEMU ≥ 9.1, memfd and memory devices always) whole pages;
      // fit never writes a size QEMU 7.2 would round up either.
      return size >= s && size % s === 0;
    })
    .sort((x, y) => y - x);
}

function variables(domain: DomainModel, host: HostSnapshot, pools: HostPools, pages: EffectivePage[]): Variable[] {
  const out: Variable[] = [];
  // Host nodes first: at equal cost, fit rebinds before it changes a page size the file asked for.
  const hostNodes = (host.nodes ?? []).map((n) => n.id);
  const nt = domain.numatune;
  const placementAuto = nt?.memory?.placement?.value === 'auto';
  if (hostNodes.length && nt && !placementAuto) {
    const nodesets: { attr: XAttr; what: string }[] = [];
    if (nt.memory?.nodeset) nodesets.push({ attr: nt.memory.nodeset.attr, what: '<numatune><memory>' });
    for (const m of nt.memnodes) if (m.nodeset) nodesets.push({ attr: m.nodeset.attr, what: `<memnode cellid='${m.cellid?.value ?? '?'}'>` });
    for (const n of nodesets) {
      const choices: number[][] = hostNodes.map((id) => [id]);
      if (hostNodes.length > 1) choices.push(hostNodes);
      const written = n.attr.value.trim();
      const options = choices.filter((c) => c.join(',') !== written && !(c.length === 1 && written === String(c[0])));
      if (options.length) out.push({ options: options.length, move: (f, c) => nodesetMove(f, n.attr, options[c] as number[], n.what) });
    }
  }
  const defaultKiB = defaultPageSizeOf(host);
  const backends = memoryBackends(domain);
  for (const b of backends) {
    if (b.pageSizeKiB === null || b.pageOrigin === null) continue;
    const now = b.pageSizeKiB === 'default' ? defaultKiB : b.pageSizeKiB;
    if (b.kind === 'device') {
      if (b.pageOrigin.kind !== 'pagesize') continue;
      const device = domain.memoryDevices.find((d) => d.el === b.el);
      if (!device?.pagesize) continue;
      const sizes = sizesFor(b, host, pools).filter((s) => s !== now);
      if (sizes.length) out.push({ options: sizes.length, move: (f, c) => devicePageMove(f, device, sizes[c] as number, now, b.id, unitStyleOf(domain.root)) });
      continue;
    }
    const origin = b.pageOrigin.kind === 'page' ? b.pageOrigin.page : null;
    if (!origin || !pages.some((p) => p.el === origin.el && p.index === origin.index)) continue;
    const sizes = sizesFor(b, host, pools).filter((s) => s !== now);
    if (sizes.length) out.push({ options: sizes.length, move: () => ({ edits: [], changes: [] }), pageTarget: (c) => ({ cell: b.cell, kib: sizes[c] as number }) });
  }
  return out;
}

/**
 * Why no page size can work, when the whole guest's huge page memory is more than every usable
 * pool holds together, or there is no pool it could use at all; null when it might fit.
 */
function capacityShortfall(domain: DomainModel, host: HostSnapshot, pools: HostPools): string | null {
  const huge = memoryBackends(domain).filter((b) => b.pageSizeKiB !== null);
  if (huge.length === 0 || host.hugepages === null) return null;
  const memfd = huge.every((b) => b.source === 'memfd');
  if (host.mounts !== null && host.mounts.length === 0 && !memfd) {
    return 'the host has no hugetlbfs mount at all, and a huge page backing that is not memfd needs one: no XML change makes it start (mount hugetlbfs, then restart libvirtd)';
  }
  const usable = host.hugepages.filter((p) => memfd || host.mounts === null || host.mounts.some((m) => m.pageSizeKiB === p.sizeKiB));
  let haveKiB = 0;
  const parts: string[] = [];
  for (const p of usable) {
    const free = pools.available(p.sizeKiB)?.global;
    if (free === null || free === undefined) return null;
    haveKiB += free * p.sizeKiB;
    parts.push(`${free} × ${formatKiB(p.sizeKiB)}`);
  }
  const needKiB = huge.reduce((s, b) => s + (b.sizeKiB ?? 0), 0);
  if (needKiB <= haveKiB) return null;
  return `its huge page backing needs ${formatKiB(needKiB)}; the free huge pages it could use hold ${haveKiB === 0 ? 'nothing' : formatKiB(haveKiB)} (${parts.join(', ') || 'none'}): no XML change makes it start without shrinking memory`;
}

/** Choices over `sizes` variables (each −1 = unchanged, or 0..n−1), fewest changed first. */
export function* combinations(sizes: number[]): Generator<number[]> {
  const n = sizes.length;
  for (let k = 0; k <= n; k++) {
    for (const subset of subsets(n, k)) {
      const choice = new Array<number>(n).fill(-1);
      const walk = function* (i: number): Generator<number[]> {
        if (i === subset.length) {
          yield [...choice];
          return;
        }
        const v = subset[i] as number;
        for (let c = 0; c < (sizes[v] as number); c++) {
          choice[v] = c;
          yield* walk(i + 1);
        }
        choice[v] = -1;
      };
      yield* walk(0);
    }
  }
}

function* subsets(n: number, k: number, from = 0, acc: number[] = []): Generator<number[]> {
  if (acc.length === k) {
    yield acc;
    return;
  }
  for (let i = from; i <= n - (k - acc.length); i++) yield* subsets(n, k, i + 1, [...acc, i]);
}
