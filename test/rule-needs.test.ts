/**
 * A rule that declares `needs` is skipped on a domain that has none of those parts. These tests
 * hold that to running every rule on every document: the findings must be the same, on every
 * XML file of the repository (rule fixtures, examples, conformance cases), on libvirt's own test
 * domains when they are cached, for each profile, without a host and with host snapshots.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { lintText } from '../src/engine/lint.js';
import type { DomainPart, Rule } from '../src/engine/types.js';
import type { HostSnapshot } from '../src/host/snapshot.js';
import { loadSnapshot } from '../src/host/load.js';
import { takeSnapshot } from '../src/host/index.js';
import { PROFILE_IDS, PROFILES } from '../src/libvirt/profile.js';
import { allActive, ROOT } from './helpers/fixtures.js';

function xmlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) xmlFiles(p, out);
    else if (name.endsWith('.xml')) out.push(p);
  }
  return out;
}

const active = allActive();
const corpus = join(homedir(), '.cache', 'kvmxml', 'libvirt-9.0.0-test-domains');

/** Files whose findings differ with and without skipping, with the first difference. */
function differences(files: readonly string[], host: HostSnapshot | null): string[] {
  const out: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const id of PROFILE_IDS) {
      const opts = { filePath: file, rules: active, host, profile: PROFILES[id] };
      const skipping = JSON.stringify(lintText(text, opts).messages);
      const every = JSON.stringify(lintText(text, { ...opts, everyRule: true }).messages);
      if (skipping !== every) out.push(`${file} (libvirt ${id}${host ? ', with a host' : ''})`);
    }
  }
  return out;
}

describe('rules that declare what they need', () => {
  it('are the rules whose subject parts are named, and name only parts kvmxml knows', () => {
    const parts = new Set(['memoryBacking', 'memtune', 'numatune', 'numa', 'memoryDevices']);
    const declaring = rules.filter((r) => r.meta.needs);
    expect(declaring.length).toBeGreaterThan(40);
    for (const r of declaring) {
      expect(r.meta.needs!.length, r.meta.id).toBeGreaterThan(0);
      for (const p of r.meta.needs!) expect(parts.has(p), `${r.meta.id}: ${p}`).toBe(true);
    }
  });

  it('run only on a domain with one of the parts they name; a part kvmxml does not know runs the rule everywhere', () => {
    const probe = (needs: readonly string[]): Rule => ({
      meta: { id: `probe-${needs.join('-')}`, description: 'reports the root', severity: 'warn', stage: 'style', fixable: false, needs: needs as DomainPart[] },
      check: (ctx) => ctx.report({ node: ctx.domain.root, message: 'seen' }),
    });
    const ran = (text: string, needs: readonly string[]) => lintText(text, { filePath: 'x.xml', rules: [{ rule: probe(needs), severity: 1, options: {} }] }).messages.length === 1;
    const plain = '<domain><memory>1048576</memory></domain>';
    const tuned = '<domain><memory>1048576</memory><memtune><hard_limit>2097152</hard_limit></memtune></domain>';
    expect(ran(plain, ['memtune'])).toBe(false);
    expect(ran(tuned, ['memtune'])).toBe(true);
    expect(ran(plain, ['memoryBacking', 'memtune'])).toBe(false);
    expect(ran(tuned, ['memoryBacking', 'memtune'])).toBe(true);
    expect(ran(plain, ['memtune', 'no-such-part'])).toBe(true);
    expect(ran(plain, [])).toBe(true);
  });

  it('find what every rule run on every document finds, on every XML file of the repository', async () => {
    const files = xmlFiles(join(ROOT, 'fixtures'));
    expect(files.length).toBeGreaterThan(500);
    expect(differences(files, null)).toEqual([]);
    const hosts: HostSnapshot[] = [
      await loadSnapshot(join(ROOT, 'fixtures', 'check', 'tutorial-host.json')),
      ...(await Promise.all(['tutorial-two-nodes', 'ksm-on-thp-never', 'sparse-nodes'].map(async (h) => (await takeSnapshot({ root: join(ROOT, 'fixtures', 'hosts', h), now: new Date(0) })).snapshot))),
    ];
    for (const host of hosts) expect(differences(files, host)).toEqual([]);
  });

  it.runIf(existsSync(corpus))(`find the same on libvirt's own test domains (${corpus})`, () => {
    const files = readdirSync(corpus).filter((f) => f.endsWith('.xml')).map((f) => join(corpus, f));
    expect(differences(files, null)).toEqual([]);
  });
});
