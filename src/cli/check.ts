/** `kvmxml check --host H [paths]`: read the files, lint them, and ask the predictor for a verdict each. */
import { rules as builtinRules } from '../../rules/index.js';
import { activeRulesFor, setBuiltinRuleIds, type LoadedConfig } from '../engine/config.js';
import type { Profile } from '../libvirt/profile.js';
import { lintBytes } from '../engine/lint.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { checkLinted, newBatchPools, type CheckResult } from '../predict/check.js';
import { decodeUtf8, parseXml } from '../xml/document.js';
import { ConfigResolver, type ConfigSetting } from './config-resolver.js';
import { expandPaths, readInput, readStdin, UsageError, type ReadResult } from './files.js';
import type { IgnoreOptions } from './ignore.js';
import { warnOnStderr } from './lint-options.js';

export interface CheckArgs {
  paths: string[];
  host: HostSnapshot;
  config: ConfigSetting;
  ignore: IgnoreOptions;
  /** What a document read from standard input (`-`) is reported as, and its config found by. */
  stdinName: { report: string; lookup: string };
  /** Called for a file kvmxml itself failed on; the others are still checked. */
  onInternalError: (filePath: string, error: unknown) => void;
  /** The profile for a file, given its config. */
  profile: (cfg: LoadedConfig | null) => Profile;
}

export async function checkFiles(args: CheckArgs): Promise<CheckResult[]> {
  if (args.paths.length === 0) throw new UsageError('no files given (try: kvmxml check --host host.json vm.xml …)');
  const known = new Map(builtinRules.map((r) => [r.meta.id, r] as const));
  setBuiltinRuleIds(known.keys());
  const configs = new ConfigResolver(args.config, known);
  await configs.preload();
  const files = await expandPaths(args.paths, { ignore: args.ignore, warn: warnOnStderr });
  const shared = files.length > 1 ? newBatchPools(args.host) : null;
  const out: CheckResult[] = [];
  for (const f of files) {
    const stdin = f === '-';
    const read: ReadResult = stdin ? { ok: true, bytes: readStdin() } : readInput(f);
    const filePath = stdin ? args.stdinName.report : f;
    const lookup = stdin ? args.stdinName.lookup : f;
    if (!read.ok) {
      out.push({ filePath, verdict: 'fails', reasons: [{ ruleId: 'xml-well-formed', severity: 2, message: `file is ${read.tooLarge} bytes; virsh reads at most 10 MiB of XML`, line: 1, column: 1, stage: 'parse' }], demand: [], unchecked: [] });
      continue;
    }
    const cfg = await configs.for(lookup);
    try {
      const active = activeRulesFor(lookup, builtinRules, cfg);
      const profile = args.profile(cfg);
      const lint = { ...lintBytes(read.bytes, { filePath: lookup, rules: active, host: args.host, profile }), filePath };
      const text = decodeUtf8(read.bytes);
      const parsed = text.ok ? parseXml(text.text) : null;
      out.push(checkLinted(lint, parsed?.ok ? parsed.doc : null, args.host, shared, profile));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      args.onInternalError(filePath, e);
    }
  }
  return out;
}
