/** `kvmxml check --host H [paths]`: read the files, lint them, and ask the predictor for a verdict each. */
import { rules as builtinRules } from '../../rules/index.js';
import { activeRulesFor, setBuiltinRuleIds } from '../engine/config.js';
import { lintBytes } from '../engine/lint.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { checkLinted, newBatchPools, type CheckResult } from '../predict/check.js';
import { decodeUtf8, parseXml } from '../xml/document.js';
import { ConfigResolver } from './config-resolver.js';
import { expandPaths, readInput, UsageError } from './files.js';
import type { IgnoreOptions } from './ignore.js';
import { warnOnStderr } from './lint-options.js';

export interface CheckArgs {
  paths: string[];
  host: HostSnapshot;
  config: boolean;
  ignore: IgnoreOptions;
}

export async function checkFiles(args: CheckArgs): Promise<CheckResult[]> {
  if (args.paths.length === 0) throw new UsageError('no files given (try: kvmxml check --host host.json vm.xml …)');
  const known = new Map(builtinRules.map((r) => [r.meta.id, r] as const));
  setBuiltinRuleIds(known.keys());
  const configs = new ConfigResolver(args.config, known);
  const files = await expandPaths(args.paths, { ignore: args.ignore, warn: warnOnStderr });
  const shared = files.length > 1 ? newBatchPools(args.host) : null;
  const out: CheckResult[] = [];
  for (const f of files) {
    const read = readInput(f);
    const filePath = f;
    if (!read.ok) {
      out.push({ filePath, verdict: 'fails', reasons: [{ ruleId: 'xml-well-formed', severity: 2, message: `file is ${read.tooLarge} bytes; virsh reads at most 10 MiB of XML`, line: 1, column: 1, stage: 'parse' }], demand: [], unchecked: [] });
      continue;
    }
    const cfg = await configs.for(f);
    const active = activeRulesFor(f, builtinRules, cfg);
    const lint = lintBytes(read.bytes, { filePath, rules: active, host: args.host });
    const text = decodeUtf8(read.bytes);
    const parsed = text.ok ? parseXml(text.text) : null;
    out.push(checkLinted(lint, parsed?.ok ? parsed.doc : null, args.host, shared));
  }
  return out;
}
