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

/** The commands whose positionals are paths (`<command> [paths..]`). */
const PATH_COMMANDS: ReadonlySet<string> = new Set(['lint', 'fix', 'check', 'fit']);

/**
 * yargs spends some 30 µs on each positional and reads them twice, so 10,000 paths cost it a
 * third of a second. A run of plain paths ending the command line is kept from it: yargs sees
 * the first, and the rest (`tail`) are appended to `paths` once it has parsed. Only for a
 * command line that starts with a path command; the token before the run stays with yargs when
 * it may be an option that takes a value, and so does the path after it.
 */
export function splitTrailingPaths(tokens: readonly string[]): { head: string[]; tail: string[] } {
  if (!PATH_COMMANDS.has(tokens[0] ?? '')) return { head: [...tokens], tail: [] };
  let start = tokens.length;
  while (start > 1 && !(tokens[start - 1] as string).startsWith('-')) start--;
  const before = tokens[start - 1] as string;
  if (start > 1 && !before.includes('=')) start++;
  const keep = start + 1;
  if (keep >= tokens.length) return { head: [...tokens], tail: [] };
  return { head: tokens.slice(0, keep), tail: tokens.slice(keep) };
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
