/**
 * Configuration from the user's side (overrides by glob, --rule, --no-config, `kvmxml init`)
 * and the rule documentation (`kvmxml explain`, doc pages shipped in the package, docs links).
 * Runs the built bin (npm test builds first).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Ajv as AjvClass } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { engineRules, rules } from '../rules/index.js';
import { ROOT } from './helpers/fixtures.js';

const BIN = join(ROOT, 'bin', 'kvmxml.js');
const FIX = join(ROOT, 'fixtures', 'rules');
const allMetas = () => [...engineRules, ...rules.map((r) => r.meta)];

function kvmxml(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, input: '', env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvmxml-cfg-'));
});

describe('overrides', () => {
  let proj: string;
  beforeAll(() => {
    proj = join(dir, 'overrides');
    for (const d of ['legacy/old', 'current', 'lab']) mkdirSync(join(proj, d), { recursive: true });
    for (const f of ['legacy/old/a.xml', 'current/b.xml', 'lab/scratch.xml', 'lab/keep.xml']) copyFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), join(proj, f));
    writeFileSync(
      join(proj, 'kvmxml.config.json'),
      JSON.stringify({
        rules: { 'memtune-order': 'error' },
        overrides: [
          { files: ['legacy/**/*.xml'], rules: { 'memtune-order': 'off' } },
          // A glob without a slash matches the file name anywhere.
          { files: ['scratch.xml'], rules: { 'memtune-order': 'warn' } },
        ],
      }),
    );
  });

  const severities = (args: string[]) => {
    const r = kvmxml(['lint', '--format', 'json', ...args], proj);
    const out = JSON.parse(r.stdout) as { filePath: string; messages: { ruleId: string; severity: number }[] }[];
    return {
      code: r.code,
      bySuffix: Object.fromEntries(out.map((f) => [f.filePath.slice(proj.length + 1), f.messages.filter((m) => m.ruleId === 'memtune-order').map((m) => m.severity)])),
    };
  };

  it('apply by glob relative to the config file, after its rules', () => {
    const { code, bySuffix } = severities(['.']);
    expect(bySuffix).toEqual({ 'current/b.xml': [2], 'lab/keep.xml': [2], 'lab/scratch.xml': [1], 'legacy/old/a.xml': [] });
    expect(code).toBe(1);
  });

  it('work the same whatever the working directory', () => {
    const r = kvmxml(['lint', '--format', 'json', join(proj, 'legacy/old/a.xml')], dir);
    expect(JSON.parse(r.stdout)[0].messages).toEqual([]);
  });

  it('--rule comes last, over the config and its overrides', () => {
    const { code, bySuffix } = severities(['--rule', 'memtune-order:warn', '.']);
    expect(bySuffix).toEqual({ 'current/b.xml': [1], 'lab/keep.xml': [1], 'lab/scratch.xml': [1], 'legacy/old/a.xml': [1] });
    expect(code).toBe(0);
  });

  it('--no-config ignores the file, overrides included', () => {
    const { bySuffix } = severities(['--no-config', '.']);
    expect(bySuffix).toEqual({ 'current/b.xml': [1], 'lab/keep.xml': [1], 'lab/scratch.xml': [1], 'legacy/old/a.xml': [1] });
  });

  it('an unknown rule inside an override is exit 2 naming the override', () => {
    const bad = join(dir, 'badoverride');
    mkdirSync(bad, { recursive: true });
    copyFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), join(bad, 'vm.xml'));
    writeFileSync(join(bad, 'kvmxml.config.json'), JSON.stringify({ overrides: [{ files: ['*.xml'], rules: { 'memtune-ordre': 'off' } }] }));
    const r = kvmxml(['lint', 'vm.xml'], bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('overrides[0]');
    expect(r.stderr).toContain("did you mean 'memtune-order'");
  });
});

