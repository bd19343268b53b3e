/**
 * `kvmxml fit` over files: read each, judge it as `check` does on the pools the VMs before it
 * left (in the given order), fit it, and let it take the pages it will use. Writing, diffs and
 * reports are the CLI's (src/cli/fit.ts).
 */
import { rules as builtinRules } from '../../rules/index.js';
import { activeRulesFor, setBuiltinRuleIds, type LoadedConfig } from '../engine/config.js';
import { lintBytes, lintDocument, type ActiveRule } from '../engine/lint.js';
import { buildDomainModel } from '../domain/model.js';
import type { HostSnapshot } from '../host/snapshot.js';
import type { Profile, ProfileId } from '../libvirt/profile.js';
import { checkLinted } from '../predict/check.js';
import { HostPools } from '../predict/host-pools.js';
import { predictStart } from '../predict/predict.js';
import { decodeUtf8, parseXml } from '../xml/document.js';
import { ConfigResolver, type ConfigSetting } from '../cli/config-resolver.js';
import { expandPaths, readInput, tooLargeMessage, UsageError } from '../cli/files.js';
import type { IgnoreOptions } from '../cli/ignore.js';
import { warnOnStderr } from '../cli/lint-options.js';
import { fitDocument, type FitStatus, type Judgement } from './fit.js';

/** One edit as JSON reports it: where in the original, what was there, what replaces it. */
export interface FitEdit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The original text of the range. */
  removed: string;
  /** Its replacement. */
  text: string;
}

export interface FitFileResult {
  filePath: string;
  libvirt?: ProfileId;
  status: FitStatus;
  before: Judgement;
  after: Judgement;
  edits: FitEdit[];
  changes: string[];
  why?: string;
  /** The original text (for diffs and the filter). */
  original: string;
  /** The fitted text, when it changed. */
  output?: string;
  skipped?: string;
}

export interface FitArgs {
  paths: string[];
  host: HostSnapshot;
  config: ConfigSetting;
  ignore: IgnoreOptions;
  stdinName: { report: string; lookup: string };
  readStdin: () => Uint8Array;
  onInternalError: (filePath: string, error: unknown) => void;
  profile: (cfg: LoadedConfig | null) => Profile;
}

export interface FitOneOptions {
  /** The name reported. */
  filePath: string;
  /** The name the config was found by (and rules see). */
  lookup: string;
  rules: ActiveRule[];
  host: HostSnapshot;
  profile: Profile;
  /** The pools the VMs before this one left; the VM takes its pages from them when it starts. */
  pools: HostPools;
}

/** Fit one document on `opts.pools`, and take the pages it will use from them. */
export function fitBytes(bytes: Uint8Array, opts: FitOneOptions): FitFileResult {
  const { filePath, lookup, rules, host, profile, pools: shared } = opts;
  const decoded = decodeUtf8(bytes);
  const original = decoded.ok ? decoded.text : Buffer.from(bytes).toString('latin1');
  const judge = (text: string, pools: HostPools): Judgement => {
    // one parse: the lint's own document and model are judged
    const linted = lintDocument(Buffer.from(text, 'utf8'), { filePath: lookup, rules, host, profile });
    const { doc, domain } = linted;
    const r = checkLinted({ ...linted.result, filePath }, doc, domain, host, pools.clone(), profile);
    if (r.skipped) return { ...NOTHING };
    const together = r.together ?? { verdict: r.verdict, reasons: r.reasons };
    // the demand on the pools the VMs before it left (as far as the start gets when it fails)
    const demand = domain ? predictStart(domain, host, pools.clone(), profile).demand : r.demand;
    return { verdict: together.verdict, reasons: together.reasons, demand };
  };
  const parsed = decoded.ok ? parseXml(original) : null;
  if (!parsed?.ok) {
    const j = judge(original, shared);
    return { filePath, libvirt: profile.id, status: 'cannot-fit', before: j, after: j, edits: [], changes: [], why: 'the file is not well-formed XML', original };
  }
  const probe = lintBytes(bytes, { filePath: lookup, rules: [], host, profile });
  if (probe.skipped) return { filePath, libvirt: profile.id, status: 'unchanged', before: NOTHING, after: NOTHING, edits: [], changes: [], original, skipped: probe.skipped };
  const doc = parsed.doc;
  const fit = fitDocument({ doc, host, pools: shared, profile, judge });
  const result: FitFileResult = {
    filePath,
    libvirt: profile.id,
    status: fit.status,
    before: fit.before,
    after: fit.after,
    edits: fit.edits.map((e) => {
      const s = doc.positionAt(e.range.start);
      const t = doc.positionAt(e.range.end);
      return { line: s.line, column: s.column, endLine: t.line, endColumn: t.column, removed: original.slice(e.range.start, e.range.end), text: e.text };
    }),
    changes: fit.changes,
    original,
  };
  if (fit.why) result.why = fit.why;
  if (fit.text !== undefined) result.output = fit.text;
  // The VM takes the pages it will use; one that cannot start takes none.
  const final = fit.text !== undefined ? parseXml(fit.text) : parsed;
  if (final.ok && fit.after.verdict !== 'fails') predictStart(buildDomainModel(final.doc.root), host, shared, profile);
  return result;
}

const NOTHING: Judgement = { verdict: 'unknown', reasons: [], demand: [] };

export async function fitFiles(args: FitArgs): Promise<FitFileResult[]> {
  if (args.paths.length === 0) throw new UsageError('no files given (try: kvmxml fit --host host.json vm.xml …, or - for standard input)');
  const known = new Map(builtinRules.map((r) => [r.meta.id, r] as const));
  setBuiltinRuleIds(known.keys());
  const configs = new ConfigResolver(args.config, known);
  await configs.preload();
  const files = await expandPaths(args.paths, { ignore: args.ignore, warn: warnOnStderr });
  const shared = new HostPools(args.host);
  const out: FitFileResult[] = [];
  for (const f of files) {
    const stdin = f === '-';
    const filePath = stdin ? args.stdinName.report : f;
    const lookup = stdin ? args.stdinName.lookup : f;
    const read = stdin ? { ok: true as const, bytes: args.readStdin() } : readInput(f);
    if (!read.ok) {
      const reason = { ruleId: 'xml-well-formed', severity: 2 as const, message: tooLargeMessage(read.tooLarge), line: 1, column: 1, stage: 'parse' as const };
      const j: Judgement = { verdict: 'fails', reasons: [reason], demand: [] };
      out.push({ filePath, status: 'cannot-fit', before: j, after: j, edits: [], changes: [], why: 'libvirt never reads a file this large', original: '' });
      continue;
    }
    try {
      const cfg = await configs.for(lookup);
      const rules = activeRulesFor(lookup, builtinRules, cfg);
      out.push(fitBytes(read.bytes, { filePath, lookup, rules, host: args.host, profile: args.profile(cfg), pools: shared }));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      args.onInternalError(filePath, e);
    }
  }
  return out;
}
