/** Loading rule fixtures and running the engine on them, shared by the fixture tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rules } from '../../rules/index.js';
import { lintBytes, lintText, type ActiveRule, type FileLintResult } from '../../src/engine/lint.js';
import type { Rule } from '../../src/engine/types.js';
import { loadSnapshot, takeSnapshot } from '../../src/host/index.js';
import type { HostSnapshot } from '../../src/host/snapshot.js';
import { DEFAULT_PROFILE, PROFILES, type Profile, type ProfileId } from '../../src/libvirt/profile.js';
import type { LibvirtSchema } from '../../src/schema/validator.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const RULE_FIXTURES = join(ROOT, 'fixtures', 'rules');

export interface Expectation {
  line: number;
  ruleId: string;
  text: string;
  /** 1-based column of the finding's start; null when the comment gives no position. */
  column: number | null;
  /** Where the finding ends (line, and the column just past its last character); null for a point (`@C`) or no position. */
  endLine: number | null;
  endColumn: number | null;
  /** `<!-- expect-suggestion RULE: desc -->` comments after this one on its line, in order. */
  suggestions: string[];
}

const EXPECT = /<!--\s*expect(-suggestion)?\s+([\w-]+)(?:@(\d+)(?:-(?:(\d+):)?(\d+))?)?:\s*(.*?)\s*-->/g;

/**
 * `<!-- expect RULE@COL-ENDCOL: piece of the message -->` on the line the finding starts on
 * (`@COL-ENDLINE:ENDCOL` when it ends on another line, `@COL` for a finding without an end);
 * `<!-- expect-suggestion RULE: description -->` after it on the same line states a suggestion
 * of that finding. See fixtures/rules/README.md.
 */
export function expectationsOf(text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split('\n').forEach((line, i) => {
    const seen = line.match(/<!--\s*expect(?:-suggestion)?\s/g)?.length ?? 0;
    let parsed = 0;
    let last: Expectation | undefined;
    for (const m of line.matchAll(EXPECT)) {
      parsed++;
      const [, suggestion, ruleId, col, endLine, endCol, said] = m as unknown as [string, string | undefined, string, string | undefined, string | undefined, string | undefined, string];
      if (suggestion) {
        if (col !== undefined) throw new Error(`line ${i + 1}: expect-suggestion takes no position (it belongs to the expect comment before it)`);
        if (!last || last.ruleId !== ruleId) throw new Error(`line ${i + 1}: expect-suggestion ${ruleId} without an expect ${ruleId} comment before it on the line`);
        last.suggestions.push(said);
        continue;
      }
      last = {
        line: i + 1,
        ruleId,
        text: said,
        column: col === undefined ? null : Number(col),
        endLine: endCol === undefined ? null : endLine === undefined ? i + 1 : Number(endLine),
        endColumn: endCol === undefined ? null : Number(endCol),
        suggestions: [],
      };
      out.push(last);
    }
    if (parsed !== seen) throw new Error(`line ${i + 1}: an expect comment that does not read as <!-- expect RULE@COL-END: text -->: ${line.trim()}`);
  });
  return out;
}

/**
 * `<!-- kvmxml-options: RULE {"option": value} -->` in a fixture lints it with those options for
 * RULE, as `rules: { RULE: [severity, {...}] }` in a config would (defaults fill the rest).
 */
export function fixtureOptions(text: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const m of text.matchAll(/<!--\s*kvmxml-options:\s*([\w-]+)\s+(\{.*?\})\s*-->/gs)) {
    const [, id, json] = m as unknown as [string, string, string];
    if (out.has(id)) throw new Error(`kvmxml-options: ${id} given twice`);
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new Error(`kvmxml-options: ${id}: not JSON: ${(e as Error).message}`, { cause: e });
    }
    out.set(id, value as Record<string, unknown>);
  }
  if ((text.match(/kvmxml-options:/g)?.length ?? 0) !== out.size) throw new Error('kvmxml-options: a comment that does not read as <!-- kvmxml-options: RULE {json} -->');
  return out;
}

