/**
 * The Failing and Fixed examples on every rule page (rules/<id>.md) hold: each failing example,
 * placed into a domain (test/helpers/rule-doc-examples.ts says how), gets a finding of the rule;
 * each fixed one gets none, nor any error-level finding of another rule that says libvirt
 * refuses it (with libvirt's schema, where it is installed, as `virsh define --validate`); and where the rule is fixable, `kvmxml fix` turns the failing example
 * into the fixed one, byte for byte, unless the page marks the fixed block as a hand-written
 * alternative.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineRules, rules } from '../rules/index.js';
import { lintText, type ActiveRule } from '../src/engine/lint.js';
import { takeSnapshot } from '../src/host/index.js';
import type { HostSnapshot } from '../src/host/snapshot.js';
import { DEFAULT_PROFILE, PROFILES, type ProfileId } from '../src/libvirt/profile.js';
import type { LibvirtSchema } from '../src/schema/validator.js';
import { allActive, ROOT } from './helpers/fixtures.js';
import { buildDomain, isWholeDomain, readRulePage, type ExampleMarkers } from './helpers/rule-doc-examples.js';
import { schemaMissing, testSchema } from './helpers/schema.js';

const RULES_DIR = join(ROOT, 'rules');
const hosts = new Map<string, Promise<HostSnapshot>>();
function hostNamed(name: string): Promise<HostSnapshot> {
  let p = hosts.get(name);
  if (!p) {
    p = takeSnapshot({ root: join(ROOT, 'fixtures', 'hosts', name), now: new Date(0) }).then((r) => r.snapshot);
    hosts.set(name, p);
  }
  return p;
}

interface Setting {
  host: HostSnapshot | null;
  schema: LibvirtSchema | null;
  profileId: ProfileId;
}

async function settingOf(m: ExampleMarkers, needsSchema: boolean): Promise<Setting> {
  const profile = m.libvirt ? PROFILES[m.libvirt as ProfileId] : DEFAULT_PROFILE;
  if (!profile) throw new Error(`no profile ${m.libvirt}`);
  return { host: m.host ? await hostNamed(m.host) : null, schema: needsSchema || m.schema ? await testSchema() : null, profileId: profile.id };
}

function lint(text: string, active: ActiveRule[], s: Setting, fix = false) {
  return lintText(text, { filePath: 'example.xml', rules: active, fix, host: s.host, schema: s.schema, profile: PROFILES[s.profileId] });
}

const ALL = allActive();
/** The stages at which libvirt refuses a definition outright. */
const REFUSED_AT = ['parse', 'schema', 'define'];
const metas = [...engineRules, ...rules.map((r) => r.meta)];

describe('how an example becomes a domain', () => {
  it('places each element where libvirt reads it, in libvirt\'s order, dropping the … lines', () => {
    const doc = buildDomain(null, "<cell id='0' cpus='0-3' memory='4' unit='GiB'/>\n…\n<memory model='dimm'>\n  <target><size unit='GiB'>1</size><node>0</node></target>\n</memory>\n<locked/>\n<hard_limit unit='GiB'>6</hard_limit>\n<maxMemory slots='2' unit='GiB'>8</maxMemory>");
    expect(doc).toBe(
      [
        "<domain type='kvm'>",
        '  <name>example</name>',
        "  <maxMemory slots='2' unit='GiB'>8</maxMemory>",
        "  <memory unit='GiB'>4</memory>",
        '  <memtune>',
        "    <hard_limit unit='GiB'>6</hard_limit>",
        '  </memtune>',
        '  <memoryBacking>',
        '    <locked/>',
        '  </memoryBacking>',
        "  <vcpu placement='static'>4</vcpu>",
        '  <os>',
        "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>",
        '  </os>',
        '  <cpu>',
        '    <numa>',
        "      <cell id='0' cpus='0-3' memory='4' unit='GiB'/>",
        '    </numa>',
        '  </cpu>',
        '  <devices>',
        '    <emulator>/usr/bin/qemu-system-x86_64</emulator>',
        "    <memory model='dimm'>",
        "      <target><size unit='GiB'>1</size><node>0</node></target>",
        '    </memory>',
        '  </devices>',
        '</domain>',
        '',
      ].join('\n'),
    );
  });
  it('lays a Fixed block over the Failing one: same kinds replaced (cells by id), the rest kept', () => {
    const context = "<cell id='0' cpus='0-1' memory='2' unit='GiB'/>";
    const failing = "<memtune>\n  <hard_limit unit='GiB'>1</hard_limit>\n</memtune>\n<memtune/>\n<cell id='1' cpus='2-3' memory='2' unit='GiB'/>";
    const fixed = "<memtune>\n  <hard_limit unit='GiB'>2</hard_limit>\n</memtune>\n<cell id='1' cpus='2-3' memory='1' unit='GiB'/>";
    const doc = buildDomain(context, failing, fixed);
    expect(doc).toContain("  <memtune>\n    <hard_limit unit='GiB'>2</hard_limit>\n  </memtune>\n  <vcpu");
    expect(doc).toContain("      <cell id='0' cpus='0-1' memory='2' unit='GiB'/>\n      <cell id='1' cpus='2-3' memory='1' unit='GiB'/>\n    </numa>");
    expect(doc.match(/<memtune/g)).toHaveLength(1);
  });
  it('takes a <domain> block\'s attributes and children, and a whole one stands alone', () => {
    expect(buildDomain(null, "<domain type='qemu'>\n  …\n</domain>")).toMatch(/^<domain type='qemu'>\n {2}<name>example<\/name>\n/);
    expect(isWholeDomain("<domain type='qemu'>\n  …\n</domain>")).toBe(false);
    expect(isWholeDomain("<domain type='qemu'>\n  <name>x</name>\n</domain>")).toBe(true);
  });
});

