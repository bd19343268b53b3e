/**
 * One resolution per document, in libvirt's order: the parsed model, then what post-parse makes
 * of it (effective pages, cell ids and vCPUs, memory totals, numatune), the define errors other
 * checks depend on, and the start plan (the QEMU memory backends with size, alignment, page size,
 * source and host binding). Each part is computed the first time anyone asks — a rule, the
 * predictor or `check` — and then shared (see `src/domain/per-document.ts`). No findings, no edits,
 * no host I/O.
 */
import { effectivePages, memoryBackends, type EffectivePage, type MemoryBackend } from '../domain/hugepages.js';
import { alignedMemory, memoryTotals, type AlignedMemory, type MemoryTotals } from '../domain/memory.js';
import type { DomainModel } from '../domain/model.js';
import { backendBindings, completedCellCpus, guestCells, hostNodesetUses, resolveNumatune, type BackendBinding, type GuestNumaLayout, type HostNodesetUse, type ResolvedNumatune } from '../domain/numa.js';
import { perDocument } from '../domain/per-document.js';
import { domainDefineErrors, type DefineErrorId } from './define-errors.js';

export interface Resolution {
  readonly domain: DomainModel;
  /** Post-parse: the page list libvirt keeps (R1.4–R1.6). */
  readonly pages: readonly EffectivePage[];
  /** Post-parse: the guest cells with the ids libvirt files them under. */
  readonly cells: GuestNumaLayout;
  /** Post-parse: the vCPUs each cell holds once completed (R6.2), null when not decidable. */
  readonly cellCpus: { cpus: number[][]; addedToCell0: number[] } | null;
  /** Post-parse: the memory total libvirt stores and the initial memory (R4.2). */
  readonly totals: MemoryTotals;
  /** Post-parse: `<numatune>` after placement defaulting (R5.2). */
  readonly numatune: ResolvedNumatune;
  /** The domain-level define errors of `DEFINE_ERRORS` that hold, in libvirt's order. */
  readonly defineErrors: readonly DefineErrorId[];
  /** Start: the sizes libvirt hands QEMU after alignment (R4.4). */
  readonly aligned: AlignedMemory;
  /** Start: the host nodes and mode of each backend (R5.5). */
  readonly bindings: readonly BackendBinding[];
  /** Start: the host nodesets libvirt checks, in its order (R5.4). */
  readonly hostNodesets: readonly HostNodesetUse[];
  /** Start: the QEMU memory backends (R6.5 steps 1–3). */
  readonly backends: readonly MemoryBackend[];
}

/** The resolution of a document's domain: the same object for every caller. */
export const resolve: (domain: DomainModel) => Resolution = perDocument((domain) => ({
  domain,
  get pages() {
    return effectivePages(domain);
  },
  get cells() {
    return guestCells(domain);
  },
  get cellCpus() {
    return completedCellCpus(domain);
  },
  get totals() {
    return memoryTotals(domain);
  },
  get numatune() {
    return resolveNumatune(domain);
  },
  get defineErrors() {
    return domainDefineErrors(domain);
  },
  get aligned() {
    return alignedMemory(domain);
  },
  get bindings() {
    return backendBindings(domain);
  },
  get hostNodesets() {
    return hostNodesetUses(domain);
  },
  get backends() {
    return memoryBackends(domain);
  },
}));
