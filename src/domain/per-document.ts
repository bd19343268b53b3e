/**
 * Derivations of a domain model computed once per document. The model is built once per parse
 * and never changes, so a derived view (the page list, the backends, the cells, the numatune
 * resolution, the totals…) can be shared by every rule, the predictor and `check`: the first caller
 * computes it, the others get the same value. Shared values are frozen (the value itself and, for
 * a list, each entry) so no caller can change what the next one reads.
 */
import type { DomainModel } from './model.js';

function freezeShared<T>(v: T): T {
  if (Array.isArray(v)) {
    for (const x of v) if (x !== null && typeof x === 'object') Object.freeze(x);
    return Object.freeze(v);
  }
  return v !== null && typeof v === 'object' ? Object.freeze(v) : v;
}

/** Each model's derived views, by the function that derives them: one weak entry per model. */
const viewsOf = new WeakMap<DomainModel, Map<unknown, unknown>>();

/** `fn`, computed once per domain model. */
export function perDocument<T>(fn: (domain: DomainModel) => T): (domain: DomainModel) => T {
  return (domain) => {
    let views = viewsOf.get(domain);
    if (views === undefined) viewsOf.set(domain, (views = new Map()));
    if (views.has(fn)) return views.get(fn) as T;
    const value = freezeShared(fn(domain));
    views.set(fn, value);
    return value;
  };
}
