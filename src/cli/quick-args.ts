/**
 * The command lines a pre-commit hook and most runs give — `lint` or `fix` with paths and a few
 * plain options — read without yargs, whose set-up and parse are a quarter of a one-file lint's
 * start (yargs is then never loaded). Anything else (another command, an option outside the
 * table below, a value yargs would refuse or coerce, an option given twice, help, `--`) gets
 * null, and yargs reads the command line as it always does. What this returns equals what yargs
 * gives the command (test/cli-quick-args.test.ts compares the two over many command lines).
 */
import { FORMATS } from '../formatters/index.js';
import { PROFILE_IDS } from '../libvirt/profile.js';

/** The arguments of `lint` and `fix` that the runner reads, as yargs gives them. */
export interface QuickArgs {
  paths: string[];
  format: (typeof FORMATS)[number];
  quiet: boolean;
  'max-warnings': number | undefined;
  'output-file': string | undefined;
  'stdin-filename': string | undefined;
  rule: undefined;
  config: string | false | undefined;
  color: boolean | undefined;
  host: undefined;
  schema: undefined;
  libvirt: (typeof PROFILE_IDS)[number] | undefined;
  ignore: boolean;
  'ignore-pattern': undefined;
  'report-unused-disable-directives': undefined;
  'print-config': undefined;
  'dry-run': boolean;
}

type ValueOption = 'format' | 'max-warnings' | 'output-file' | 'stdin-filename' | 'config' | 'libvirt';

/** Options that take a value, by every name they are written with. */
const VALUE_OPTIONS: Record<string, ValueOption> = {
  '--format': 'format',
  '-f': 'format',
  '--max-warnings': 'max-warnings',
  '--output-file': 'output-file',
  '-o': 'output-file',
  '--stdin-filename': 'stdin-filename',
  '--config': 'config',
  '-c': 'config',
  '--libvirt': 'libvirt',
};

/** `lint …` or `fix …` read as yargs would read it, or null when only yargs can say. */
export function quickArgs(argv: readonly string[]): { mode: 'lint' | 'fix'; args: QuickArgs } | null {
  const mode = argv[0];
  if (mode !== 'lint' && mode !== 'fix') return null;
  const args: QuickArgs = {
    paths: [],
    format: 'stylish',
    quiet: false,
    'max-warnings': undefined,
    'output-file': undefined,
    'stdin-filename': undefined,
    rule: undefined,
    config: undefined,
    color: undefined,
    host: undefined,
    schema: undefined,
    libvirt: undefined,
    ignore: true,
    'ignore-pattern': undefined,
    'report-unused-disable-directives': undefined,
    'print-config': undefined,
    'dry-run': false,
  };
  const given = new Set<string>();
  const once = (name: string): boolean => {
    if (given.has(name)) return false;
    given.add(name);
    return true;
  };
  for (let i = 1; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '-' || !token.startsWith('-')) {
      args.paths.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const flag = eq < 0 ? token : token.slice(0, eq);
    const option = VALUE_OPTIONS[flag];
    if (option !== undefined) {
      let value: string | undefined;
      if (eq >= 0) value = token.slice(eq + 1);
      else {
        value = argv[++i];
        // yargs reads a value that looks like an option as one (and `-` as standard input): it decides those.
        if (value === undefined || (value.startsWith('-') && value !== '-')) return null;
      }
      if (value === '' || !once(option) || !setValue(args, option, value)) return null;
      continue;
    }
    // yargs takes a `true` or `false` after a switch as its value: it decides those.
    if (eq >= 0 || argv[i + 1] === 'true' || argv[i + 1] === 'false') return null;
    switch (token) {
      case '--quiet':
        if (!once('quiet')) return null;
        args.quiet = true;
        break;
      case '--color':
      case '--no-color':
        if (!once('color')) return null;
        args.color = token === '--color';
        break;
      case '--no-config':
        if (!once('config')) return null;
        args.config = false;
        break;
      case '--no-ignore':
        if (!once('ignore')) return null;
        args.ignore = false;
        break;
      case '--dry-run':
        if (mode !== 'fix' || !once('dry-run')) return null;
        args['dry-run'] = true;
        break;
      case '--debug':
        // Read from the process's arguments where it matters (debug.ts); yargs only accepts it.
        if (!once('debug')) return null;
        break;
      default:
        return null;
    }
  }
  return args.paths.length > 0 ? { mode, args } : null;
}

function setValue(args: QuickArgs, option: ValueOption, value: string): boolean {
  switch (option) {
    case 'format':
      if (!(FORMATS as readonly string[]).includes(value)) return false;
      args.format = value as QuickArgs['format'];
      return true;
    case 'libvirt':
      if (!(PROFILE_IDS as readonly string[]).includes(value)) return false;
      args.libvirt = value as QuickArgs['libvirt'];
      return true;
    case 'max-warnings':
      if (!/^\d+$/.test(value)) return false;
      args['max-warnings'] = Number(value);
      return true;
    default:
      args[option] = value;
      return true;
  }
}
