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
}

/** `<!-- expect RULE: piece of the message -->` on the line the finding points at. */
export function expectationsOf(text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/<!--\s*expect\s+([\w-]+):\s*(.*?)\s*-->/g)) out.push({ line: i + 1, ruleId: m[1] as string, text: m[2] as string });
  });
  return out;
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
