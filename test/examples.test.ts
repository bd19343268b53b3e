/**
 * fixtures/examples/: realistic domain definitions in the styles of virt-install (virsh dumpxml),
 * OpenStack Nova and hand-edited files. The README's first command lints them.
 *
 * - Every valid example (all but bad-*.xml) gives no unknown-element or unknown-attribute
 *   finding and no error-level finding at all. Each of them was defined with real libvirt 9.0
 *   (`virsh define --validate`), see fixtures/examples/README.md.
 * - Each bad-*.xml gives exactly the findings listed below, and `kvmxml fix` leaves it without
 *   errors from the rules it fixes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allActive, lintFile, lintString, ROOT } from './helpers/fixtures.js';

const DIR = join(ROOT, 'fixtures', 'examples');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.xml'))
  .sort();
const valid = files.filter((f) => !f.startsWith('bad-'));
const bad = files.filter((f) => f.startsWith('bad-'));

const STRUCTURE = ['unknown-memory-element', 'unknown-memory-attribute'];

/** ruleId, line and a piece of the message of every finding a bad example must give. */
const EXPECTED: Record<string, { ruleId: string; line: number; text: string }[]> = {
  'bad-misspelt-memory-settings.xml': [
    { ruleId: 'unknown-memory-attribute', line: 6, text: 'the number is read in KiB (8 KiB, not 8 GiB); did you mean unit=?' },
    { ruleId: 'unknown-memory-element', line: 7, text: 'did you mean <memoryBacking>?' },
    { ruleId: 'unknown-memory-element', line: 10, text: '<locked> belongs in <memoryBacking>, not directly in <domain>' },
    { ruleId: 'unknown-memory-element', line: 12, text: 'did you mean <hard_limit>?' },
  ],
  'bad-duplicate-settings.xml': [
    { ruleId: 'duplicate-memory-element', line: 11, text: '(libvirt: two master hugepages detected: 2048 and 2048)' },
    { ruleId: 'duplicate-memory-element', line: 15, text: 'so <hard_limit> here is ignored' },
  ],
  'bad-tutorial-stray-pages.xml': [
    { ruleId: 'hugepage-stray-page', line: 7, text: "nodeset='0-3,5'" },
    { ruleId: 'hugepage-stray-page', line: 7, text: "nodeset='4'" },
  ],
};

describe('fixtures/examples', () => {
  it('has 20 or more examples, valid and intentionally broken ones', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    expect(valid.length).toBeGreaterThanOrEqual(20);
    expect(Object.keys(EXPECTED).sort()).toEqual(bad);
  });

  for (const f of valid) {
    it(`${f}: no unknown elements or attributes, no errors`, () => {
      const r = lintFile(join(DIR, f), allActive());
      expect(r.messages.filter((m) => m.ruleId !== null && STRUCTURE.includes(m.ruleId))).toEqual([]);
      expect(r.messages.filter((m) => m.severity === 2)).toEqual([]);
    });
  }

  for (const f of bad) {
    it(`${f}: gives the findings it was written for`, () => {
      const r = lintFile(join(DIR, f), allActive());
      const errors = r.messages.filter((m) => m.severity === 2);
      const want = EXPECTED[f] ?? [];
      expect(errors.map((m) => `${m.line} ${m.ruleId}`).sort()).toEqual(want.map((w) => `${w.line} ${w.ruleId}`).sort());
      for (const w of want) {
        expect(errors.some((m) => m.ruleId === w.ruleId && m.line === w.line && m.message.includes(w.text)), `${w.ruleId} line ${w.line}: ${w.text}`).toBe(true);
      }
    });

    it(`${f}: fix repairs it, and fixing again changes nothing`, () => {
      const fixed = lintFile(join(DIR, f), allActive(), true);
      expect(fixed.output).toBeDefined();
      const fixedRules = new Set((EXPECTED[f] ?? []).map((w) => w.ruleId));
      const again = lintString(fixed.output as string, allActive(), true);
      expect(again.output).toBeUndefined();
      // What is left is what has no single repair (and says so).
      for (const m of again.messages.filter((m) => m.severity === 2 && m.ruleId !== null && fixedRules.has(m.ruleId))) expect(m.fix).toBeUndefined();
    });
  }

  it('examples keep their formatting: fixing a valid example changes nothing', () => {
    for (const f of valid) expect(lintFile(join(DIR, f), allActive(), true).output, f).toBeUndefined();
  });

  it('the CRLF example really is CRLF', () => {
    expect(readFileSync(join(DIR, 'hand-lab-small-crlf.xml'), 'utf8')).toContain('\r\n');
  });
});
