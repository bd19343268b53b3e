/**
 * The output formats as a CI system reads them: SARIF 2.1.0 checked against the published
 * schema, GitHub workflow commands with GitHub's escaping, JUnit XML that parses, `-o` with every
 * format, the stylish summary, and the progress line (on a terminal only, never in machine
 * formats). Runs the built bin (npm test builds first).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import type { Ajv as AjvClass } from 'ajv';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { engineRules, rules } from '../rules/index.js';
import { escapeData, escapeProperty, format as github } from '../src/formatters/github.js';
import { FORMATS } from '../src/formatters/index.js';
import { format as junit } from '../src/formatters/junit.js';
import { ROOT } from './helpers/fixtures.js';

const BIN = join(ROOT, 'bin', 'kvmxml.js');
const FIX = join(ROOT, 'fixtures', 'rules');
const require = createRequire(import.meta.url);

function kvmxml(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? '',
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A project like a user's: a fail (warning, fixable), a pass, a malformed file (parse error), a
 * file that is not a domain, in a sub-directory, with names that need escaping.
 */
let proj: string;
beforeAll(() => {
  proj = mkdtempSync(join(tmpdir(), 'kvmxml-formats-'));
  mkdirSync(join(proj, 'vms', 'odd dir'), { recursive: true });
  copyFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), join(proj, 'vms', 'order.xml'));
  copyFileSync(join(FIX, 'memtune-order/canonical.pass.xml'), join(proj, 'vms', 'good.xml'));
  copyFileSync(join(FIX, 'xml-well-formed/tutorial-snippet.fail.xml'), join(proj, 'vms', 'odd dir', 'broken,1:2.xml'));
  writeFileSync(join(proj, 'vms', 'net.xml'), '<network><name>default</name></network>\n');
});

// ---------------------------------------------------------------------------------------------
// SARIF
// ---------------------------------------------------------------------------------------------

/**
 * The SARIF 2.1.0 JSON schema as published with the specification (OASIS SARIF TC, the
 * `sarif-2.1.0-rtm.5` schema that json.schemastore.org serves as sarif-2.1.0.json), shipped by
 * Microsoft's @microsoft/jest-sarif package (a dev dependency).
 */
const SARIF_SCHEMA = join(require.resolve('@microsoft/jest-sarif/package.json'), '..', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');

function sarifValidator() {
  const schema = JSON.parse(readFileSync(SARIF_SCHEMA, 'utf8')) as Record<string, unknown>;
  const Ajv = Ajv04 as unknown as new (o: object) => AjvClass;
  // The schema's patterns are ECMA 262 without the unicode flag (one is invalid with it).
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  return ajv.compile(schema);
}

interface SarifRule {
  id: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown?: string };
  helpUri: string;
  defaultConfiguration: { level: string };
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: Record<string, number> } }[];
}