describe('kvmxml init', () => {
  it('writes a starter config: $schema, every rule at its default severity; the config loads', () => {
    const d = join(dir, 'init');
    mkdirSync(d, { recursive: true });
    const r = kvmxml(['init'], d);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kvmxml.config.json');
    const cfg = JSON.parse(readFileSync(join(d, 'kvmxml.config.json'), 'utf8'));
    // No kvmxml under a node_modules here: the running package's own schema, relative to the file.
    expect(resolve(d, cfg.$schema)).toBe(join(ROOT, 'schemas', 'kvmxml.config.schema.json'));
    const expected = Object.fromEntries(rules.map((x) => [x.meta.id, x.meta.defaultOptions && x.meta.schema ? [x.meta.severity, x.meta.defaultOptions] : x.meta.severity]));
    expect(cfg.rules).toEqual(expected);
    // The file it wrote is a valid config, and changes nothing: same findings as without it.
    copyFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), join(d, 'vm.xml'));
    const withCfg = kvmxml(['lint', '--format', 'json', 'vm.xml'], d);
    const without = kvmxml(['lint', '--no-config', '--format', 'json', 'vm.xml'], d);
    expect(withCfg.code).toBe(without.code);
    expect(withCfg.stderr).toBe('');
    expect(JSON.parse(withCfg.stdout)[0].messages).toEqual(JSON.parse(without.stdout)[0].messages);
  });

  it('$schema names the project\'s installed kvmxml relative to where the config is written', () => {
    const proj = join(dir, 'init-project');
    mkdirSync(join(proj, 'node_modules', 'kvmxml', 'schemas'), { recursive: true });
    copyFileSync(join(ROOT, 'schemas', 'kvmxml.config.schema.json'), join(proj, 'node_modules', 'kvmxml', 'schemas', 'kvmxml.config.schema.json'));
    mkdirSync(join(proj, 'vms', 'prod'), { recursive: true });
    expect(kvmxml(['init'], proj).code).toBe(0);
    expect(kvmxml(['init'], join(proj, 'vms', 'prod')).code).toBe(0);
    expect(JSON.parse(readFileSync(join(proj, 'kvmxml.config.json'), 'utf8')).$schema).toBe('./node_modules/kvmxml/schemas/kvmxml.config.schema.json');
    expect(JSON.parse(readFileSync(join(proj, 'vms', 'prod', 'kvmxml.config.json'), 'utf8')).$schema).toBe('../../node_modules/kvmxml/schemas/kvmxml.config.schema.json');
  });

  it('refuses to overwrite an existing file: exit 2, file untouched', () => {
    const d = join(dir, 'init-existing');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'kvmxml.config.json'), '{ "rules": {} }\n');
    const r = kvmxml(['init'], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already exists');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(d, 'kvmxml.config.json'), 'utf8')).toBe('{ "rules": {} }\n');
  });

  it('the schema $schema points at validates what init wrote', async () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'kvmxml.config.schema.json'), 'utf8'));
    const { default: Ajv } = await import('ajv');
    const ajv = new (Ajv as unknown as new (o: object) => AjvClass)({ strict: false });
    const validate = ajv.compile(schema);
    const cfg = JSON.parse(readFileSync(join(dir, 'init', 'kvmxml.config.json'), 'utf8'));
    expect(validate(cfg)).toBe(true);
    expect(validate({ ...cfg, rules: { ...cfg.rules, 'memtune-order': 'loud' } })).toBe(false);
  });
});

describe('rule documentation', () => {
  it('every rule has its doc page at `docs`, starting with its id', () => {
    const missing: string[] = [];
    for (const m of allMetas()) {
      expect(m.docs, m.id).toBe(`rules/${m.id}.md`);
      const page = join(ROOT, m.docs as string);
      if (!existsSync(page)) missing.push(m.id);
      else expect(readFileSync(page, 'utf8').startsWith(`# ${m.id}\n`), m.id).toBe(true);
    }
    expect(missing).toEqual([]);
  });

  it('kvmxml explain RULE prints the page', () => {
    const r = kvmxml(['explain', 'memtune-order']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'rules', 'memtune-order.md'), 'utf8'));
    expect(kvmxml(['explain', 'xml-well-formed']).stdout).toContain('# xml-well-formed');
    // the example test's markers stay in the page, out of the terminal
    const marked = kvmxml(['explain', 'ept-unavailable']).stdout;
    expect(marked).toContain('## Failing');
    expect(marked).not.toContain('<!-- example');
  });

  it('an unknown id is exit 2 with a suggestion', () => {
    const r = kvmxml(['explain', 'memtune-ordr']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown rule 'memtune-ordr' (did you mean 'memtune-order'?)");
    expect(kvmxml(['explain', 'zzzzzzzzzzzz']).stderr).not.toContain('did you mean');
    expect(kvmxml(['explain']).code).toBe(2);
  });

  it('JSON messages keep the ESLint shape, with no file: path into the installed package', () => {
    const r = kvmxml(['lint', '--format', 'json', join(FIX, 'memtune-order/reverse.fail.xml')]);
    const [file] = JSON.parse(r.stdout);
    const m = file.messages.find((x: { ruleId: string }) => x.ruleId === 'memtune-order');
    expect(m).toMatchObject({ ruleId: 'memtune-order', severity: 1, line: 6, column: 5, stage: 'style' });
    expect(m.docs).toBeUndefined();
    expect(r.stdout).not.toContain('file:');
  });
});

describe('the package', () => {
  it('ships the bin, the bundle, the config schema and every doc page (npm pack --dry-run)', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = new Set((JSON.parse(r.stdout)[0].files as { path: string }[]).map((f) => f.path));
    for (const f of ['bin/kvmxml.js', 'schemas/kvmxml.config.schema.json', 'README.md', 'package.json']) expect(files, f).toContain(f);
    // The bundle, whatever its layout: every built file under dist/ ships.
    const built = (readdirSync(join(ROOT, 'dist'), { recursive: true, withFileTypes: true }) as Dirent[])
      .filter((e) => e.isFile())
      .map((e) => relative(ROOT, join(e.parentPath, e.name)));
    expect(built).toContain('dist/api.mjs');
    expect(built).toContain('dist/types/src/api.d.ts');
    expect(built.length).toBeGreaterThan(0);
    for (const f of built) expect(files, f).toContain(f);
    for (const m of allMetas()) if (existsSync(join(ROOT, 'rules', `${m.id}.md`))) expect(files, m.id).toContain(`rules/${m.id}.md`);
    // Sources and tests stay out; the plugin API's declarations (dist/types/) ship.
    expect([...files].filter((f) => f.startsWith('src/') || f.startsWith('test/') || (f.endsWith('.ts') && !(f.startsWith('dist/types/') && f.endsWith('.d.ts'))))).toEqual([]);
  });
});