/** The active rules with a fixture's own options applied (an option for a rule not in the list is an error). */
export function withOptions(active: ActiveRule[], options: Map<string, Record<string, unknown>>): ActiveRule[] {
  for (const id of options.keys()) if (!active.some((a) => a.rule.meta.id === id)) throw new Error(`kvmxml-options: rule ${id} is not run on this fixture`);
  return active.map((a) => (options.has(a.rule.meta.id) ? { ...a, options: options.get(a.rule.meta.id)! } : a));
}

export function allActive(list: Rule[] = rules): ActiveRule[] {
  return list.map((rule) => ({ rule, severity: rule.meta.severity === 'error' ? 2 : 1, options: {} }));
}

export function ruleById(id: string): Rule | undefined {
  return rules.find((r) => r.meta.id === id);
}

/**
 * `<!-- kvmxml-libvirt: 11.3 -->` in a fixture lints it with that profile, as `--libvirt 11.3`
 * would; without the comment, the default profile.
 */
export function fixtureProfile(text: string): Profile {
  const id = /<!--\s*kvmxml-libvirt:\s*([\d.]+)\s*-->/.exec(text)?.[1];
  if (id === undefined) return DEFAULT_PROFILE;
  const p = PROFILES[id as ProfileId];
  if (!p) throw new Error(`kvmxml-libvirt: no profile ${id}`);
  return p;
}

/** Lints a file as the CLI would; the profile is the fixture's own unless `profile` is given. */
export function lintFile(path: string, active: ActiveRule[], fix = false, host: HostSnapshot | null = null, schema: LibvirtSchema | null = null, profile?: Profile): FileLintResult {
  const bytes = readFileSync(path);
  return lintBytes(bytes, { filePath: path, rules: active, fix, host, schema, profile: profile ?? fixtureProfile(bytes.toString('utf8')) });
}

export function lintString(text: string, active: ActiveRule[] = allActive(), fix = false, host: HostSnapshot | null = null): FileLintResult {
  return lintText(text, { filePath: 'test.xml', rules: active, fix, host, profile: fixtureProfile(text) });
}

/**
 * `<!-- kvmxml-host: NAME -->` in a fixture lints it with a host snapshot, as `--host` would:
 * NAME ending in `.json` is a snapshot file beside the fixture; any other NAME is a copy of a
 * host's /sys and /proc under fixtures/hosts/NAME. Without the comment there is no host.
 */
export function fixtureHostName(text: string): string | null {
  return /<!--\s*kvmxml-host:\s*([\w.-]+)\s*-->/.exec(text)?.[1] ?? null;
}

const hostCache = new Map<string, Promise<HostSnapshot>>();

export async function fixtureHost(text: string, file: string): Promise<HostSnapshot | null> {
  const name = fixtureHostName(text);
  if (!name) return null;
  const where = name.endsWith('.json') ? join(dirname(file), name) : join(ROOT, 'fixtures', 'hosts', name);
  let p = hostCache.get(where);
  if (!p) {
    p = name.endsWith('.json') ? loadSnapshot(where) : takeSnapshot({ root: where, now: new Date(0) }).then((r) => r.snapshot);
    hostCache.set(where, p);
  }
  return p;
}

export interface RuleFixtures {
  ruleId: string;
  dir: string;
  failing: string[];
  passing: string[];
}

export function ruleFixtureDirs(): RuleFixtures[] {
  return readdirSync(RULE_FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(RULE_FIXTURES, d.name);
      const files = readdirSync(dir).sort();
      return {
        ruleId: d.name,
        dir,
        failing: files.filter((f) => f.endsWith('.fail.xml')).map((f) => join(dir, f)),
        passing: files.filter((f) => f.endsWith('.pass.xml')).map((f) => join(dir, f)),
      };
    });
}
