/**
 * Huge page pools of a host as a sequence of VM starts consumes them (spec R1.14, R5.5, R8).
 *
 * A reservation is checked against the global pool of its size (free − reserved + overcommit
 * headroom). A strictly bound backend must also find its pages on its host nodes; per-node
 * counts are only known as a range, because reserved pages are counted globally: the pessimistic
 * bound subtracts every global reservation from each node, the optimistic bound none.
 * Pages taken without a binding may come from any node, so they lower the pessimistic bound of
 * every node and the optimistic bound of none.
 */
import type { HostSnapshot } from '../host/snapshot.js';

export interface Availability {
  /** Pages of that size the kernel can still hand out, or null when the snapshot cannot tell. */
  global: number | null;
  /**
   * The most pages of that size the kernel could ever hand out (pool size plus overcommit
   * headroom), or null: known from the pool size alone (e.g. `virsh capabilities`) when free
   * counts are not.
   */
  ceiling: number | null;
  perNode: Map<number, { low: number; high: number } | null>;
}

export type Reservation =
  | { ok: true }
  | { ok: false; scope: 'global'; available: number; /** `available` is the pool's size, not its free pages. */ ceiling?: true }
  | { ok: false; scope: 'nodes'; available: number }
  | { ok: 'unknown'; why: string; low?: number; high?: number };

const GIGANTIC_ABOVE_KIB = 4096;

export class HostPools {
  private bySize = new Map<number, Availability>();

  constructor(readonly host: HostSnapshot) {
    for (const p of host.hugepages ?? []) {
      const headroom = p.overcommit !== null && p.surplus !== null ? Math.max(0, p.overcommit - p.surplus) : 0;
      const global = p.free !== null && p.reserved !== null ? Math.max(0, p.free - p.reserved) + headroom : null;
      // The kernel has no overcommit for gigantic pages (above the buddy allocator's largest
      // block, 4 MiB on x86_64), so their pool size is the ceiling even when overcommit is unknown.
      const ceilingHeadroom = p.sizeKiB > GIGANTIC_ABOVE_KIB ? 0 : p.overcommit !== null ? Math.max(0, p.overcommit - (p.surplus ?? 0)) : null;
      const ceiling = p.total !== null && ceilingHeadroom !== null ? p.total + ceilingHeadroom : null;
      const perNode = new Map<number, { low: number; high: number } | null>();
      for (const n of host.nodes ?? []) {
        const np = n.hugepages?.find((h) => h.sizeKiB === p.sizeKiB);
        if (!np || np.free === null) perNode.set(n.id, null);
        else perNode.set(n.id, { low: Math.max(0, np.free - (p.reserved ?? np.free)), high: np.free });
      }
      this.bySize.set(p.sizeKiB, { global, ceiling, perNode });
    }
  }

  /** An independent copy, to try a start without committing what it takes. */
  clone(): HostPools {
    const copy = Object.create(HostPools.prototype) as HostPools;
    (copy as { host: HostSnapshot }).host = this.host;
    copy.bySize = new Map([...this.bySize].map(([k, a]) => [k, { global: a.global, ceiling: a.ceiling, perNode: new Map([...a.perNode].map(([n, r]) => [n, r ? { ...r } : null])) }]));
    return copy;
  }

  /** Take over the state of a copy whose start succeeded. */
  commit(from: HostPools): void {
    this.bySize = from.bySize;
  }

  /** Does the host offer this page size at all (a hugepages-<N>kB directory)? null = unknown. */
  hasSize(sizeKiB: number): boolean | null {
    if (this.host.hugepages === null) return null;
    return this.bySize.has(sizeKiB);
  }

  available(sizeKiB: number): Availability | undefined {
    return this.bySize.get(sizeKiB);
  }

  /** Pages free on the given nodes, as a range; null when unknown. */
  nodesRange(sizeKiB: number, nodes: number[]): { low: number; high: number } | null {
    const a = this.bySize.get(sizeKiB);
    if (!a) return { low: 0, high: 0 };
    let low = 0;
    let high = 0;
    for (const id of nodes) {
      const r = a.perNode.get(id);
      if (r === undefined) continue; // not a host node: reported elsewhere
      if (r === null) return null;
      low += r.low;
      high += r.high;
    }
    return { low, high };
  }

  /**
   * Take `pages` pages of `sizeKiB`; `strictNodes` when the backend is bound (QEMU policy bind).
   * On success the pages are subtracted; on failure nothing changes.
   */
  reserve(sizeKiB: number, pages: number, strictNodes: number[] | null): Reservation {
    const a = this.bySize.get(sizeKiB);
    if (!a) return { ok: false, scope: 'global', available: 0 };
    if (a.global === null) {
      // Free counts unknown, but more pages than the pool can ever hold fail whatever is free.
      if (a.ceiling !== null && pages > a.ceiling) return { ok: false, scope: 'global', available: a.ceiling, ceiling: true };
      if (a.ceiling !== null) a.ceiling -= pages;
      return { ok: 'unknown', why: `the snapshot does not say how many ${sizeKiB} KiB pages are free` };
    }
    if (pages > a.global) return { ok: false, scope: 'global', available: a.global };
    let verdict: Reservation = { ok: true };
    if (strictNodes) {
      const range = this.nodesRange(sizeKiB, strictNodes);
      if (range === null) verdict = { ok: 'unknown', why: `the snapshot does not say how many ${sizeKiB} KiB pages are free on host node(s) ${strictNodes.join(',')}` };
      else if (pages > range.high) return { ok: false, scope: 'nodes', available: range.high };
      else if (pages > range.low) {
        verdict = {
          ok: 'unknown',
          why: `host node(s) ${strictNodes.join(',')} have between ${range.low} and ${range.high} free ${sizeKiB} KiB pages (reserved pages are only counted host-wide)`,
          low: range.low,
          high: range.high,
        };
      }
      // Take the pages from the bound nodes, lowest id first (the kernel's order is not known).
      let rest = pages;
      for (const id of strictNodes) {
        const r = a.perNode.get(id);
        if (!r) continue;
        const takeHigh = Math.min(r.high, rest);
        r.high -= takeHigh;
        r.low = Math.max(0, r.low - takeHigh);
        rest -= takeHigh;
      }
    } else {
      for (const r of a.perNode.values()) if (r) r.low = Math.max(0, r.low - pages);
    }
    a.global -= pages;
    if (a.ceiling !== null) a.ceiling -= pages;
    return verdict;
  }
}
