/**
 * The engine's contracts with rules, as a plugin author meets them: real plugin files loaded
 * through the config, kvmxml run as a process. A rule that throws, returns overlapping edits in
 * one fix or fixes without `meta.fixable` stops that file with exit 2 and one line naming the
 * rule and the file; fixes that would break the document, or never settle, are said, not dropped
 * in silence.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { runCli } from './helpers/run-cli.js';

const FIX = join(ROOT, 'fixtures', 'rules');
const CLEAN = join(FIX, 'memtune-order/canonical.pass.xml');
const REVERSE = join(FIX, 'memtune-order/reverse.fail.xml');
const REVERSE_FIXED = join(FIX, 'memtune-order/reverse.fail.fixed.xml');

/** A directory with plugin.mjs (the given rule objects' source) loaded by its config, and vm.xml. */
function project(rulesSource: string, vm = CLEAN, rules: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'kvmxml-contract-'));
  writeFileSync(join(d, 'plugin.mjs'), `export const rules = [${rulesSource}];\n`);
  writeFileSync(join(d, 'kvmxml.config.json'), JSON.stringify({ plugins: ['./plugin.mjs'], rules }));
  copyFileSync(vm, join(d, 'vm.xml'));
  return d;
}

const meta = (id: string, fixable: boolean) => `meta: { id: '${id}', description: '${id}', severity: 'warn', stage: 'style', fixable: ${fixable} }`;
/** The `<name>` element's text range, in the plugin's source. */
const NAME = "const n = ctx.doc.root.children.find((c) => c.kind === 'element' && c.name === 'name'); const r = n.content;";

