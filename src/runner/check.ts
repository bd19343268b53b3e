/**
 * `kvmxml check --host H [paths]`: each file read and linted once, and judged from what the
 * lint read — its document, its model and the prediction the host-start rule made from that
 * model — alone on the host and, with several files, after the VMs before it.
 */
import { rules as builtinRules } from '../../rules/index.js';
import { activeRulesFor, type LoadedConfig } from '../engine/config.js';
import { lintDocument, PARSE_RULE_ID } from '../engine/lint.js';
import type { HostSnapshot } from '../host/snapshot.js';
import type { Profile } from '../libvirt/profile.js';
import { checkLinted, newBatchPools, type CheckResult } from '../predict/check.js';
import type { ParseResult } from '../xml/document.js';
import { ConfigResolver, type ConfigSetting } from '../cli/config-resolver.js';
import { expandPaths, readInput, tooLargeMessage, readStdin, UsageError, type ReadResult } from '../cli/files.js';
import type { IgnoreOptions } from '../cli/ignore.js';
import { warnOnStderr } from '../cli/lint-options.js';
import { builtinRuleMap } from './linter.js';

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
  /** The XML parser; a test may hand in one that counts. */
  parse?: (text: string) => ParseResult;
}

export async function checkFiles(args: CheckArgs): Promise<CheckResult[]> {
  if (args.paths.length === 0) throw new UsageError('no files given (try: kvmxml check --host host.json vm.xml …)');
  const configs = new ConfigResolver(args.config, builtinRuleMap());
  await configs.preload();
  const files = await expandPaths(args.paths, { ignore: args.ignore, warn: warnOnStderr });
  // The verdict together depends on the VMs before: files are judged one after the other, in order.
  const shared = files.length > 1 ? newBatchPools(args.host) : null;
  const out: CheckResult[] = [];
  for (const f of files) {
    const stdin = f === '-';
    const got: ReadResult = stdin ? { ok: true, bytes: readStdin() } : readInput(f);
    const filePath = stdin ? args.stdinName.report : f;
    const lookup = stdin ? args.stdinName.lookup : f;
    if (!got.ok) {
      out.push({ filePath, verdict: 'fails', reasons: [{ ruleId: PARSE_RULE_ID, severity: 2, message: tooLargeMessage(got.tooLarge), line: 1, column: 1, stage: 'parse' }], demand: [], unchecked: [] });
      continue;
    }
    const cfg = await configs.for(lookup);
    try {
      const active = activeRulesFor(lookup, builtinRules, cfg);
      const profile = args.profile(cfg);
      const linted = lintDocument(got.bytes, { filePath: lookup, rules: active, host: args.host, profile, ...(args.parse ? { parse: args.parse } : {}) });
      out.push(checkLinted({ ...linted.result, filePath }, linted.doc, linted.domain, args.host, shared, profile));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      args.onInternalError(filePath, e);
    }
  }
  return out;
}
