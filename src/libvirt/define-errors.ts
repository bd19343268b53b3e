/**
 * The define errors other checks depend on, in the order libvirt meets them (parse, then
 * post-parse, then validation), each with the one rule that reports it. libvirt stops at the
 * first error, so a later check never sees a definition an earlier one refused: a rule that would
 * otherwise guess asks {@link refused} and stays silent, and this table — not the rule — says who
 * speaks instead. No findings here; each entry only says whether the error is there.
 */
import type { DomainModel, SizeValue } from '../domain/model.js';
import type { StartStep } from '../predict/predict.js';
import { guestCells } from '../domain/numa.js';
import { isCopyOf, type EffectivePage } from '../domain/hugepages.js';
import { parseXPathUInt } from '../domain/values.js';
import { perDocument } from '../domain/per-document.js';

export interface DefineError {
  id: DefineErrorId;
  /** The one rule that reports it. */
  rule: string;
  /** Where libvirt refuses it. */
  where: string;
  /** What it is. */
  what: string;
}

export type DefineErrorId = 'size-unreadable' | 'max-memory-slots' | 'page-copy' | 'cell-ids' | 'cells-overlapping-cpus';

/** In libvirt's order (parse, then validation). */
export const DEFINE_ERRORS: readonly DefineError[] = [
  {
    id: 'size-unreadable',
    rule: 'size-value',
    where: 'virDomainParseMemory / virDomainParseMemoryLimit (parse)',
    what: 'a scaled integer that is written but cannot be read (not a number, unknown unit, too large)',
  },
  {
    id: 'max-memory-slots',
    rule: 'memory-max',
    where: 'virDomainDefMaxMemoryParseXML (parse)',
    what: '<maxMemory slots> that is not an unsigned number',
  },
  {
    id: 'page-copy',
    rule: 'duplicate-memory-element',
    where: 'virDomainDefHugepagesValidate (validation; the pairwise page checks)',
    what: 'a <page> written again with the same size and nodeset (libvirt then reports it as two masters, an overlap or a missing node)',
  },
  {
    id: 'cell-ids',
    rule: 'numa-cell-id',
    where: 'virDomainNumaDefParseXML (parse)',
    what: 'guest NUMA cell ids that are not exactly 0..n−1, each once',
  },
  {
    id: 'cells-overlapping-cpus',
    rule: 'numa-cell-cpus-overlap',
    where: 'virDomainNumaDefValidate (validation, before the QEMU driver completes the vCPUs)',
    what: 'a vCPU listed by two guest NUMA cells',
  },
];

/**
 * Start failures the predictor finds that a rule reports without a host snapshot (the definition
 * alone shows them), so `host-start`, which reports what only a host decides, leaves them out.
 */
export const START_FAILURES_REPORTED_WITHOUT_HOST: readonly { step: StartStep; rule: string; what: string }[] = [
  { step: 'host-nodes', rule: 'numatune-host-nodes', what: 'a <numatune> nodeset naming host nodes the host lacks' },
  { step: 'page-size', rule: 'hugepage-backend-size', what: 'a backend smaller than, or not a multiple of, its page size where QEMU refuses it' },
];

/** The entry for an id. */
export function defineError(id: DefineErrorId): DefineError {
  return DEFINE_ERRORS.find((e) => e.id === id) as DefineError;
}

/** A size that is written but unreadable (absent is not an error here). */
function unreadable(v: SizeValue | null | undefined): boolean {
  return Boolean(v && !v.result.ok && v.result.reason !== 'absent');
}

/**
 * Whether libvirt refuses the definition with this error. `size-unreadable` asks about one value
 * (`subject`): the value a check would read; the others about the whole domain.
 */
export function refused(domain: DomainModel, id: Exclude<DefineErrorId, 'page-copy'>, subject?: SizeValue | null): boolean {
  switch (id) {
    case 'size-unreadable':
      return unreadable(subject);
    case 'max-memory-slots':
      return parseXPathUInt(domain.maxMemorySlots?.value) === null;
    case 'cell-ids':
      return !guestCells(domain).idsValid;
    case 'cells-overlapping-cpus': {
      const listed = guestCells(domain).cells.flatMap((c) => c.cpus ?? []);
      return new Set(listed).size !== listed.length;
    }
  }
}

/** The errors of the table that are about the whole domain (the others are about one value or one pair). */
type DomainLevelId = Exclude<DefineErrorId, 'size-unreadable' | 'page-copy'>;
const isDomainLevel = (id: DefineErrorId): id is DomainLevelId => id !== 'size-unreadable' && id !== 'page-copy';

/** The domain-level define errors of the table that hold, in libvirt's order. */
export const domainDefineErrors: (domain: DomainModel) => DefineErrorId[] = perDocument((domain) =>
  DEFINE_ERRORS.map((e) => e.id)
    .filter(isDomainLevel)
    .filter((id) => refused(domain, id)),
);

/** `page-copy` for a pair of pages: `page` repeats `earlier` (same size, same nodeset as parsed). */
export function refusedAsCopy(page: EffectivePage, earlier: EffectivePage): boolean {
  return isCopyOf(page, earlier);
}
