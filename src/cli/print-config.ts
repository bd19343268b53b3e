/** `--print-config FILE`: the configuration that applies to FILE, as JSON (what ESLint's option prints). */
import { resolve } from 'node:path';
import { activeRulesFor, type RuleEntry } from '../engine/config.js';
import type { Rule, SeverityName } from '../engine/types.js';
import type { ConfigResolver } from './config-resolver.js';
import { unusedDirectivesLevel } from './lint-options.js';

export interface PrintConfigInput {
  configs: ConfigResolver;
  builtin: Rule[];
  cli: Record<string, RuleEntry>;
  unusedDirectives: SeverityName | undefined;
}

const LEVEL_NAME = ['off', 'warn', 'error'] as const;

export async function printConfig(file: string, input: PrintConfigInput, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const filePath = resolve(file);
  const cfg = await input.configs.for(filePath);
  const active = new Map(activeRulesFor(filePath, input.builtin, cfg, { cli: input.cli }).map((a) => [a.rule.meta.id, a] as const));
  const rules: Record<string, RuleEntry> = {};
  for (const rule of [...input.builtin, ...(cfg?.pluginRules ?? [])]) {
    const a = active.get(rule.meta.id);
    if (!a) {
      rules[rule.meta.id] = 'off';
      continue;
    }
    const severity = a.severity === 2 ? 'error' : 'warn';
    rules[rule.meta.id] = rule.meta.schema ? [severity, { ...(rule.meta.defaultOptions ?? {}), ...a.options }] : severity;
  }
  const printed = {
    filePath,
    configFile: cfg?.path ?? null,
    reportUnusedDisableDirectives: LEVEL_NAME[unusedDirectivesLevel(input.unusedDirectives, cfg)],
    plugins: cfg?.config.plugins ?? [],
    rules,
  };
  out.write(JSON.stringify(printed, null, 2) + '\n');
  return 0;
}
