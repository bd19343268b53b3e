/**
 * One generic test for every rule: each fixture carries its expectations in comments, so adding
 * a rule means adding files (fixtures/rules/README.md). Checks findings to the column and end,
 * options given in the fixture, suggestions (byte-exact against `.suggestion.xml` twins), fixes
 * (byte-exact against the `.fixed.xml` twin), idempotence, and that files with nothing to fix are
 * left untouched.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { engineRules, rules } from '../rules/index.js';
import type { LintMessage } from '../src/engine/types.js';
import { allActive, expectationsOf, fixtureHost, fixtureOptions, lintFile, lintString, ROOT, ruleById, ruleFixtureDirs, withOptions, type Expectation } from './helpers/fixtures.js';
import { schemaMissing, testSchema } from './helpers/schema.js';

const dirs = ruleFixtureDirs();

/** `x.fail.xml`'s suggestion twins: `x.fail.suggestion.xml` for the first asserted suggestion, `x.fail.suggestion-2.xml` for the second, … */
function suggestionTwin(file: string, n: number): string {
  return file.replace(/\.xml$/, n === 1 ? '.suggestion.xml' : `.suggestion-${n}.xml`);
}

/** ESLint's suggestion shape: one replacement, its offsets in the text without a byte order mark. */
function applySuggestion(text: string, fix: { range: [number, number]; text: string }): string {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  return bom + body.slice(0, fix.range[0]) + fix.text + body.slice(fix.range[1]);
}

function where(m: Pick<LintMessage, 'line' | 'column' | 'endLine' | 'endColumn'>): string {
  return m.endLine === undefined ? `${m.line}:${m.column}` : `${m.line}:${m.column}-${m.endLine}:${m.endColumn}`;
}

function expectedWhere(e: Expectation): string {
  return e.endLine === null ? `${e.line}:${e.column}` : `${e.line}:${e.column}-${e.endLine}:${e.endColumn}`;
}

