/**
 * Command-line arguments beyond what yargs does for us: `-` (standard input or output) carried
 * through yargs, option values checked to one line each, and yargs' own messages put in the
 * words the user typed.
 */
import { UsageError } from './files.js';

/** yargs drops a lone `-`; it travels through the parser as this token and is restored after. */
export const DASH_TOKEN = '\u0000-';

export function protectDashes(argv: string[]): string[] {
  return argv.map((a) => (a === '-' ? DASH_TOKEN : a));
}

/** Put `-` back wherever yargs left the token: in positionals and in option values alike. */
export function restoreDashes<T extends Record<string, unknown>>(parsed: T): T {
  for (const key of Object.keys(parsed)) {
    const v = parsed[key];
    if (v === DASH_TOKEN) (parsed as Record<string, unknown>)[key] = '-';
    else if (Array.isArray(v)) (parsed as Record<string, unknown>)[key] = v.map((x) => (x === DASH_TOKEN ? '-' : x));
  }
  return parsed;
}

/** A coerce for an option that takes one value: given twice is an error, not an array. */
export function single(name: string) {
  return (v: unknown): string | undefined => {
    if (Array.isArray(v)) throw new UsageError(`--${name} given ${v.length} times; give it once`);
    if (v === undefined) return undefined;
    const s = v === DASH_TOKEN ? '-' : String(v);
    if (s === '') throw new UsageError(`--${name} needs a value`);
    return s;
  };
}

/** A coerce for a count: a whole number, 0 or more, written in digits. */
export function count(name: string) {
  const one = single(name);
  return (v: unknown): number | undefined => {
    const s = one(v);
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s.trim())) throw new UsageError(`--${name} expects a whole number (0 or more), got '${s}'`);
    return Number(s.trim());
  };
}

/**
 * yargs names an unknown option both as written and camel-cased ("Unknown arguments:
 * fix-dry-run, fixDryRun"): name each once, as the user wrote it.
 */
export function rewordYargsMessage(msg: string, argv: readonly string[]): string {
  const m = /^Unknown arguments?: (.*)$/.exec(msg);
  if (!m) return msg;
  const names = (m[1] as string).split(', ');
  const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const unique = names.filter((n) => !(n !== kebab(n) && names.includes(kebab(n))));
  const written = unique.map((n) => {
    const token = argv.find((a) => a === `--${n}` || a.startsWith(`--${n}=`) || a === `-${n}` || a === `--no-${n}`);
    return token ? token.split('=')[0] : n;
  });
  return `unknown ${written.length === 1 ? 'argument' : 'arguments'}: ${written.join(', ')} (see kvmxml --help)`;
}
