/**
 * Errors across a thread boundary: a worker sends what it failed with as plain data, and the
 * main thread rebuilds the same kind of error, so the command line reports it exactly as it
 * would have in one thread (the one line, the exit code, the --debug trace).
 */
import { ConfigError } from '../engine/config.js';
import { describeThrown, RuleError } from '../engine/errors.js';
import { UsageError } from '../cli/files.js';

export interface SentError {
  kind: 'usage' | 'config' | 'rule' | 'other';
  message: string;
  stack?: string;
  ruleId?: string;
  detail?: string;
  /** RuleError: what the rule threw, when it threw. */
  cause?: { message: string; stack?: string } | null;
}

function stackOf(e: unknown): string | undefined {
  try {
    return e instanceof Error ? e.stack : undefined;
  } catch {
    return undefined;
  }
}

export function sendError(e: unknown): SentError {
  if (e instanceof UsageError) return { kind: 'usage', message: e.message };
  if (e instanceof ConfigError) return { kind: 'config', message: e.message };
  if (e instanceof RuleError) {
    const cause = e.cause === undefined ? null : { message: describeThrown(e.cause), stack: stackOf(e.cause) ?? stackOf(e) };
    return { kind: 'rule', message: e.message, ruleId: e.ruleId, detail: e.detail, cause };
  }
  return { kind: 'other', message: describeThrown(e), stack: stackOf(e) };
}

export function receiveError(s: SentError): Error {
  const withStack = <T extends Error>(err: T, stack: string | undefined): T => {
    if (stack !== undefined) err.stack = stack;
    return err;
  };
  switch (s.kind) {
    case 'usage':
      return new UsageError(s.message);
    case 'config':
      return new ConfigError(s.message);
    case 'rule':
      return new RuleError(s.ruleId as string, s.detail as string, s.cause ? withStack(new Error(s.cause.message), s.cause.stack) : undefined);
    default:
      return withStack(new Error(s.message), s.stack);
  }
}