/** The fixture's options for its rules, checked against each rule's options schema. */
function optionsOf(text: string): ReturnType<typeof fixtureOptions> {
  const options = fixtureOptions(text);
  for (const [id, value] of options) {
    const rule = ruleById(id);
    expect(rule, `kvmxml-options: no rule ${id}`).toBeDefined();
    expect(rule!.meta.schema, `kvmxml-options: rule ${id} takes no options`).toBeDefined();
    const validate = new Ajv({ strict: false }).compile(rule!.meta.schema!);
    expect(validate(value), `kvmxml-options: ${id} ${JSON.stringify(value)}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }
  return options;
}

/** Rules whose source offers suggestions: each needs at least one asserted in its fixtures. */
function offersSuggestions(id: string): boolean {
  const src = join(ROOT, 'rules', `${id}.ts`);
  if (!existsSync(src)) return false;
  const code = readFileSync(src, 'utf8');
  return /\bsuggestions\b/.test(code) && /\bdesc:/.test(code);
}

describe('fixture comments', () => {
  it('read the column and end, a multi-line end, a point, and the suggestions after an expect comment', () => {
    const text = [
      "<a b='1'/> <!-- expect r-one@4-9: b is wrong --> <!-- expect-suggestion r-one: Remove b --> <!-- expect-suggestion r-one: Rename b -->",
      '<c> <!-- expect r-two@1-3:5: c spans lines --> <!-- expect r-two@2: a point -->',
    ].join('\n');
    expect(expectationsOf(text)).toEqual([
      { line: 1, ruleId: 'r-one', text: 'b is wrong', column: 4, endLine: 1, endColumn: 9, suggestions: ['Remove b', 'Rename b'] },
      { line: 2, ruleId: 'r-two', text: 'c spans lines', column: 1, endLine: 3, endColumn: 5, suggestions: [] },
      { line: 2, ruleId: 'r-two', text: 'a point', column: 2, endLine: null, endColumn: null, suggestions: [] },
    ]);
  });
  it('refuse an expect comment they cannot read, and a suggestion without its finding', () => {
    expect(() => expectationsOf('<a/> <!-- expect r-one@x: text -->')).toThrow(/does not read as/);
    expect(() => expectationsOf('<a/> <!-- expect r-one missing colon -->')).toThrow(/does not read as/);
    expect(() => expectationsOf('<a/> <!-- expect-suggestion r-one: Remove -->')).toThrow(/without an expect r-one/);
    expect(() => expectationsOf('<a/> <!-- expect r-one@1-5: x --> <!-- expect-suggestion r-one@1-5: Remove -->')).toThrow(/takes no position/);
  });
  it('read options per rule and refuse what is not JSON', () => {
    expect([...fixtureOptions('<!-- kvmxml-options: memtune-order {"units": true} -->\n<domain/>')]).toEqual([['memtune-order', { units: true }]]);
    expect(() => fixtureOptions('<!-- kvmxml-options: memtune-order {units: true} -->')).toThrow(/not JSON/);
    expect(() => fixtureOptions('<!-- kvmxml-options: memtune-order -->')).toThrow(/does not read as/);
    expect(() => withOptions(allActive([ruleById('memtune-order')!]), fixtureOptions('<!-- kvmxml-options: hugepage-page-size {"sizesKiB": [2048]} -->'))).toThrow(/not run on this fixture/);
  });
});

describe('every rule has fixtures and docs', () => {
  for (const meta of [...engineRules, ...rules.map((r) => r.meta)]) {
    it(meta.id, () => {
      const f = dirs.find((d) => d.ruleId === meta.id);
      expect(f, `fixtures/rules/${meta.id}/ missing`).toBeDefined();
      expect(f!.failing.length, 'a failing fixture').toBeGreaterThan(0);
      expect(f!.passing.length, 'a passing fixture').toBeGreaterThan(0);
      if (meta.fixable) expect(f!.failing.some((p) => existsSync(p.replace(/\.xml$/, '.fixed.xml'))), 'a fixed fixture').toBe(true);
      expect(existsSync(`${import.meta.dirname}/../rules/${meta.id}.md`), 'doc page').toBe(true);
      const texts = [...f!.failing, ...f!.passing].map((p) => readFileSync(p, 'utf8'));
      if (meta.schema) {
        // Some fixture runs the rule with options other than its defaults.
        const given = texts.flatMap((t) => [...fixtureOptions(t)].filter(([id]) => id === meta.id).map(([, o]) => o));
        const defaults = meta.defaultOptions ?? {};
        expect(given.some((o) => Object.entries(o).some(([k, v]) => JSON.stringify(v) !== JSON.stringify(defaults[k]))), 'a fixture with <!-- kvmxml-options: … --> giving a non-default option').toBe(true);
      }
      if (offersSuggestions(meta.id)) {
        const asserted = f!.failing.flatMap((p) => expectationsOf(readFileSync(p, 'utf8')).filter((e) => e.ruleId === meta.id && e.suggestions.length > 0));
        expect(asserted.length, 'a failing fixture asserting a suggestion (<!-- expect-suggestion … -->)').toBeGreaterThan(0);
      }
      // Every suggestion twin belongs to an asserted suggestion.
      const twins = readdirSync(f!.dir).filter((n) => /\.suggestion(-\d+)?\.xml$/.test(n));
      const claimed = f!.failing.flatMap((p) => {
        const count = expectationsOf(readFileSync(p, 'utf8')).reduce((n, e) => n + e.suggestions.length, 0);
        return Array.from({ length: count }, (_, i) => basename(suggestionTwin(p, i + 1)));
      });
      expect(twins.sort()).toEqual(claimed.sort());
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
    const base = rule ? allActive([rule]) : allActive();
    const schemaOf = async () => (needsSchema ? testSchema() : null);
    for (const file of fx.failing) {
      it(`${basename(file)} reports what its comments expect, to the column and end`, async () => {
        const text = readFileSync(file, 'utf8');
        const only = withOptions(base, optionsOf(text));
        const all = expectationsOf(text);
        const expected = all.filter((e) => e.ruleId === fx.ruleId);
        expect(expected.length, 'fixture has expect comments').toBeGreaterThan(0);
        expect(all.filter((e) => e.ruleId !== fx.ruleId).map((e) => `line ${e.line}: ${e.ruleId}`), `expect comments name ${fx.ruleId}`).toEqual([]);
        const found = lintFile(file, only, false, await fixtureHost(text, file), await schemaOf()).messages.filter((m) => m.ruleId === fx.ruleId);
        expect(found.map(where).sort(), 'the findings, where they start and end').toEqual(expected.map(expectedWhere).sort());
        const unused = new Set(found);
        let twin = 0;
        for (const e of expected) {
          expect(e.column, `line ${e.line}: the expect comment gives the column and end (<!-- expect ${e.ruleId}@COL-END: … -->)`).not.toBeNull();
          const m = [...unused].find((f) => where(f) === expectedWhere(e) && f.message.includes(e.text));
          expect(m, `${expectedWhere(e)}: a ${fx.ruleId} message containing "${e.text}"; got ${JSON.stringify(found.filter((f) => where(f) === expectedWhere(e)).map((f) => f.message))}`).toBeDefined();
          unused.delete(m!);
          expect(m!.stage).toBeTypeOf('string');
          // Only a fatal finding (one libvirt cannot parse past) is a point without an end, as in ESLint.
          if (e.endLine === null) expect(m!.fatal, `${expectedWhere(e)}: only a fatal finding may be written without an end`).toBe(true);
          // Every suggestion a finding offers is stated, in order, and applied to its twin.
          expect(m!.suggestions?.map((x) => x.desc) ?? [], `${expectedWhere(e)}: the suggestions (<!-- expect-suggestion ${e.ruleId}: … --> after the expect comment)`).toEqual(e.suggestions);
          for (const desc of e.suggestions) {
            twin++;
            const s = m!.suggestions!.find((x) => x.desc === desc);
            const twinPath = suggestionTwin(file, twin);
            expect(existsSync(twinPath), `${basename(twinPath)} exists`).toBe(true);
            expect(applySuggestion(text, s!.fix), `applying "${desc}" gives ${basename(twinPath)}`).toBe(readFileSync(twinPath, 'utf8'));
          }
        }
      });
      const fixedPath = file.replace(/\.xml$/, '.fixed.xml');
      if (existsSync(fixedPath)) {
        it(`${basename(file)} is fixed byte-exactly into ${basename(fixedPath)}, and fixing again changes nothing`, async () => {
          const text = readFileSync(file, 'utf8');
          const host = await fixtureHost(text, file);
          const only = withOptions(base, optionsOf(text));
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
        const text = readFileSync(file, 'utf8');
        const host = await fixtureHost(text, file);
        const options = optionsOf(text);
        expect(expectationsOf(text), 'a passing fixture has no expect comments').toEqual([]);
        // With every rule on: a rule may leave a finding to another (libvirt-schema does).
        const r = lintFile(file, withOptions(needsSchema ? allActive() : base, options), false, host, await schemaOf());
        expect(r.messages.filter((m) => m.ruleId === fx.ruleId)).toEqual([]);
        expect(lintFile(file, withOptions(allActive(), options), true, host).output).toBeUndefined();
      });
    }
  });
}

describe('fixing with every rule on', () => {
  const files = dirs.flatMap((d) => [...d.failing, ...d.passing]);
  for (const file of files) {
    it(`${basename(file)}: the result is well-formed and fixing it again changes nothing`, () => {
      const active = withOptions(allActive(), fixtureOptions(readFileSync(file, 'utf8')));
      const once = lintFile(file, active, true);
      if (once.output === undefined) return;
      const twice = lintString(once.output, active, true);
      expect(twice.messages.filter((m) => m.ruleId === 'xml-well-formed')).toEqual([]);
      expect(twice.output).toBeUndefined();
    });
  }
});
