/**
 * `--debug` (or the KVMXML_DEBUG environment variable): an internal error prints its stack
 * trace, and every run ends with its exit code and time on standard error. Read from the raw
 * arguments, so it also covers errors before or inside argument parsing.
 */
export function debugWanted(args: string[]): boolean {
  const env = process.env.KVMXML_DEBUG;
  return args.includes('--debug') || (env !== undefined && env !== '' && env !== '0');
}

export function debugTrace(e: unknown): string {
  return `${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`;
}

export function debugSummary(code: number, startedMs: number): string {
  return `kvmxml: debug: exit code ${code} after ${Math.round(performance.now() - startedMs)} ms\n`;
}
