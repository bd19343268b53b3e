/**
 * The registry: every built-in rule, in the order they run. Adding a rule means adding its
 * module here, its doc page beside it and its fixtures under fixtures/rules/<id>/.
 */
import type { Rule, RuleMeta } from '../src/engine/types.js';
import { rule as memtuneOrder } from './memtune-order.js';
import { meta as xmlWellFormed } from './xml-well-formed.js';

/** Rules reported by the engine itself rather than by a check function. */
export const engineRules: RuleMeta[] = [xmlWellFormed];

export const rules: Rule[] = [memtuneOrder];