describe('a rule that breaks the contract stops its file with exit 2 and one line naming it', () => {
  it('a rule that throws', () => {
    const d = project(`{ ${meta('boom', false)}, check() { throw new Error('kaboom'); } }`);
    for (const cmd of ['lint', 'fix']) {
      const r = runCli([cmd, 'vm.xml'], { cwd: d, env: { KVMXML_DEBUG: '' } });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe("kvmxml: vm.xml: rule 'boom' threw: kaboom (--debug shows where)\n");
    }
    const debug = runCli(['lint', '--debug', 'vm.xml'], { cwd: d });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^kvmxml: vm\.xml: rule 'boom' threw: kaboom\nError: kaboom\n\s+at /);
  });

  it('a fix whose edits overlap', () => {
    const check = `check(ctx) { ${NAME} ctx.report({ node: n, message: 'two edits', fix: () => [{ range: { start: r.start, end: r.end }, text: 'a' }, { range: { start: r.start + 1, end: r.end }, text: 'b' }] }); }`;
    const d = project(`{ ${meta('overlap', true)}, ${check} }`);
    const text = readFileSync(join(d, 'vm.xml'), 'utf8');
    const start = text.indexOf('<name>') + '<name>'.length;
    const end = text.indexOf('</name>');
    for (const cmd of ['lint', 'fix']) {
      const r = runCli([cmd, 'vm.xml'], { cwd: d });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`kvmxml: vm.xml: rule 'overlap' returned overlapping edits in one fix (offsets ${start}-${end} and ${start + 1}-${end}): a fix's edits must not overlap\n`);
    }
    expect(readFileSync(join(d, 'vm.xml'), 'utf8')).toBe(text);
  });

  it('overlapping edits in a suggestion', () => {
    const check = `check(ctx) { ${NAME} ctx.report({ node: n, message: 'two edits', suggestions: [{ desc: 'both', fix: () => [{ range: { start: r.start, end: r.end }, text: 'a' }, { range: { start: r.start, end: r.end }, text: 'b' }] }] }); }`;
    const r = runCli(['lint', 'vm.xml'], { cwd: project(`{ ${meta('overlap-suggestion', false)}, ${check} }`) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kvmxml: vm\.xml: rule 'overlap-suggestion' returned overlapping edits in one suggestion \(offsets \d+-\d+ and \d+-\d+\): a fix's edits must not overlap\n$/);
  });

  it('a fix from a rule whose meta does not say fixable', () => {
    const check = `check(ctx) { ${NAME} ctx.report({ node: n, message: 'rename', fix: (f) => f.replaceText(n, 'other') }); }`;
    const d = project(`{ ${meta('sneaky-fix', false)}, ${check} }`);
    for (const cmd of ['lint', 'fix']) {
      const r = runCli([cmd, 'vm.xml'], { cwd: d });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe("kvmxml: vm.xml: rule 'sneaky-fix' reported a fix, but its meta does not say fixable: true\n");
    }
    expect(readFileSync(join(d, 'vm.xml'), 'utf8')).toBe(readFileSync(CLEAN, 'utf8'));
  });

  it('in check too', () => {
    const d = project(`{ ${meta('boom', false)}, check() { throw new Error('kaboom'); } }`);
    const r = runCli(['check', '--host', join(ROOT, 'fixtures', 'hosts', 'one-node-2m', 'expected.json'), 'vm.xml'], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kvmxml: vm.xml: rule 'boom' threw: kaboom (--debug shows where)\n");
  });

  it('the other files are still reported, in order', () => {
    const d = project(`{ ${meta('picky', false)}, check(ctx) { if (ctx.filePath.endsWith('a.xml')) throw new TypeError('no a'); } }`);
    copyFileSync(REVERSE, join(d, 'a.xml'));
    copyFileSync(REVERSE, join(d, 'b.xml'));
    const r = runCli(['lint', '-f', 'json', 'a.xml', 'b.xml', 'vm.xml'], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kvmxml: a.xml: rule 'picky' threw: no a (--debug shows where)\n");
    expect((JSON.parse(r.stdout) as { filePath: string }[]).map((x) => x.filePath)).toEqual([join(d, 'b.xml'), join(d, 'vm.xml')]);
  });
});

describe('fixes that fixing cannot apply are said', () => {
  it('a fix that would break the document is dropped, named, and the other fixes are applied', () => {
    // Replaces the name's text with markup that is not well-formed.
    const check = `check(ctx) { ${NAME} if (n.content.end > n.content.start) ctx.report({ node: n, message: 'break it', fix: () => ({ range: n.content, text: '<oops' }) }); }`;
    const d = project(`{ ${meta('breaker', true)}, ${check} }`, REVERSE);
    const r = runCli(['fix', 'vm.xml'], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kvmxml: vm\.xml: the fix of rule 'breaker' was not applied: it would leave the document not well-formed \(line 2, column \d+: [^\n]+\)\n$/);
    // memtune-order's fix went in; the name is as it was.
    expect(readFileSync(join(d, 'vm.xml'), 'utf8')).toBe(readFileSync(REVERSE_FIXED, 'utf8'));
    // The finding it could not fix is still reported.
    expect(r.stdout).toContain('break it');
  });

  it('fixes that undo each other are detected; the file is left as it was', () => {
    const flip = (id: string, from: string, to: string) =>
      `{ ${meta(id, true)}, check(ctx) { ${NAME} if (ctx.doc.text.slice(r.start, r.end) === '${from}') ctx.report({ node: n, message: '${from} to ${to}', fix: (f) => f.replaceText(n, '${to}') }); } }`;
    const d = project(`${flip('to-b', 'memtune-canonical', 'b')}, ${flip('to-a', 'b', 'memtune-canonical')}`);
    const r = runCli(['fix', '-f', 'json', 'vm.xml'], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kvmxml: vm.xml: circular fixes: the fixes of rules 'to-a', 'to-b' undo each other, so fixing never settles; the file was left as it was\n");
    expect(readFileSync(join(d, 'vm.xml'), 'utf8')).toBe(readFileSync(CLEAN, 'utf8'));
  });

  it('fixes that never settle stop after the pass limit; the file is left as it was', () => {
    const grow = `{ ${meta('grow', true)}, check(ctx) { ${NAME} ctx.report({ node: n, message: 'longer', fix: (f) => f.replaceText(n, ctx.doc.text.slice(r.start, r.end) + 'x') }); } }`;
    const d = project(grow);
    const r = runCli(['fix', 'vm.xml'], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kvmxml: vm.xml: fixes did not settle within 10 passes (rules 'grow' still fix what they fixed); the file was left as it was\n");
    expect(readFileSync(join(d, 'vm.xml'), 'utf8')).toBe(readFileSync(CLEAN, 'utf8'));
  });
});
