/**
 * Derivations of a domain model computed once per document. The model is built once per parse
 * and never changes, so a derived view (the page list, the backends, the cells, the numatune
 * resolution, the totals…) can be shared by every rule, the predictor and `check`: the first caller
 * computes it, the others get the same value. No caller may change a shared value: under the
 * test suite (KVMXML_FREEZE_SHARED=1, set by vitest.config.ts for the tests and the CLI they
 * start) each is frozen (the value itself and, for a list, each entry), so a rule that writes to
 * one throws there. Runs leave them unfrozen: freezing costs a twentieth of a lint, and V8 walks a
 * frozen array with for…of through its generic iterator, a new result object per step.
 */
import type { DomainModel } from './model.js';

const FREEZE = process.env.KVMXML_FREEZE_SHARED === '1';

/** A value shared between rules, frozen under the test suite (see above). */
export function freezeShared<T>(v: T): T {
  if (!FREEZE) return v;
  if (Array.isArray(v)) {
    for (const x of v) if (x !== null && typeof x === 'object') Object.freeze(x);
    return Object.freeze(v);
  }
  return v !== null && typeof v === 'object' ? Object.freeze(v) : v;
}

/**
 * Each model's derived views, in a list on the model under a key of this module's own, by the
 * slot of the function that derives them: a property and an index, where a weak map and a map
 * per model cost a tenth of the rules' time.
 */
export const VIEWS = Symbol('derived views');
type WithViews = DomainModel & { [VIEWS]?: unknown[] };

/**
 * The list a model is built with (see buildDomainModel): a model that has it from the start
 * keeps one shape, where one given it later by its first view changes shape once per document.
 */
export function noViews(): unknown[] {
  return [];
}
/** Stands for a view whose value is undefined. */
const UNDEFINED = Symbol('undefined');
let slots = 0;

/** `fn`, computed once per domain model. */
export function perDocument<T>(fn: (domain: DomainModel) => T): (domain: DomainModel) => T {
  const slot = slots++;
  return (domain) => {
    const views = ((domain as WithViews)[VIEWS] ??= []);
    const known = views[slot];
    if (known !== undefined) return (known === UNDEFINED ? undefined : known) as T;
    const value = freezeShared(fn(domain));
    views[slot] = value === undefined ? UNDEFINED : value;
    return value;
  };
}
