/**
 * Large runs spread files over worker threads (src/runner/pool.ts). Forced on with
 * KVMXML_WORKERS=N, every report, exit code and stderr line is the one a single thread gives:
 * same order, same counts, same fixes, same errors.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { BIN, runCli, type CliRun } from './helpers/run-cli.js';

const CONFORMANCE = join(ROOT, 'fixtures', 'conformance');

/** Every conformance domain, and a few rule fixtures (fixable ones among them), in one directory with a plugin. */
function corpus(): string {
  const d = mkdtempSync(join(tmpdir(), 'kvmxml-workers-'));
  for (const c of readdirSync(CONFORMANCE).sort()) copyFileSync(join(CONFORMANCE, c, 'domain.xml'), join(d, `${c}.xml`));
  for (const rule of ['memtune-order', 'xml-well-formed', 'size-si-unit']) {
    const dir = join(ROOT, 'fixtures', 'rules', rule);
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.xml') && !f.includes('.fixed.'))) copyFileSync(join(dir, f), join(d, `${rule}-${f}`));
  }
  // A plugin rule (loaded by each worker from the config) that reports through XPath and throws on one file.
  writeFileSync(
    join(d, 'plugin.mjs'),
    `export const rules = [{ meta: { id: 'name-xpath', description: 'names', severity: 'warn', stage: 'style', fixable: false },
  check(ctx) {
    if (ctx.filePath.endsWith('mem-align-overflow-cell.xml')) throw new Error('not this one');
    for (const el of ctx.select('/domain/name')) ctx.report({ node: el, message: 'name ' + el.children.length });
  } }];\n`,
  );
  writeFileSync(join(d, 'kvmxml.config.json'), JSON.stringify({ plugins: ['./plugin.mjs'] }));
  return d;
}

const same = (a: CliRun, b: CliRun) => {
  expect(b.code).toBe(a.code);
  expect(b.stderr).toBe(a.stderr);
  expect(b.stdout).toBe(a.stdout);
};

describe('worker threads give the results one thread gives', () => {
  it('lint: every format, in order, the failing file named', () => {
    const d = corpus();
    const files = readdirSync(d).filter((f) => f.endsWith('.xml'));
    expect(files.length).toBeGreaterThan(200);
    for (const format of ['json', 'stylish']) {
      const one = runCli(['lint', '-f', format, '.'], { cwd: d, env: { KVMXML_WORKERS: 'off' } });
      const two = runCli(['lint', '-f', format, '.'], { cwd: d, env: { KVMXML_WORKERS: '2' } });
      same(one, two);
      expect(one.code).toBe(2);
      expect(one.stderr).toBe("kvmxml: mem-align-overflow-cell.xml: rule 'name-xpath' threw: not this one (--debug shows where)\n");
    }
    const json = JSON.parse(runCli(['lint', '-f', 'json', '.'], { cwd: d, env: { KVMXML_WORKERS: '3' } }).stdout) as { filePath: string; messages: { ruleId: string }[] }[];
    expect(json.map((r) => r.filePath)).toEqual(files.sort().filter((f) => f !== 'mem-align-overflow-cell.xml').map((f) => join(d, f)));
    // The plugin ran in every worker, XPath and all.
    expect(json.filter((r) => r.messages.some((m) => m.ruleId === 'name-xpath')).length).toBeGreaterThan(200);
  });

  it('fix: the same diff, and the same files written', () => {
    const a = corpus();
    const b = corpus();
    const dryOne = runCli(['fix', '--dry-run', '.'], { cwd: a, env: { KVMXML_WORKERS: 'off' } });
    const dryTwo = runCli(['fix', '--dry-run', '.'], { cwd: a, env: { KVMXML_WORKERS: '2' } });
    same(dryOne, dryTwo);
    expect(dryOne.stdout).toContain('+++ b/memtune-order-reverse.fail.xml');
    const one = runCli(['fix', '-f', 'json', '.'], { cwd: a, env: { KVMXML_WORKERS: 'off' } });
    const two = runCli(['fix', '-f', 'json', '.'], { cwd: b, env: { KVMXML_WORKERS: '2' } });
    expect(two.code).toBe(one.code);
    expect(two.stderr).toBe(one.stderr);
    expect(two.stdout.replaceAll(b, a)).toBe(one.stdout);
    for (const f of readdirSync(a)) expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
    expect(readFileSync(join(a, 'memtune-order-reverse.fail.xml'), 'utf8')).toBe(readFileSync(join(ROOT, 'fixtures', 'rules', 'memtune-order', 'reverse.fail.fixed.xml'), 'utf8'));
  });

  it('a bad config or an unreadable file stops the run with its one line, as in one thread', () => {
    const d = corpus();
    mkdirSync(join(d, 'sub'));
    copyFileSync(join(d, 'memtune-order-reverse.fail.xml'), join(d, 'sub', 'vm.xml'));
    writeFileSync(join(d, 'sub', 'kvmxml.config.json'), '{"rules": {"no-such-rule": "error"}}');
    same(runCli(['lint', '.'], { cwd: d, env: { KVMXML_WORKERS: 'off' } }), runCli(['lint', '.'], { cwd: d, env: { KVMXML_WORKERS: '2' } }));
    expect(runCli(['lint', '.'], { cwd: d, env: { KVMXML_WORKERS: '2' } }).stderr).toMatch(/\nkvmxml: .*sub\/kvmxml\.config\.json: unknown rule 'no-such-rule'\n$/);
    const e = corpus();
    chmodSync(join(e, 'memtune-order-reverse.fail.xml'), 0);
    const one = runCli(['lint', '.'], { cwd: e, env: { KVMXML_WORKERS: 'off' } });
    // root reads any file: then both runs succeed alike.
    same(one, runCli(['lint', '.'], { cwd: e, env: { KVMXML_WORKERS: '2' } }));
  });

  // `script` (util-linux) runs the command on a pseudo-terminal and copies what it writes.
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('on a terminal: the progress line and the summary, as in one thread', () => {
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-workers-tty-'));
    const bad = readFileSync(join(ROOT, 'fixtures', 'rules', 'memtune-order', 'reverse.fail.xml'));
    const good = readFileSync(join(ROOT, 'fixtures', 'rules', 'memtune-order', 'canonical.pass.xml'));
    for (let i = 0; i < 300; i++) writeFileSync(join(d, `vm${String(i).padStart(4, '0')}.xml`), i % 3 === 0 ? bad : good);
    const onTty = (workers: string) =>
      spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} lint --no-config .`, '/dev/null'], {
        cwd: d,
        input: '',
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', COLUMNS: '100', KVMXML_WORKERS: workers },
      });
    const one = onTty('off');
    const two = onTty('2');
    for (const r of [one, two]) {
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/\rkvmxml: \d+\/300 files \(\d+%\), 0 errors, \d+ warnings?, [\d.]+s/);
      expect(r.stdout).toContain('✖ 100 problems (0 errors, 100 warnings) in 100 of 300 files checked');
    }
    // The report after the progress line is the same.
    const report = (out: string) => out.slice(out.indexOf('vm0000.xml\r\n'));
    expect(report(two.stdout)).toBe(report(one.stdout));
  });

  it('KVMXML_WORKERS takes a number, off or auto', () => {
    const r = runCli(['lint', join(ROOT, 'fixtures', 'rules', 'memtune-order', 'reverse.fail.xml')], { env: { KVMXML_WORKERS: 'many' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kvmxml: KVMXML_WORKERS must be a number of worker threads, off or auto (got 'many')\n");
  });
});
