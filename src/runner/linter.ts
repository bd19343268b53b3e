/**
 * Linting one file as a run asks for it: the config that applies to it, its rules, schema and
 * profile, then the engine. Everything it needs is in a LintJob, plain data, so the same job
 * runs in this thread or in a worker (src/runner/pool.ts) with the same result.
 */
import { engineRules, rules as builtinRules } from '../../rules/index.js';
import { activeRulesFor, overridesMatching, setBuiltinRuleIds, type LoadedConfig, type RuleEntry } from '../engine/config.js';
import { lintBytes, PARSE_RULE_ID, type ActiveRule, type FileLintResult } from '../engine/lint.js';
import type { Rule, RuleMeta, SeverityName } from '../engine/types.js';
import type { HostSnapshot } from '../host/snapshot.js';
import type { ProfileId } from '../libvirt/profile.js';
import { ConfigResolver, type ConfigSetting } from '../cli/config-resolver.js';
import { tooLargeMessage } from '../cli/files.js';
import { unusedDirectivesLevel } from '../cli/lint-options.js';
import { profileFor } from '../cli/profile-option.js';
import { SchemaSource } from '../cli/schema-source.js';

/** What a lint or fix run applies to every file. */
export interface LintJob {
  /** `--config FILE`, `--no-config` (false) or the nearest config (undefined). */
  config: ConfigSetting;
  /** `--rule ID:SEVERITY` entries, already checked. */
  cliRules: Record<string, RuleEntry>;
  host: HostSnapshot | null;
  /** `--schema` ('' alone), undefined without it. */
  schema: string | undefined;
  /** `--libvirt`. */
  libvirt: ProfileId | undefined;
  /** `--report-unused-disable-directives`. */
  unusedDirectives: SeverityName | undefined;
  fix: boolean;
}

/** One file to lint: the name it is reported by, the path its config is found by, its bytes (null: too large, with its size). */
export interface LintItem {
  filePath: string;
  lookupPath: string;
  bytes: Uint8Array | null;
  size: number;
}

/** The built-in rules by id, registered with the config layer (which tells plugin rules from them). */
export function builtinRuleMap(): Map<string, Rule> {
  const known = new Map(builtinRules.map((r) => [r.meta.id, r] as const));
  setBuiltinRuleIds(known.keys());
  return known;
}

/** Every rule's metadata a report may name: the engine's own and the built-in rules. */
export function builtinMetas(): Map<string, RuleMeta> {
  return new Map<string, RuleMeta>([...builtinRules.map((r) => [r.meta.id, r.meta] as const), ...engineRules.map((m) => [m.id, m] as const)]);
}

export class FileLinter {
  readonly configs: ConfigResolver;
  readonly schemas: SchemaSource;

  constructor(readonly job: LintJob) {
    this.configs = new ConfigResolver(job.config, builtinRuleMap());
    this.schemas = new SchemaSource(job.schema);
  }

  /** Load a config named on the command line, so a bad one stops the run before any file. */
  preload(): Promise<void> {
    return this.configs.preload();
  }

  /** The active rules by config and matching overrides: files that share both share one list. */
  private readonly activeByConfig = new Map<LoadedConfig | null, Map<string, ActiveRule[]>>();

  private activeRules(lookupPath: string, cfg: LoadedConfig | null): ActiveRule[] {
    let byOverrides = this.activeByConfig.get(cfg);
    if (!byOverrides) this.activeByConfig.set(cfg, (byOverrides = new Map()));
    const key = cfg ? overridesMatching(lookupPath, cfg).join(',') : '';
    let active = byOverrides.get(key);
    if (!active) byOverrides.set(key, (active = activeRulesFor(lookupPath, builtinRules, cfg, { cli: this.job.cliRules })));
    return active;
  }

  async lint(item: LintItem): Promise<FileLintResult> {
    const cfg = await this.configs.for(item.lookupPath);
    const active = this.activeRules(item.lookupPath, cfg);
    if (!item.bytes) return { ...tooLarge(item.lookupPath, item.size), filePath: item.filePath };
    const schema = needsSchema(active) ? await this.schemas.for(cfg) : null;
    const profile = profileFor(this.job.libvirt, cfg, this.job.host);
    const result = lintBytes(item.bytes, {
      filePath: item.lookupPath,
      rules: active,
      fix: this.job.fix,
      host: this.job.host,
      schema,
      profile,
      reportUnusedDisableDirectives: unusedDirectivesLevel(this.job.unusedDirectives, cfg),
    });
    // The result is new: it takes the name the file is reported by (a copy per file shows in a profile).
    result.filePath = item.filePath;
    return result;
  }
}

/** Whether a rule list has a rule that needs libvirt's schema, once per list (files share their lists). */
const schemaNeeded = new WeakMap<ActiveRule[], boolean>();
function needsSchema(active: ActiveRule[]): boolean {
  let needed = schemaNeeded.get(active);
  if (needed === undefined) schemaNeeded.set(active, (needed = active.some((a) => a.rule.meta.needsSchema)));
  return needed;
}

/** A file larger than virsh reads is a parse finding: libvirt never sees it. */
export function tooLarge(filePath: string, size: number): FileLintResult {
  return {
    filePath,
    messages: [
      {
        ruleId: PARSE_RULE_ID,
        severity: 2,
        message: tooLargeMessage(size),
        line: 1,
        column: 1,
        stage: 'parse',
        fatal: true,
      },
    ],
    errorCount: 1,
    warningCount: 0,
    fixableErrorCount: 0,
    fixableWarningCount: 0,
  };
}
