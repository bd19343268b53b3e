/**
 * Conventions users bring from other linters, as a process: ignore files and patterns, quoted
 * globs, unused disable directives, --print-config, --debug, `check` in every machine format,
 * and machine formats naming files relative to the repository root.
 */
import { rules } from '../rules/index.js';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { runCli } from './helpers/run-cli.js';

const FIX = join(ROOT, 'fixtures', 'rules');
const REVERSE = join(FIX, 'memtune-order', 'reverse.fail.xml');

const linted = (stdout: string, base: string) => (JSON.parse(stdout) as { filePath: string }[]).map((r) => r.filePath.slice(base.length + 1)).sort();

/** A git repository with VMs, a .gitignore and a .kvmxmlignore deeper down. */
function repo(): string {
  const d = mkdtempSync(join(tmpdir(), 'kvmxml-conv-'));
  spawnSync('git', ['init', '-q', d]);
  for (const f of ['vms/old/a.xml', 'vms/new/b.xml', 'vms/new/deep/c.xml', 'vms/new/gen.xml']) {
    mkdirSync(join(d, f, '..'), { recursive: true });
    copyFileSync(REVERSE, join(d, f));
  }
  writeFileSync(join(d, '.gitignore'), 'vms/old/\n');
  writeFileSync(join(d, 'vms', '.kvmxmlignore'), 'gen.xml\n!deep/\n');
  return d;
}

describe('ignore files, --ignore-pattern, --no-ignore', () => {
  let d: string;
  beforeAll(() => {
    d = repo();
  });

  it('a directory leaves out what .gitignore and .kvmxmlignore ignore', () => {
    const r = runCli(['lint', '-f', 'json', 'vms'], { cwd: d });
    expect(r.code).toBe(0);
    expect(linted(r.stdout, d)).toEqual(['vms/new/b.xml', 'vms/new/deep/c.xml']);
  });

  it('--no-ignore lints everything; --ignore-pattern adds patterns (repeatable)', () => {
    expect(linted(runCli(['lint', '-f', 'json', '--no-ignore', 'vms'], { cwd: d }).stdout, d)).toEqual(['vms/new/b.xml', 'vms/new/deep/c.xml', 'vms/new/gen.xml', 'vms/old/a.xml']);
    const r = runCli(['lint', '-f', 'json', '--ignore-pattern', 'deep/', '--ignore-pattern', 'b.xml', 'vms'], { cwd: d });
    expect(r.code).toBe(2); // nothing left
    expect(r.stderr).toBe("kvmxml: no *.xml files under 'vms'\n");
    expect(linted(runCli(['lint', '-f', 'json', '--ignore-pattern', 'vms/new/deep', 'vms'], { cwd: d }).stdout, d)).toEqual(['vms/new/b.xml']);
  });

  it('an explicitly named ignored file is left out with a warning, as ESLint does', () => {
    const r = runCli(['lint', 'vms/old/a.xml', 'vms/new/b.xml', '-f', 'json'], { cwd: d });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('kvmxml: warning: vms/old/a.xml is ignored (.gitignore); use --no-ignore to lint it\n');
    expect(linted(r.stdout, d)).toEqual(['vms/new/b.xml']);
    expect(runCli(['lint', '-f', 'json', '--no-ignore', 'vms/old/a.xml'], { cwd: d }).stderr).toBe('');
  });

  it('a .kvmxmlignore deep in a directory tree counts, in a repository or not', () => {
    const plain = mkdtempSync(join(tmpdir(), 'kvmxml-conv-plain-'));
    mkdirSync(join(plain, 'vms', 'lab'), { recursive: true });
    copyFileSync(REVERSE, join(plain, 'vms', 'lab', 'x.xml'));
    copyFileSync(REVERSE, join(plain, 'vms', 'lab', 'y.xml'));
    writeFileSync(join(plain, 'vms', 'lab', '.kvmxmlignore'), 'x.xml\n');
    expect(linted(runCli(['lint', '-f', 'json', 'vms'], { cwd: plain }).stdout, plain)).toEqual(['vms/lab/y.xml']);
  });

  it('check leaves out the same files', () => {
    const r = runCli(['check', '--host', join(ROOT, 'fixtures', 'check', 'tutorial-host.json'), '-f', 'json', 'vms'], { cwd: d });
    expect(linted(r.stdout, d).length).toBe(2);
  });
});

