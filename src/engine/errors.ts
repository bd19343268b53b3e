/**
 * A rule broke the engine's contract (it threw, returned overlapping edits in one fix, or fixed
 * without `meta.fixable`): kvmxml cannot do its job for that file, so the run ends with exit 2
 * and one line naming the rule. Plugin authors read that line; it says what to change.
 */
export class RuleError extends Error {
  override readonly name = 'RuleError';
  constructor(
    readonly ruleId: string,
    /** What went wrong, without the rule's name (the CLI puts it in front). */
    readonly detail: string,
    /** What the rule threw, when it threw. */
    override readonly cause?: unknown,
  ) {
    super(`rule '${ruleId}' ${detail}`);
  }
}

/** A thrown value's first line, even when describing it throws. */
export function describeThrown(e: unknown): string {
  try {
    const text = e instanceof Error ? e.message : String(e);
    return text.split('\n')[0] ?? '';
  } catch {
    return 'it threw a value that cannot be described';
  }
}

/**
 * Something `fix` could not do for one file, said without stopping the run: a pass whose fixes
 * would leave the document not well-formed (those fixes are dropped), or fixes that never settle.
 */
export interface FixProblem {
  /** The rules whose fixes are at fault. */
  ruleIds: string[];
  message: string;
}