describe('--format sarif', () => {
  let log: { version: string; runs: { tool: { driver: { name: string; rules: SarifRule[] } }; results: SarifResult[]; originalUriBaseIds: Record<string, { uri: string }> }[] };
  let code: number | null;
  beforeAll(() => {
    const r = kvmxml(['lint', '--format', 'sarif', 'vms'], { cwd: proj });
    code = r.code;
    log = JSON.parse(r.stdout);
  });

  it('is valid against the SARIF 2.1.0 schema', () => {
    expect(existsSync(SARIF_SCHEMA)).toBe(true);
    const validate = sarifValidator();
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(log.version).toBe('2.1.0');
    expect(code).toBe(1);
  });

  it('the schema check is real: a broken log is refused', () => {
    const validate = sarifValidator();
    const broken = structuredClone(log);
    (broken.runs[0] as { results: unknown[] }).results[0] = { ruleId: 'x', level: 'fatal', message: {} };
    expect(validate(broken)).toBe(false);
  });

  it('describes every rule as GitHub code scanning reads it, help from the doc page', () => {
    const driver = log.runs[0]!.tool.driver;
    expect(driver.name).toBe('kvmxml');
    const ids = driver.rules.map((r) => r.id);
    for (const m of [...engineRules, ...rules.map((r) => r.meta)]) expect(ids).toContain(m.id);
    for (const rule of driver.rules) {
      const meta = [...engineRules, ...rules.map((r) => r.meta)].find((m) => m.id === rule.id)!;
      expect(rule.shortDescription.text).toBe(meta.description);
      expect(rule.fullDescription.text.length).toBeGreaterThan(0);
      expect(rule.defaultConfiguration.level).toBe(meta.severity === 'error' ? 'error' : 'warning');
      expect(rule.help.text.length).toBeGreaterThan(0);
      // Pages still being written are covered by the doc-page test (test/config-docs.test.ts).
      const page = join(ROOT, 'rules', `${rule.id}.md`);
      if (!existsSync(page)) continue;
      // No file: path into one machine's node_modules; package.json declares no homepage for a URL.
      expect(rule.helpUri).toBeUndefined();
      expect(rule.help.text).toBe(readFileSync(page, 'utf8'));
    }
  });

  it('results carry rule, level, message and a region in a file relative to the working directory', () => {
    const results = log.runs[0]!.results;
    const rulesList = log.runs[0]!.tool.driver.rules;
    const order = results.find((r) => r.ruleId === 'memtune-order')!;
    expect(order.level).toBe('warning');
    expect(rulesList[order.ruleIndex]!.id).toBe('memtune-order');
    expect(order.message.text).toContain('out of order');
    const loc = order.locations[0]!.physicalLocation;
    expect(loc.artifactLocation).toEqual({ uri: 'vms/order.xml', uriBaseId: '%SRCROOT%' });
    expect(loc.region).toEqual({ startLine: 6, startColumn: 5, endLine: 6, endColumn: expect.any(Number) });
    expect(loc.region.endColumn).toBeGreaterThan(5);
    expect(log.runs[0]!.originalUriBaseIds['%SRCROOT%']!.uri).toMatch(/^file:\/\/\/.*\/$/);
  });

  it('a parse error is a result too, with a percent-encoded relative URI', () => {
    const parse = log.runs[0]!.results.find((r) => r.ruleId === 'xml-well-formed')!;
    expect(parse.level).toBe('error');
    expect(parse.message.text).toContain('Opening and ending tag mismatch');
    const loc = parse.locations[0]!.physicalLocation;
    expect(loc.artifactLocation.uri).toBe('vms/odd%20dir/broken%2C1%3A2.xml');
    expect(loc.region).toMatchObject({ startLine: 2, startColumn: 112, endLine: 2 });
  });

  it('a clean run is a valid log with no results', () => {
    const r = kvmxml(['lint', '--format', 'sarif', 'vms/good.xml'], { cwd: proj });
    expect(r.code).toBe(0);
    const clean = JSON.parse(r.stdout);
    expect(sarifValidator()(clean)).toBe(true);
    expect(clean.runs[0].results).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// GitHub workflow commands
// ---------------------------------------------------------------------------------------------

describe('--format github', () => {
  it('escapes as GitHub documents: %, CR, LF in data; also : and , in properties', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('a:b,c%d\ne')).toBe('a%3Ab%2Cc%25d%0Ae');
  });

  it('writes one workflow command per finding', () => {
    const r = kvmxml(['lint', '--format', 'github', 'vms'], { cwd: proj });
    expect(r.code).toBe(1);
    const all = r.stdout.trimEnd().split('\n');
    // the findings, then one notice naming the libvirt they were judged for
    expect(all).toHaveLength(3);
    expect(all[2]).toBe('::notice title=kvmxml::Judged as libvirt 9.0 + QEMU 7.2 (--libvirt chooses)');
    const lines = all.slice(0, 2);
    expect(lines).toContain(
      '::error file=vms/odd dir/broken%2C1%3A2.xml,line=2,col=112,title=xml-well-formed::' +
        lines.find((l) => l.startsWith('::error'))!.split('title=xml-well-formed::')[1],
    );
    const warn = lines.find((l) => l.startsWith('::warning'))!;
    expect(warn).toMatch(/^::warning file=vms\/order\.xml,line=6,col=5,endLine=6,endColumn=\d+,title=memtune-order::<swap_hard_limit> is out of order: /);
    for (const l of lines) expect(l).toMatch(/^::(error|warning) file=[^:]+::[^\n]+$/);
  });

  it('message and properties with specials survive a round trip', () => {
    const out = github(
      [
        {
          filePath: join(tmpdir(), 'x', 'a,b:c.xml'),
          messages: [{ ruleId: 'r', severity: 2, message: '50% of\r\nmemory: gone', line: 3, column: 4, endLine: 3, endColumn: 9, stage: 'start' }],
          errorCount: 1,
          warningCount: 0,
          fixableErrorCount: 0,
          fixableWarningCount: 0,
        },
      ],
      { color: false, cwd: tmpdir(), rules: new Map() },
    );
    expect(out).toBe('::error file=x/a%2Cb%3Ac.xml,line=3,col=4,endLine=3,endColumn=9,title=r::50%25 of%0D%0Amemory: gone\n');
  });

  it('prints nothing for a clean run', () => {
    const r = kvmxml(['lint', '--format', 'github', 'vms/good.xml'], { cwd: proj });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });
});

// ---------------------------------------------------------------------------------------------
// JUnit
// ---------------------------------------------------------------------------------------------

function parseXml(text: string): Document {
  const problems: string[] = [];
  const doc = new DOMParser({
    onError: (level: string, msg: string) => {
      // xmldom warns about U+FFFD (which the formatter puts for characters XML does not allow).
      if (level !== 'warning') problems.push(`${level}: ${msg}`);
    },
  }).parseFromString(text, 'text/xml');
  expect(problems).toEqual([]);
  return doc as unknown as Document;
}

describe('--format junit', () => {
  it('one testsuite; a testcase per error finding with exactly one failure, one per clean file; parses as XML', () => {
    const r = kvmxml(['lint', '--format', 'junit', 'vms'], { cwd: proj });
    expect(r.code).toBe(1);
    const doc = parseXml(r.stdout);
    const suites = doc.getElementsByTagName('testsuite');
    expect(suites.length).toBe(1);
    const cases = Array.from(doc.getElementsByTagName('testcase'));
    expect(cases.map((c) => c.getAttribute('name')).sort()).toEqual(['vms/good.xml', 'vms/net.xml', 'vms/odd dir/broken,1:2.xml:2:112 xml-well-formed', 'vms/order.xml']);
    // GitLab's parser reads one <failure> per testcase.
    for (const c of cases) expect(c.getElementsByTagName('failure').length).toBeLessThanOrEqual(1);
    const byName = (n: string) => cases.find((c) => c.getAttribute('name') === n)!;
    const broken = byName('vms/odd dir/broken,1:2.xml:2:112 xml-well-formed');
    expect(broken.getAttribute('classname')).toBe('vms/odd dir/broken,1:2.xml');
    const failures = broken.getElementsByTagName('failure');
    expect(failures.length).toBe(1);
    expect(failures[0]!.getAttribute('type')).toBe('xml-well-formed');
    expect(failures[0]!.getAttribute('message')).toContain('</hugepages> closes an element that is not open');
    // A warning does not fail the test case.
    expect(byName('vms/order.xml').getElementsByTagName('failure').length).toBe(0);
    expect(byName('vms/order.xml').getElementsByTagName('system-out')[0]!.textContent).toContain('memtune-order');
    expect(byName('vms/good.xml').childNodes.length).toBe(0);
    expect(byName('vms/net.xml').getElementsByTagName('skipped').length).toBe(1);
    expect(suites[0]!.getAttribute('tests')).toBe('4');
    expect(suites[0]!.getAttribute('failures')).toBe('1');
  });

  it('escapes markup and characters XML does not allow', () => {
    const out = junit(
      [
        {
          filePath: join(tmpdir(), 'a&b.xml'),
          messages: [
            { ruleId: 'r', severity: 2, message: 'bad <x a="1"> & \u0001 \'q\'', line: 1, column: 1, stage: 'parse' },
            { ruleId: 'r', severity: 2, message: 'second', line: 2, column: 1, stage: 'parse' },
          ],
          errorCount: 2,
          warningCount: 0,
          fixableErrorCount: 0,
          fixableWarningCount: 0,
        },
      ],
      { color: false, cwd: tmpdir(), rules: new Map() },
    );
    const doc = parseXml(out);
    const failures = doc.getElementsByTagName('failure');
    expect(failures.length).toBe(2);
    expect(failures[0]!.getAttribute('message')).toBe('bad <x a="1"> & \uFFFD \'q\'');
    const cases = doc.getElementsByTagName('testcase');
    expect(cases.length).toBe(2);
    expect(cases[0]!.getAttribute('name')).toBe('a&b.xml:1:1 r');
    expect(cases[1]!.getAttribute('name')).toBe('a&b.xml:2:1 r');
    expect(cases[0]!.getAttribute('classname')).toBe('a&b.xml');
  });
});

// ---------------------------------------------------------------------------------------------
// -o with every format
// ---------------------------------------------------------------------------------------------

describe('-o/--output-file', () => {
  it.each(FORMATS.map((f) => [f]))('writes the %s report to the file and nothing to stdout', (fmt) => {
    const out = join(proj, `report.${fmt}`);
    const toFile = kvmxml(['lint', '--format', fmt, '-o', out, 'vms'], { cwd: proj });
    expect(toFile.code).toBe(1);
    expect(toFile.stdout).toBe('');
    const toStdout = kvmxml(['lint', '--format', fmt, 'vms'], { cwd: proj });
    const written = readFileSync(out, 'utf8');
    expect(written.length).toBeGreaterThan(0);
    expect(written.trimEnd()).toBe(toStdout.stdout.trimEnd());
    expect(written).not.toContain('\x1b[');
  });
});

// ---------------------------------------------------------------------------------------------
// Large runs: summary line and progress line
// ---------------------------------------------------------------------------------------------

describe('large runs', () => {
  let many: string;
  const N = 400;
  beforeAll(() => {
    many = join(proj, 'many');
    mkdirSync(many, { recursive: true });
    const bad = readFileSync(join(FIX, 'memtune-order/reverse.fail.xml'));
    const good = readFileSync(join(FIX, 'memtune-order/canonical.pass.xml'));
    for (let i = 0; i < N; i++) writeFileSync(join(many, `vm${String(i).padStart(4, '0')}.xml`), i % 4 === 0 ? bad : good);
  });

  it('stylish sums up: findings by severity, files with findings of files checked, fixable count', () => {
    const r = kvmxml(['lint', 'many'], { cwd: proj });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`✖ ${N / 4} problems (0 errors, ${N / 4} warnings) in ${N / 4} of ${N} files checked`);
    expect(r.stdout).toContain(`0 errors and ${N / 4} warnings potentially fixable with \`kvmxml fix\``);
    expect(r.stdout).toContain('kvmxml explain memtune-order');
  });

  it('no progress line when standard error is not a terminal', () => {
    const r = kvmxml(['lint', 'many'], { cwd: proj });
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('\r');
  });

  // `script` (util-linux) runs the command on a pseudo-terminal and copies what it writes.
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  const onTty = (args: string) =>
    spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args}`, '/dev/null'], {
      cwd: proj,
      input: '',
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' },
    });

  it.skipIf(!hasScript)('on a terminal: a progress line rewritten in place, erased before the report', () => {
    const r = onTty('lint many');
    expect(r.status).toBe(0);
    const updates = r.stdout.match(/\rkvmxml: \d+\/400 files \(\d+%\), \d+ errors?, \d+ warnings?, [\d.]+s/g) ?? [];
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(r.stdout).not.toMatch(/kvmxml: \d+\/400 files[^\r]*\n/); // never a line of its own
    // Erased (spaces, carriage return) before the report starts.
    const lastUpdate = r.stdout.lastIndexOf('\rkvmxml: ');
    const report = r.stdout.indexOf('many/vm0000.xml\r\n');
    expect(report).toBeGreaterThan(lastUpdate);
    expect(r.stdout.slice(lastUpdate).match(/\r +\r/)).not.toBeNull();
    expect(r.stdout).toContain(`in ${N / 4} of ${N} files checked`);
  });

  it.skipIf(!hasScript)('on a terminal: never with a machine format, nor for a small run', () => {
    for (const fmt of ['json', 'sarif', 'github', 'junit']) {
      const r = onTty(`lint -f ${fmt} many`);
      expect(r.stdout, fmt).not.toContain('kvmxml: ');
    }
    expect(onTty('lint vms/order.xml vms/good.xml').stdout).not.toContain('files (');
  });

  it.skipIf(!hasScript)('on a terminal a clean run says what was checked; on a pipe it stays silent', () => {
    expect(onTty('lint vms/good.xml').stdout).toContain('✔ 1 file checked, no problems');
    expect(kvmxml(['lint', 'vms/good.xml'], { cwd: proj }).stdout).toBe('');
  });
});