describe('quoted globs', () => {
  let d: string;
  beforeAll(() => {
    d = repo();
  });

  it("'vms/**/*.xml' and 'vms/*/*.xml' select the files they match, minus the ignored ones", () => {
    expect(linted(runCli(['lint', '-f', 'json', 'vms/**/*.xml'], { cwd: d }).stdout, d)).toEqual(['vms/new/b.xml', 'vms/new/deep/c.xml']);
    expect(linted(runCli(['lint', '-f', 'json', 'vms/*/*.xml'], { cwd: d }).stdout, d)).toEqual(['vms/new/b.xml']);
    expect(linted(runCli(['lint', '-f', 'json', '--no-ignore', 'vms/*/*.xml'], { cwd: d }).stdout, d)).toEqual(['vms/new/b.xml', 'vms/new/gen.xml', 'vms/old/a.xml']);
  });

  it('a glob that matches nothing is one line, exit 2', () => {
    const r = runCli(['lint', 'nowhere/**/*.xml'], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kvmxml: no *.xml files match 'nowhere/**/*.xml'\n");
  });
});

describe('unused kvmxml-disable directives', () => {
  const file = () => {
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-dir-'));
    const text = [
      "<domain type='qemu'>",
      '  <name>d</name>',
      '  <!-- kvmxml-disable-next-line memtune-order -->',
      "  <memory unit='MiB'>256</memory>",
      '  <vcpu>1</vcpu> <!-- kvmxml-disable-line host-start -->',
      "  <os><type arch='x86_64'>hvm</type></os>",
      '</domain>',
      '',
    ].join('\n');
    writeFileSync(join(d, 'vm.xml'), text);
    return { d, vm: join(d, 'vm.xml') };
  };

  it('are warnings by default, with no rule id (ESLint shape); a host rule without --host is not held against one', () => {
    const { vm } = file();
    const r = runCli(['lint', '-f', 'json', vm]);
    expect(r.code).toBe(0);
    const [res] = JSON.parse(r.stdout);
    expect(res.messages).toEqual([
      { ruleId: null, severity: 1, message: "Unused kvmxml-disable-next-line directive (no problems were reported from 'memtune-order')", line: 3, column: 3, endLine: 3, endColumn: 50, stage: 'style' },
    ]);
  });

  it('--report-unused-disable-directives error fails the run; off says nothing', () => {
    const { vm } = file();
    expect(runCli(['lint', '--report-unused-disable-directives', 'error', vm]).code).toBe(1);
    const off = runCli(['lint', '--report-unused-disable-directives', 'off', vm]);
    expect(off.code).toBe(0);
    expect(off.stdout).toBe('');
    const bad = runCli(['lint', '--report-unused-disable-directives', 'loud', vm]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Choices: \"off\", \"warn\", \"error\"");
  });

  it('the config key sets it; the flag wins', () => {
    const { d, vm } = file();
    writeFileSync(join(d, 'kvmxml.config.json'), JSON.stringify({ reportUnusedDisableDirectives: 'off' }));
    expect(runCli(['lint', vm]).stdout).toBe('');
    expect(runCli(['lint', '--report-unused-disable-directives', 'error', vm]).code).toBe(1);
  });

  it('a directive that suppresses a finding is not reported', () => {
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-dir-'));
    const text = readFileSync(REVERSE, 'utf8').replace('<memtune>', '<!-- kvmxml-disable memtune-order -->\n  <memtune>');
    writeFileSync(join(d, 'vm.xml'), text);
    const r = runCli(['lint', '-f', 'json', join(d, 'vm.xml')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].messages).toEqual([]);
  });
});

describe('--print-config FILE', () => {
  it('prints the effective configuration for that file as JSON: config file, overrides, --rule', () => {
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-pc-'));
    writeFileSync(join(d, 'kvmxml.config.json'), JSON.stringify({ rules: { 'memtune-order': ['error', { units: true }] }, overrides: [{ files: ['legacy/*.xml'], rules: { 'size-si-unit': 'off' } }] }));
    const r = runCli(['lint', '--print-config', 'legacy/vm.xml', '--rule', 'numa-cell-id:warn'], { cwd: d });
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.stdout);
    expect(cfg.filePath).toBe(join(d, 'legacy', 'vm.xml'));
    expect(cfg.configFile).toBe(join(d, 'kvmxml.config.json'));
    expect(cfg.reportUnusedDisableDirectives).toBe('warn');
    expect(cfg.rules['memtune-order']).toEqual(['error', { units: true }]);
    expect(cfg.rules['size-si-unit']).toBe('off');
    expect(cfg.rules['numa-cell-id']).toBe('warn');
    expect(cfg.rules['memtune-sentinel']).toBe('warn');
    expect(Object.keys(cfg.rules).length).toBe(rules.length);
  });
});

