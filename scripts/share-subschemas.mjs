// ajv's standalone code inlines every subschema, so a subschema written out N times in the
// schema becomes N copies of its validation code. The config schema repeats itself a lot (the
// `rules` object under `rules` and under each of `overrides`, the same entry shape for most
// rules), which made the generated validator over half a megabyte of code. shareSubschemas
// returns an equivalent schema in which each repeated subschema is written once, under
// `definitions`, and referred to with `$ref`; compiled with `inlineRefs: false`, each becomes
// one function. Validation, error messages and instance paths are unchanged: only annotations
// (descriptions and the like) are dropped, which never affect validation.

const ANNOTATIONS = new Set(['title', 'description', '$comment', 'default', 'examples']);
/** Keywords whose value is a subschema, a list of subschemas, or a map of them (draft-07). */
const ONE = ['additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else'];
const LIST = ['allOf', 'anyOf', 'oneOf'];
const MAP = ['properties', 'patternProperties', 'definitions'];
/** Subschemas smaller than this (as JSON) stay inline: a function call would cost more. */
const MIN_SIZE = 120;

const isSchema = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The schema without annotations, with its subschemas mapped by `f`. */
function mapSchema(schema, f) {
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue;
    if (ONE.includes(k) && isSchema(v)) out[k] = f(v);
    else if (LIST.includes(k) && Array.isArray(v)) out[k] = v.map((s) => (isSchema(s) ? f(s) : s));
    else if (MAP.includes(k) && isSchema(v)) out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, isSchema(s) ? f(s) : s]));
    else if (k === 'items' && Array.isArray(v)) out[k] = v.map((s) => (isSchema(s) ? f(s) : s));
    else if (k === 'items' && isSchema(v)) out[k] = f(v);
    else if (k === 'dependencies' && isSchema(v)) out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, isSchema(s) ? f(s) : s]));
    else out[k] = v;
  }
  return out;
}

const hasRef = (schema) => JSON.stringify(schema).includes('"$ref"');

export function shareSubschemas(root) {
  // Schemas that use $ref already, or keep definitions of their own, are left as they are.
  if (hasRef(root) || 'definitions' in root) return root;
  const counts = new Map();
  const key = (s) => JSON.stringify(mapSchema(s, (sub) => JSON.parse(key(sub))));
  const count = (s) => {
    const k = key(s);
    counts.set(k, (counts.get(k) ?? 0) + 1);
    mapSchema(s, (sub) => (count(sub), sub));
  };
  mapSchema(root, (sub) => (count(sub), sub));

  const definitions = {};
  const names = new Map();
  const share = (s) => {
    const k = key(s);
    if ((counts.get(k) ?? 0) < 2 || k.length < MIN_SIZE) return mapSchema(s, share);
    let name = names.get(k);
    if (!name) {
      name = `shared${names.size}`;
      names.set(k, name);
      definitions[name] = mapSchema(s, share);
    }
    return { $ref: `#/definitions/${name}` };
  };
  const out = mapSchema(root, share);
  // The root's own annotations and identifiers stay.
  for (const k of ['$schema', '$id', 'title']) if (k in root) out[k] = root[k];
  if (names.size === 0) return root;
  return { ...out, definitions };
}
