/**
 * The command lines read without yargs (src/cli/quick-args.ts) must mean exactly what yargs
 * makes of them; the others must be left to yargs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { main, setLintArgsCapture } from '../src/cli/main.js';
import { quickArgs, type QuickArgs } from '../src/cli/quick-args.js';

afterAll(() => setLintArgsCapture(null));

/** What yargs hands the lint or fix command for `argv`, in the keys quickArgs fills. */
async function viaYargs(argv: string[]): Promise<{ mode: string; args: Record<string, unknown> }> {
  let got: { mode: string; args: Record<string, unknown> } | null = null;
  setLintArgsCapture((args, mode) => {
    got = { mode, args };
  });
  try {
    await main(argv);
  } finally {
    setLintArgsCapture(null);
  }
  if (got === null) throw new Error(`yargs ran no lint or fix for ${argv.join(' ')}`);
  return got;
}

const pick = (args: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, args[k]]));

const QUICK: string[][] = [
  ['lint', 'a.xml'],
  ['lint', 'a.xml', 'b.xml', 'dir', '123', 'true.xml'],
  ['lint', '-'],
  ['lint', '--format', 'json', 'a.xml'],
  ['lint', '--format=sarif', 'a.xml'],
  ['lint', '-f', 'github', 'a.xml', '-'],
  ['lint', '-f=junit', 'a.xml'],
  ['lint', 'a.xml', '--quiet', 'b.xml'],
  ['lint', '--color', 'a.xml'],
  ['lint', '--no-color', 'a.xml'],
  ['lint', '--no-config', 'a.xml'],
  ['lint', '--config', 'k.json', 'a.xml'],
  ['lint', '-c', 'true', 'a.xml'],
  ['lint', '--config=-', 'a.xml'],
  ['lint', '--libvirt', '11.3', 'a.xml'],
  ['lint', '--libvirt=9.0', 'a.xml'],
  ['lint', '--max-warnings', '0', 'a.xml'],
  ['lint', '--max-warnings=007', 'a.xml'],
  ['lint', '-o', '-', 'a.xml'],
  ['lint', '--output-file', 'report.json', '--stdin-filename', 'vm.xml', '-'],
  ['lint', '--no-ignore', 'a.xml'],
  ['lint', '--debug', 'a.xml'],
  ['fix', 'a.xml'],
  ['fix', '--dry-run', 'a.xml', 'b.xml'],
  ['fix', '-', '--format', 'json'],
];

const LEFT_TO_YARGS: string[][] = [
  ['lint'],
  ['lint', '--help'],
  ['lint', '--format', 'xml', 'a.xml'],
  ['lint', '--format', 'json', '--format', 'json', 'a.xml'],
  ['lint', '--format', '--quiet', 'a.xml'],
  ['lint', '--format=', 'a.xml'],
  ['lint', '--quiet', 'false', 'a.xml'],
  ['lint', '--quiet=true', 'a.xml'],
  ['lint', '--rule', 'memtune-order:off', 'a.xml'],
  ['lint', '--max-warnings', '-1', 'a.xml'],
  ['lint', '--max-warnings', ' 5', 'a.xml'],
  ['lint', '--libvirt', '9', 'a.xml'],
  ['lint', '--', 'a.xml'],
  ['lint', '-q', 'a.xml'],
  ['lint', '--dry-run', 'a.xml'],
  ['lint', '--schema', 'a.xml'],
  ['lint', '--host', 'h.json', 'a.xml'],
  ['check', 'a.xml'],
  ['--debug', 'lint', 'a.xml'],
];

describe('quickArgs', () => {
  it.each(QUICK.map((a) => [a.join(' '), a] as const))('reads %s as yargs does', async (_name, argv) => {
    const quick = quickArgs(argv);
    expect(quick).not.toBeNull();
    const { mode, args } = quick as { mode: string; args: QuickArgs };
    const keys = Object.keys(args).filter((k) => !(k === 'dry-run' && mode === 'lint'));
    const yargs = await viaYargs(argv);
    expect(mode).toBe(yargs.mode);
    expect(pick(args as unknown as Record<string, unknown>, keys)).toEqual(pick(yargs.args, keys));
  });

  it.each(LEFT_TO_YARGS.map((a) => [a.join(' '), a] as const))('leaves %s to yargs', (_name, argv) => {
    expect(quickArgs(argv)).toBeNull();
  });
});