describe('every rule page has a failing and a fixed (or passing) example', () => {
  for (const meta of metas) {
    it(meta.id, () => {
      const page = readRulePage(RULES_DIR, meta.id);
      expect(page.failing.length, `${meta.id}.md: an xml block under ## Failing`).toBeGreaterThan(0);
      expect(page.fixed.length, `${meta.id}.md: an xml block under ## Fixed or ## Passing`).toBeGreaterThan(0);
      if (meta.fixable) {
        const exact = page.fixed.filter((f) => !f.markers.alternative && !f.passing);
        expect(exact.length, `${meta.id}.md is fixable: one Fixed block is what kvmxml fix writes, the others are marked alternative`).toBe(1);
      }
    });
  }
});

for (const meta of metas) {
  const page = readRulePage(RULES_DIR, meta.id);
  const rule = rules.find((r) => r.meta.id === meta.id);
  const needsSchema = Boolean(meta.needsSchema);
  const skip = needsSchema && schemaMissing !== null;
  // The engine reports xml-well-formed itself, with any rule on.
  const active = rule ? allActive([rule]) : allActive([rules[0]!]);
  describe.skipIf(skip)(`rules/${meta.id}.md${skip ? ` (skipped: ${schemaMissing})` : ''}`, () => {
    for (const failing of page.failing) {
      const failingDoc = buildDomain(page.context, failing.text);
      it(`the Failing example (line ${failing.line}) gets a ${meta.id} finding`, async () => {
        const s = await settingOf(failing.markers, needsSchema);
        const r = lint(failingDoc, active, s);
        expect(r.skipped, r.skipped).toBeUndefined();
        expect(r.messages.filter((m) => m.ruleId === meta.id).length, `no ${meta.id} finding in\n${failingDoc}\n${JSON.stringify(r.messages)}`).toBeGreaterThan(0);
        if (meta.id !== 'xml-well-formed') expect(r.messages.filter((m) => m.ruleId === 'xml-well-formed')).toEqual([]);
      });
      for (const fixed of page.fixed) {
        const fixedDoc = fixed.markers.standalone || isWholeDomain(fixed.text) ? buildDomain(page.context, fixed.text) : buildDomain(page.context, failing.text, fixed.text);
        const what = fixed.passing ? 'Passing' : 'Fixed';
        it(`the ${what} example (line ${fixed.line}) gets no ${meta.id} finding`, async () => {
          const s = await settingOf({ ...failing.markers, ...fixed.markers }, needsSchema);
          const r = lint(fixedDoc, active, s);
          expect(r.skipped, r.skipped).toBeUndefined();
          expect(r.messages.filter((m) => m.ruleId === meta.id || m.ruleId === 'xml-well-formed'), fixedDoc).toEqual([]);
          // A fixed example libvirt still refuses (another rule's error at parse, schema or define) is no fix.
          // With libvirt's schema where it is installed: virsh define --validate accepts it too.
          const withSchema = schemaMissing === null ? { ...s, schema: await testSchema() } : s;
          const refused = lint(fixedDoc, ALL, withSchema).messages.filter((m) => m.severity === 2 && REFUSED_AT.includes(m.stage ?? ''));
          expect(refused.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`), fixedDoc).toEqual([]);
        });
        if (meta.fixable && !fixed.passing && !fixed.markers.alternative) {
          it(`kvmxml fix turns the Failing example (line ${failing.line}) into the Fixed one (line ${fixed.line})`, async () => {
            const s = await settingOf({ ...failing.markers, ...fixed.markers }, needsSchema);
            const r = lint(failingDoc, active, s, true);
            expect(r.fixProblems ?? []).toEqual([]);
            expect(r.output ?? failingDoc).toBe(fixedDoc);
          });
        }
      }
    }
  });
}
