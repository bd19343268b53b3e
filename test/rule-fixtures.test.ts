/**
 * One generic test for every rule: each fixture carries its expectations in comments, so adding
 * a rule means adding files. Checks findings and positions, fixes (byte-exact against the
 * `.fixed.xml` twin), idempotence, and that files with nothing to fix are left untouched.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineRules, rules } from '../rules/index.js';
import { allActive, expectationsOf, fixtureHost, lintFile, lintString, ruleById, ruleFixtureDirs } from './helpers/fixtures.js';
import { schemaMissing, testSchema } from './helpers/schema.js';

const dirs = ruleFixtureDirs();

describe('every rule has fixtures and docs', () => {
  for (const meta of [...engineRules, ...rules.map((r) => r.meta)]) {
    it(meta.id, () => {
      const f = dirs.find((d) => d.ruleId === meta.id);
      expect(f, `fixtures/rules/${meta.id}/ missing`).toBeDefined();
      expect(f!.failing.length, 'a failing fixture').toBeGreaterThan(0);
      expect(f!.passing.length, 'a passing fixture').toBeGreaterThan(0);
      if (meta.fixable) expect(f!.failing.some((p) => existsSync(p.replace(/\.xml$/, '.fixed.xml'))), 'a fixed fixture').toBe(true);
      expect(existsSync(`${import.meta.dirname}/../rules/${meta.id}.md`), 'doc page').toBe(true);
    });
  }
});

for (const fx of dirs) {
  const rule = ruleById(fx.ruleId);
  // Rules that need libvirt's schema run where it is installed; elsewhere they are skipped, saying why.
  const needsSchema = Boolean(rule?.meta.needsSchema);
  const skip = needsSchema && schemaMissing !== null;
  describe.skipIf(skip)(`fixtures/rules/${fx.ruleId}${skip ? ` (skipped: ${schemaMissing})` : ''}`, () => {
    // Engine-reported rules (xml-well-formed) run with every rule on.
    const only = rule ? allActive([rule]) : allActive();
    const schemaOf = async () => (needsSchema ? testSchema() : null);
    for (const file of fx.failing) {
      it(`${basename(file)} reports what its comments expect`, async () => {
        const text = readFileSync(file, 'utf8');
        const expected = expectationsOf(text).filter((e) => e.ruleId === fx.ruleId);
        expect(expected.length, 'fixture has expect comments').toBeGreaterThan(0);
        const found = lintFile(file, only, false, await fixtureHost(text, file), await schemaOf()).messages.filter((m) => m.ruleId === fx.ruleId);
        expect(found.map((m) => m.line).sort((a, b) => a - b)).toEqual(expected.map((e) => e.line).sort((a, b) => a - b));
        for (const e of expected) {
          const m = found.find((f) => f.line === e.line && f.message.includes(e.text));
          expect(m, `line ${e.line}: a ${fx.ruleId} message containing "${e.text}"; got ${JSON.stringify(found.filter((f) => f.line === e.line).map((f) => f.message))}`).toBeDefined();
          expect(m!.stage).toBeTypeOf('string');
        }
      });
      const fixedPath = file.replace(/\.xml$/, '.fixed.xml');
      if (existsSync(fixedPath)) {
        it(`${basename(file)} is fixed byte-exactly into ${basename(fixedPath)}, and fixing again changes nothing`, async () => {
          const host = await fixtureHost(readFileSync(file, 'utf8'), file);
          const fixed = lintFile(file, only, true, host);
          const want = readFileSync(fixedPath, 'utf8');
          expect(fixed.output).toBeDefined();
          expect(fixed.output).toBe(want);
          const again = lintString(want, only, true, host);
          expect(again.output).toBeUndefined();
          expect(again.messages.filter((m) => m.ruleId === fx.ruleId && m.fix)).toEqual([]);
        });
      }
    }
    for (const file of fx.passing) {
      it(`${basename(file)} passes and fix leaves it byte-identical`, async () => {
        const host = await fixtureHost(readFileSync(file, 'utf8'), file);
        // With every rule on: a rule may leave a finding to another (libvirt-schema does).
        const r = lintFile(file, needsSchema ? allActive() : only, false, host, await schemaOf());
        expect(r.messages.filter((m) => m.ruleId === fx.ruleId)).toEqual([]);
        expect(lintFile(file, allActive(), true, host).output).toBeUndefined();
      });
    }
  });
}

describe('fixing with every rule on', () => {
  const files = dirs.flatMap((d) => [...d.failing, ...d.passing]);
  for (const file of files) {
    it(`${basename(file)}: the result is well-formed and fixing it again changes nothing`, () => {
      const once = lintFile(file, allActive(), true);
      if (once.output === undefined) return;
      const twice = lintString(once.output, allActive(), true);
      expect(twice.messages.filter((m) => m.ruleId === 'xml-well-formed')).toEqual([]);
      expect(twice.output).toBeUndefined();
    });
  }
});