describe('--debug', () => {
  // A plugin whose rule metadata throws when read: an internal error, not a config error.
  const broken = () => {
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-dbg-'));
    writeFileSync(join(d, 'plugin.mjs'), "export const rules = [{ get meta() { throw new Error('plugin metadata exploded'); }, check() {} }];\n");
    writeFileSync(join(d, 'kvmxml.config.json'), JSON.stringify({ plugins: ['./plugin.mjs'] }));
    copyFileSync(REVERSE, join(d, 'vm.xml'));
    return d;
  };

  it('an internal error is one line without it, with a pointer to --debug', () => {
    const r = runCli(['lint', 'vm.xml'], { cwd: broken(), env: { KVMXML_DEBUG: '' } });
    expect(r.code).toBe(2);
    // the plugin is loaded with the config of the file being checked: that file's run fails, the others go on
    expect(r.stderr).toBe('kvmxml: internal error while checking vm.xml: plugin metadata exploded (--debug shows where)\n');
  });

  it('with --debug (or KVMXML_DEBUG=1): the stack trace, then exit code and time', () => {
    for (const [args, env] of [[['lint', '--debug', 'vm.xml'], { KVMXML_DEBUG: '' }], [['lint', 'vm.xml'], { KVMXML_DEBUG: '1' }]] as const) {
      const r = runCli([...args], { cwd: broken(), env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^kvmxml: internal error while checking vm\.xml: plugin metadata exploded\nError: plugin metadata exploded\n\s+at /);
      expect(r.stderr).toMatch(/\nkvmxml: debug: exit code 2 after \d+ ms\n$/);
    }
  });

  it('a clean run with --debug ends with its exit code and time, and the report is unchanged', () => {
    const r = runCli(['lint', '--debug', '-f', 'json', REVERSE]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].warningCount).toBe(1);
    expect(r.stderr).toMatch(/^kvmxml: debug: exit code 0 after \d+ ms\n$/);
  });
});

describe('check in every machine format', () => {
  const host = join(ROOT, 'fixtures', 'check', 'tutorial-host.json');
  const guest = join(ROOT, 'fixtures', 'check', 'tutorial-guest.xml');

  it('github: one annotation per reason, file relative to the repository root', () => {
    const r = runCli(['check', '--host', host, '-f', 'github', 'tutorial-guest.xml'], { cwd: join(ROOT, 'fixtures', 'check') });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=fixtures\/check\/tutorial-guest\.xml,line=29,col=29,.*title=start-prediction::internal error: qemu unexpectedly closed the monitor: .*unable to map backing store for guest RAM: Cannot allocate memory \(guest cell 5 needs 1 × 1 GiB pages/);
  });

  it('junit: a failing testcase per VM that fails, a passing one per VM that starts', () => {
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-chk-'));
    copyFileSync(join(FIX, 'memtune-order', 'canonical.pass.xml'), join(d, 'small.xml'));
    const r = runCli(['check', '--host', host, '-f', 'junit', guest, join(d, 'small.xml')], { cwd: d });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('tests="2" failures="1"');
    expect(r.stdout).toMatch(/<testcase classname="[^"]*tutorial-guest\.xml" name="[^"]*tutorial-guest\.xml:29:29 start-prediction"[^>]*>\n\s+<failure /);
    expect(r.stdout).toMatch(/<testcase classname="small\.xml" name="small\.xml" file="small\.xml"\/>/);
  });

  it('sarif: results with the prediction rule described, relative to the repository root, fingerprinted', () => {
    const r = runCli(['check', '--host', host, '-f', 'sarif', 'tutorial-guest.xml'], { cwd: join(ROOT, 'fixtures', 'check') });
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout).runs[0];
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toBe(`file://${ROOT}/`);
    const [res] = run.results;
    expect(res.ruleId).toBe('start-prediction');
    expect(res.level).toBe('error');
    expect(res.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'fixtures/check/tutorial-guest.xml', uriBaseId: '%SRCROOT%' });
    expect(res.partialFingerprints['kvmxmlFinding/v1']).toMatch(/^[0-9a-f]{32}:1$/);
    expect(run.tool.driver.rules.find((x: { id: string }) => x.id === 'start-prediction').defaultConfiguration.level).toBe('error');
  });
});

describe('SARIF across runs', () => {
  it('fingerprints stay when lines move, and paths are relative to the repository root from any directory', () => {
    const d = repo();
    const lintFrom = (cwd: string, file: string) => JSON.parse(runCli(['lint', '-f', 'sarif', file], { cwd }).stdout).runs[0].results[0];
    const a = lintFrom(d, 'vms/new/b.xml');
    const b = lintFrom(join(d, 'vms', 'new'), 'b.xml');
    expect(a.locations[0].physicalLocation.artifactLocation.uri).toBe('vms/new/b.xml');
    expect(b.locations[0].physicalLocation.artifactLocation.uri).toBe('vms/new/b.xml');
    const text = readFileSync(join(d, 'vms/new/b.xml'), 'utf8');
    writeFileSync(join(d, 'vms/new/b.xml'), text.replace('<name>', '<!-- moved -->\n  <name>'));
    const c = lintFrom(d, 'vms/new/b.xml');
    expect(c.locations[0].physicalLocation.region.startLine).toBe(a.locations[0].physicalLocation.region.startLine + 1);
    expect(c.partialFingerprints).toEqual(a.partialFingerprints);
  });
});
