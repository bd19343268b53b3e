/**
 * The CLI as a process at its edges: standard input wherever `-` stands, `-` as an option value,
 * closed pipes and full disks, checked option values, `-c FILE`, fixes through links and
 * protected files, colour, deep nesting. Runs the built bin (npm test builds first).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, copyFileSync, cpSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

const BIN = join(ROOT, 'bin', 'kvmxml.js');
const FIX = join(ROOT, 'fixtures', 'rules');
const REVERSE = join(FIX, 'memtune-order/reverse.fail.xml');
const REVERSE_FIXED = join(FIX, 'memtune-order/reverse.fail.fixed.xml');
const MALFORMED = join(FIX, 'xml-well-formed/tutorial-snippet.fail.xml');
const CLEAN = join(FIX, 'memtune-order/canonical.pass.xml');
const HOST_TREE = join(ROOT, 'fixtures', 'hosts', 'tutorial-two-nodes');
const GUEST = join(ROOT, 'fixtures', 'check', 'tutorial-guest.xml');
const HOST_JSON = join(ROOT, 'fixtures', 'check', 'tutorial-host.json');
const ANSI = '\u001b[';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kvmxml(args: string[], opts: { cwd?: string; input?: string | Buffer; env?: Record<string, string | undefined> } = {}): Run {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, input: opts.input ?? '', env: env as NodeJS.ProcessEnv, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exactly one line on stderr, no stack trace, no path of the checkout kvmxml was built in. */
function oneLine(s: string): void {
  expect(s.trim().split('\n')).toHaveLength(1);
  expect(s).not.toMatch(/\n\s+at /);
  expect(s).not.toContain(join(ROOT, 'dist'));
  expect(s).not.toContain(join(ROOT, 'src'));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvmxml-cli-io-'));
});

const copy = (from: string, name: string): string => {
  const to = join(dir, name);
  copyFileSync(from, to);
  return to;
};

describe('standard input', () => {
  it('lint reads - once wherever it stands, among other files, in order', () => {
    const first = kvmxml(['lint', '-f', 'json', '-', REVERSE], { input: readFileSync(MALFORMED) });
    expect(first.code).toBe(1);
    const data = JSON.parse(first.stdout) as { filePath: string; errorCount: number; warningCount: number }[];
    expect(data.map((r) => r.filePath)).toEqual(['<stdin>', REVERSE]);
    expect(data[0]!.errorCount).toBe(1);
    expect(data[1]!.warningCount).toBe(1);
    const last = kvmxml(['lint', '-f', 'json', REVERSE, '-'], { input: readFileSync(MALFORMED) });
    expect((JSON.parse(last.stdout) as { filePath: string }[]).map((r) => r.filePath)).toEqual([REVERSE, '<stdin>']);
  });

  it('- given twice is refused in one line, exit 2', () => {
    const r = kvmxml(['lint', '-', '-'], { input: readFileSync(CLEAN) });
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('only once');
    expect(r.stdout).toBe('');
  });

  it('fix - with other paths is refused (a filter stands alone) and writes nothing', () => {
    const other = copy(REVERSE, 'filter-other.xml');
    const out = join(dir, 'filter-out.xml');
    const fd = openSync(out, 'w');
    const r = spawnSync(process.execPath, [BIN, 'fix', '-', other], { input: readFileSync(REVERSE), stdio: ['pipe', fd, 'pipe'], encoding: 'utf8' });
    closeSync(fd);
    expect(r.status).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('filter');
    expect(readFileSync(other)).toEqual(readFileSync(REVERSE));
    expect(readFileSync(out, 'utf8')).toBe('');
  });

  it('fix - writes the fixed document to stdout and the report to -o FILE', () => {
    const report = join(dir, 'filter-report.json');
    const r = kvmxml(['fix', '-', '-f', 'json', '-o', report], { input: readFileSync(REVERSE) });
    expect(r.stdout).toBe(readFileSync(REVERSE_FIXED, 'utf8'));
    expect(r.stderr).toBe('');
    expect(JSON.parse(readFileSync(report, 'utf8'))[0].filePath).toBe('<stdin>');
    // What cannot be fixed (here: not UTF-8) comes back byte for byte.
    const latin1 = Buffer.from("<domain><name>caf\xe9</name></domain>\n", 'latin1');
    const back = spawnSync(process.execPath, [BIN, 'fix', '-'], { input: latin1 });
    expect(back.status).toBe(1);
    expect(Buffer.compare(back.stdout, latin1)).toBe(0);
  });
});

describe('- as an option value', () => {
  it('check --host - reads the host from stdin (kvmxml snapshot | kvmxml check --host - vm.xml)', () => {
    const snap = kvmxml(['snapshot', '--root', HOST_TREE]);
    expect(snap.code).toBe(0);
    const fromStdin = kvmxml(['check', '--host', '-', '-f', 'json', GUEST], { input: snap.stdout });
    const fromFile = kvmxml(['check', '--host', HOST_JSON, '-f', 'json', GUEST]);
    expect(fromStdin.stderr).toBe('');
    expect(fromStdin.code).toBe(fromFile.code);
    expect(JSON.parse(fromStdin.stdout)[0].verdict).toBe(JSON.parse(fromFile.stdout)[0].verdict);
  });

  it('check --host H - reads the domain from stdin', () => {
    const fromStdin = kvmxml(['check', '--host', HOST_JSON, '-f', 'json', '-'], { input: readFileSync(GUEST) });
    const fromFile = kvmxml(['check', '--host', HOST_JSON, '-f', 'json', GUEST]);
    expect(fromStdin.code).toBe(fromFile.code);
    const [a, b] = [JSON.parse(fromStdin.stdout)[0], JSON.parse(fromFile.stdout)[0]];
    expect(a.filePath).toBe('<stdin>');
    expect(a.verdict).toBe(b.verdict);
    expect(a.reasons).toEqual(b.reasons);
  });

  it('stdin cannot be both the host and a file', () => {
    const r = kvmxml(['check', '--host', '-', '-'], { input: '{}' });
    expect(r.code).toBe(2);
    oneLine(r.stderr);
  });

  it('lint -o - and snapshot -o - write to stdout', () => {
    const lint = kvmxml(['lint', '-o', '-', '-f', 'json', REVERSE]);
    expect(lint.code).toBe(0);
    expect(JSON.parse(lint.stdout)[0].filePath).toBe(REVERSE);
    expect(existsSync(join(ROOT, '-'))).toBe(false);
    const snap = kvmxml(['snapshot', '--root', HOST_TREE, '-o', '-']);
    expect(snap.code).toBe(0);
    expect(JSON.parse(snap.stdout).schemaVersion).toBe(1);
  });
});

/** Start kvmxml with its stdout a pipe whose reading end is closed before it writes. */
function withClosedStdout(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout: '', stderr }));
  });
}

function toDevFull(args: string[]): Run {
  const fd = openSync('/dev/full', 'w');
  try {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', fd, 'pipe'], env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
    return { code: r.status, stdout: '', stderr: r.stderr };
  } finally {
    closeSync(fd);
  }
}

describe('closed pipes and full disks', () => {
  it('a reader that went away ends the run quietly (kvmxml rules | head -1)', async () => {
    for (const args of [['rules'], ['rules', '--format', 'json'], ['explain', 'memtune-order'], ['snapshot', '--root', HOST_TREE]]) {
      const r = await withClosedStdout(args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(0);
    }
  });

  it('lint -f sarif DIR | head -c1: quiet, and the exit code still says there were errors', async () => {
    const r = await withClosedStdout(['lint', '-f', 'sarif', join(ROOT, 'fixtures', 'examples')]);
    expect(r.stderr).not.toMatch(/error|at /);
    expect(r.code).toBe(1);
  });

  it.skipIf(!existsSync('/dev/full'))('lint DIR > /dev/full: exit 2, one line', () => {
    const r = toDevFull(['lint', join(ROOT, 'fixtures', 'examples')]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('cannot write standard output: no space left on device');
  });

  it.skipIf(!existsSync('/dev/full'))('-o FILE on a full disk: exit 2, one line (lint, check, snapshot, rules to stdout)', () => {
    for (const args of [
      ['lint', '-o', '/dev/full', REVERSE],
      ['check', '--host', HOST_JSON, '-o', '/dev/full', GUEST],
      ['snapshot', '--root', HOST_TREE, '-o', '/dev/full'],
    ]) {
      const r = kvmxml(args);
      expect(r.code, args.join(' ')).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr).toContain("cannot write '/dev/full': no space left on device");
    }
    const rules = toDevFull(['rules']);
    expect(rules.code).toBe(2);
    oneLine(rules.stderr);
  });
});

describe('option values are checked', () => {
  it('--max-warnings takes a whole number of 0 or more', () => {
    for (const bad of ['abc', '-1', '1.5', '']) {
      const r = kvmxml(['lint', '--max-warnings', bad, REVERSE]);
      expect(r.code, bad).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr).not.toContain('internal error');
    }
    expect(kvmxml(['lint', '--max-warnings', '1', REVERSE]).code).toBe(0);
    expect(kvmxml(['lint', '--max-warnings', '0', REVERSE]).code).toBe(1);
  });

  it('choices, single-valued options and empty values', () => {
    for (const args of [
      ['lint', '-f', 'xml', REVERSE],
      ['rules', '--format', 'yaml'],
      ['check', '--host', HOST_JSON, '-f', 'tap', GUEST],
      ['lint', '-o', 'a.txt', '-o', 'b.txt', REVERSE],
      ['lint', '--stdin-filename', '', '-'],
      ['snapshot', '--root', HOST_TREE, '--root', HOST_TREE],
      ['lint', '-f', 'json', '-f', 'sarif', REVERSE],
      ['check', '--host', HOST_JSON, '-f', 'json', '-f', 'json', GUEST],
    ]) {
      const r = kvmxml(args);
      expect(r.code, args.join(' ')).toBe(2);
      oneLine(r.stderr);
    }
  });
});

describe('-c, --config FILE', () => {
  const setup = () => {
    const d = join(dir, 'cfg-flag');
    mkdirSync(d, { recursive: true });
    const vm = copy(REVERSE, 'cfg-flag/vm.xml');
    const strict = join(d, 'strict.json');
    writeFileSync(strict, JSON.stringify({ rules: { 'memtune-order': 'error' } }));
    return { vm, strict };
  };

  it('uses the given file instead of looking for kvmxml.config.json; = form too', () => {
    const { vm, strict } = setup();
    expect(kvmxml(['lint', vm]).code).toBe(0);
    for (const args of [['-c', strict], ['--config', strict], [`--config=${strict}`]]) {
      const r = kvmxml(['lint', ...args, vm]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toContain('memtune-order');
      expect(r.stdout).not.toContain('strict.json');
    }
    expect(kvmxml(['check', '-c', strict, '--host', HOST_JSON, GUEST]).code).toBe(1);
  });

  it('--no-config still ignores every config file', () => {
    const { vm } = setup();
    writeFileSync(join(dir, 'cfg-flag', 'kvmxml.config.json'), JSON.stringify({ rules: { 'memtune-order': 'error' } }));
    expect(kvmxml(['lint', vm]).code).toBe(1);
    expect(kvmxml(['lint', '--no-config', vm]).code).toBe(0);
  });

  it('a missing or invalid config file: exit 2, one line, even with no file to lint yet', () => {
    const { vm } = setup();
    const missing = kvmxml(['lint', '-c', join(dir, 'nope.json'), vm]);
    expect(missing.code).toBe(2);
    oneLine(missing.stderr);
    expect(missing.stderr).toContain('no such file or directory');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "rules": { "memtune-order": "loud" } }');
    const invalid = kvmxml(['lint', '--config', bad, vm]);
    expect(invalid.code).toBe(2);
    oneLine(invalid.stderr);
    expect(invalid.stderr).toContain('/rules/memtune-order');
    const noValue = kvmxml(['lint', vm, '--config']);
    expect(noValue.code).toBe(2);
    oneLine(noValue.stderr);
  });
});

describe('snapshot --root', () => {
  it('a root that does not exist, or holds no sys/ and proc/, is exit 2 with one line', () => {
    const missing = kvmxml(['snapshot', '--root', join(dir, 'nonexistent')]);
    expect(missing.code).toBe(2);
    oneLine(missing.stderr);
    expect(missing.stdout).toBe('');
    const bare = join(dir, 'bare-root');
    mkdirSync(bare, { recursive: true });
    const r = kvmxml(['snapshot', '--root', bare]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('not a host tree');
  });
});

describe('fix --dry-run with a machine format', () => {
  it('stdout carries only the report, with the fixed text in output; the diff is for people', () => {
    const f = copy(REVERSE, 'dry-json.xml');
    const r = kvmxml(['fix', '--dry-run', '-f', 'json', f]);
    const data = JSON.parse(r.stdout);
    expect(data[0].output).toBe(readFileSync(REVERSE_FIXED, 'utf8'));
    expect(readFileSync(f)).toEqual(readFileSync(REVERSE));
    const sarif = kvmxml(['fix', '--dry-run', '-f', 'sarif', f]);
    expect(JSON.parse(sarif.stdout).version).toBe('2.1.0');
    const human = kvmxml(['fix', '--dry-run', f]);
    expect(human.stdout).toContain('--- a/');
  });
});

describe('fix through links and protected files', () => {
  it('fixes the file a symlink points to and keeps the symlink', () => {
    const target = copy(REVERSE, 'link-target.xml');
    const link = join(dir, 'link.xml');
    symlinkSync('link-target.xml', link);
    const r = kvmxml(['fix', link]);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('link-target.xml');
    expect(readFileSync(target, 'utf8')).toBe(readFileSync(REVERSE_FIXED, 'utf8'));
  });

  it('keeps the inode of a file with other hard links, so every name sees the fix', () => {
    const a = copy(REVERSE, 'hard-a.xml');
    const b = join(dir, 'hard-b.xml');
    linkSync(a, b);
    const ino = statSync(a).ino;
    expect(kvmxml(['fix', a]).code).toBe(0);
    expect(statSync(a).ino).toBe(ino);
    expect(statSync(a).nlink).toBe(2);
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(REVERSE_FIXED, 'utf8'));
  });

  it('keeps mode, and owner and group where it may set them', () => {
    const f = copy(REVERSE, 'owned.xml');
    chmodSync(f, 0o640);
    const root = process.getuid?.() === 0;
    if (root) chownSync(f, 1234, 2345);
    const before = statSync(f);
    expect(kvmxml(['fix', f]).code).toBe(0);
    const after = statSync(f);
    expect(after.mode & 0o7777).toBe(0o640);
    expect([after.uid, after.gid]).toEqual([before.uid, before.gid]);
    expect(readFileSync(f, 'utf8')).toBe(readFileSync(REVERSE_FIXED, 'utf8'));
    expect(readFileSync(f, 'utf8')).not.toBe('');
  });

  // Needs root to run kvmxml as another user, and a checkout that user may read.
  const asNobody = process.getuid?.() === 0 && spawnSync(process.execPath, [BIN, '--version'], { cwd: tmpdir(), uid: 65534, gid: 65534 }).status === 0;

  it.skipIf(!asNobody)('refuses a file the user may not write: exit 2, one line, file untouched', () => {
    // Run as nobody on a root-owned 0644 file in a directory nobody may not write either.
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-cli-io-others-'));
    chmodSync(d, 0o755);
    const f = join(d, 'root-owned.xml');
    copyFileSync(REVERSE, f);
    chmodSync(f, 0o644);
    const r = spawnSync(process.execPath, [BIN, 'fix', f], { cwd: d, uid: 65534, gid: 65534, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain(`cannot write '${f}': permission denied`);
    expect(readFileSync(f)).toEqual(readFileSync(REVERSE));
  });

  it('refuses a read-only file (0444, even for root): exit 2, one line, nothing written anywhere', () => {
    const writable = copy(REVERSE, 'ro-writable.xml');
    const ro = copy(REVERSE, 'ro.xml');
    chmodSync(ro, 0o444);
    const r = kvmxml(['fix', writable, ro]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('read-only');
    expect(readFileSync(ro)).toEqual(readFileSync(REVERSE));
    expect(readFileSync(writable)).toEqual(readFileSync(REVERSE));
  });
});

describe('colour', () => {
  const warn = (env: Record<string, string | undefined>, extra: string[] = []) => kvmxml(['lint', ...extra, REVERSE], { env });

  it('--color wins over NO_COLOR; --no-color over FORCE_COLOR', () => {
    expect(warn({ NO_COLOR: '1' }, ['--color']).stdout).toContain(ANSI);
    expect(warn({ NO_COLOR: undefined, FORCE_COLOR: '1' }, ['--no-color']).stdout).not.toContain(ANSI);
  });

  it('FORCE_COLOR=1 colours a pipe; FORCE_COLOR=0 and TERM=dumb do not', () => {
    expect(warn({ NO_COLOR: undefined, FORCE_COLOR: '1' }).stdout).toContain(ANSI);
    expect(warn({ NO_COLOR: undefined, FORCE_COLOR: '0' }).stdout).not.toContain(ANSI);
    expect(warn({ NO_COLOR: undefined, FORCE_COLOR: undefined }).stdout).not.toContain(ANSI);
  });

  /** Run under a pseudo-terminal (util-linux script), where colour is on by default. */
  const onTerminal = (env: Record<string, string | undefined>) => {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} lint ${JSON.stringify(REVERSE)}`;
    const e: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm', ...env };
    for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
    return spawnSync('script', ['-qec', cmd, '/dev/null'], { env: e as NodeJS.ProcessEnv, encoding: 'utf8' }).stdout;
  };
  const hasScript = spawnSync('script', ['--version']).status === 0;

  it.skipIf(!hasScript)('on a terminal: colour by default, none with FORCE_COLOR=0, TERM=dumb or NO_COLOR', () => {
    expect(onTerminal({})).toContain(ANSI);
    expect(onTerminal({ FORCE_COLOR: '0' })).not.toContain(ANSI);
    expect(onTerminal({ TERM: 'dumb' })).not.toContain(ANSI);
    expect(onTerminal({ NO_COLOR: '1' })).not.toContain(ANSI);
  });
});

describe('the command line itself', () => {
  it('-v, -V and --version print the version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['-v', '-V', '--version']) {
      const r = kvmxml([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it('a bare kvmxml names every command', () => {
    const r = kvmxml([]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    for (const c of ['lint', 'fix', 'check', 'snapshot', 'rules', 'explain', 'init']) expect(r.stderr).toMatch(new RegExp(`\\b${c}\\b`));
  });

  it('an unknown option is named once, as written', () => {
    const r = kvmxml(['fix', '--fix-dry-run', REVERSE]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('--fix-dry-run');
    expect(r.stderr).not.toContain('fixDryRun');
  });

  it('a binary host file is not echoed into the message', () => {
    const r = kvmxml(['check', '--host', process.execPath, GUEST]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^[\x20-\x7e\n]*$/);
    expect(r.stderr).toContain('binary');
  });
});

describe('deep nesting', () => {
  const nested = (depth: number) => `<domain type='qemu'>\n<name>deep</name><memory unit='MiB'>64</memory>\n${'<x>'.repeat(depth - 1)}${'</x>'.repeat(depth - 1)}\n</domain>\n`;

  it('50,000 levels: that file gets libxml2\'s depth error, the others their results', () => {
    const deep = join(dir, 'deep.xml');
    writeFileSync(deep, nested(50_000));
    for (const cmd of ['lint', 'fix']) {
      const otherPath = copy(REVERSE, `deep-other-${cmd}.xml`);
      const r = kvmxml([cmd, '-f', 'json', deep, otherPath]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const [d, other] = JSON.parse(r.stdout);
      expect(d.messages).toHaveLength(1);
      // The element that would open level 258: <domain>, then 256 <x>, then this one.
      expect(d.messages[0]).toMatchObject({ ruleId: 'xml-well-formed', line: 3, column: 1 + 256 * 3, stage: 'parse' });
      expect(d.messages[0].message).toContain('Excessive depth in document: 256 use XML_PARSE_HUGE option');
      expect(other.filePath).toBe(otherPath);
      if (cmd === 'lint') expect(other.warningCount).toBe(1);
      else expect(readFileSync(otherPath, 'utf8')).toBe(readFileSync(REVERSE_FIXED, 'utf8'));
    }
  });

  it('257 levels parse; 258 do not', () => {
    const ok = join(dir, 'deep-257.xml');
    writeFileSync(ok, nested(257));
    expect(kvmxml(['lint', '--rule', 'unknown-memory-element:off', ok]).code).toBe(0);
    const bad = join(dir, 'deep-258.xml');
    writeFileSync(bad, nested(258));
    expect(kvmxml(['lint', bad]).stdout).toContain('Excessive depth');
  });

  /** A directory whose config loads one plugin rule (`meta` fields, `check` source). */
  const withPlugin = (name: string, meta: string, check: string, rules: Record<string, string> = {}): string => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'plugin.cjs'), `exports.rules = [{ meta: { ${meta}, fixable: false },\n  check(ctx) { ${check} } }];\n`);
    writeFileSync(join(d, 'kvmxml.config.json'), JSON.stringify({ plugins: ['./plugin.cjs'], rules }));
    return d;
  };

  it('a plugin rule can still query the document with XPath (the DOM is built on demand)', () => {
    withPlugin(
      'xpath-plugin',
      "id: 'memtune-children', description: 'reports memtune children', severity: 'warn', stage: 'style'",
      "for (const el of ctx.select('/domain/memtune/*')) ctx.report({ node: el, message: 'child ' + el.name });",
      { 'memtune-order': 'off' },
    );
    const vm = copy(REVERSE, 'xpath-plugin/vm.xml');
    const r = kvmxml(['lint', '-f', 'json', vm]);
    const found = (JSON.parse(r.stdout)[0].messages as { ruleId: string; message: string; line: number }[]).filter((m) => m.ruleId === 'memtune-children');
    expect(found.map((m) => `${m.line} ${m.message}`)).toEqual(['6 child swap_hard_limit', '7 child soft_limit', '8 child hard_limit']);
  });

  it('a file kvmxml itself fails on is reported for that file; the run goes on and ends 2', () => {
    // A plugin rule that throws something whose description itself throws, on one file only.
    const d = withPlugin(
      'odd-plugin',
      "id: 'odd-throw', description: 'throws oddly', severity: 'error', stage: 'define'",
      "if (ctx.filePath.endsWith('boom.xml')) throw { toString() { throw new Error('cannot describe this'); } };",
    );
    copy(CLEAN, 'odd-plugin/boom.xml');
    copy(REVERSE, 'odd-plugin/zz-after.xml');
    const r = kvmxml(['lint', '-f', 'json', d]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('boom.xml');
    const data = JSON.parse(r.stdout) as { filePath: string; warningCount: number }[];
    expect(data.map((x) => x.filePath)).toEqual([join(d, 'zz-after.xml')]);
    expect(data[0]!.warningCount).toBe(1);
    // Even the trace KVMXML_DEBUG asks for names no path of the machine that built kvmxml (the
    // code cache keeps the name its code was compiled under).
    const debug = kvmxml(['lint', join(d, 'boom.xml')], { env: { KVMXML_DEBUG: '1' } });
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect(debug.stderr).not.toContain(join(ROOT, 'dist'));
    expect(readFileSync(join(ROOT, 'dist', 'cli.cache')).includes(Buffer.from(ROOT))).toBe(false);
  });
});

describe("a code cache of the user's own (V8 refuses the one the package ships)", () => {
  // A package without dist/cli.cache stands for one run under another Node than the one that
  // built it: every run then compiles the bundle from its source, unless this user's cache helps.
  // 250 files: a run of many files (it changes V8's flags part way) that does not restart Node.
  let pkg = '';
  let cacheHome = '';
  let many: string[] = [];
  const one = (): string => many[0] as string;
  const run = (files: string[], env: Record<string, string> = {}): Run => {
    const r = spawnSync(process.execPath, [join(pkg, 'bin', 'kvmxml.js'), 'lint', '-f', 'json', ...files], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cacheHome, KVMXML_WORKERS: 'off', ...env },
      encoding: 'utf8',
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** The bundle's caches in the user's cache directory: name → inode and mtime (a rewrite renames a new file in). */
  const caches = (): Record<string, string> => {
    const dir = join(cacheHome, 'kvmxml');
    if (!existsSync(dir)) return {};
    const out: Record<string, string> = {};
    for (const n of readdirSync(dir).filter((x) => x.startsWith('cli-'))) {
      const st = statSync(join(dir, n));
      out[n.includes('-tiered') ? 'tiered' : 'plain'] = `${st.ino}:${st.mtimeMs}`;
    }
    return out;
  };

  beforeAll(() => {
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-own-cache-'));
    pkg = join(d, 'pkg');
    mkdirSync(pkg);
    cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    rmSync(join(pkg, 'dist', 'cli.cache'));
    cacheHome = join(d, 'cache');
    const files = join(d, 'files');
    mkdirSync(files);
    many = Array.from({ length: 250 }, (_, i) => join(files, `vm-${String(i).padStart(3, '0')}.xml`));
    for (const f of many) copyFileSync(CLEAN, f);
  });

  it('a run of many files writes one for its own flags; a run of one file neither reads nor spoils it', () => {
    expect(run(many).code).toBe(0);
    const afterMany = caches();
    expect(Object.keys(afterMany)).toEqual(['tiered']);
    expect(run([one()]).code).toBe(0);
    const afterOne = caches();
    expect(afterOne.tiered).toBe(afterMany.tiered);
    expect(afterOne.plain).toBeDefined();
  });

  it('each kind of run then takes its cache as it is, and writes nothing', () => {
    const before = caches();
    expect(Object.keys(before).sort()).toEqual(['plain', 'tiered']);
    expect(run([one()]).code).toBe(0);
    expect(run(many).code).toBe(0);
    expect(caches()).toEqual(before);
  });

  it('worker threads, started after the flags changed, read and write the tiered one', () => {
    rmSync(join(cacheHome, 'kvmxml'), { recursive: true });
    expect(run([one()]).code).toBe(0);
    const plain = caches().plain;
    const r = run(many, { KVMXML_WORKERS: '1' });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(many.length);
    const after = caches();
    // The main thread took the plain cache; only the worker, under the changed flags, had none.
    expect(after.plain).toBe(plain);
    expect(after.tiered).toBeDefined();
    expect(run(many, { KVMXML_WORKERS: '1' }).code).toBe(0);
    expect(caches()).toEqual(after);
  });

  it('a cache V8 refuses is replaced rather than refused on every run', () => {
    const dir = join(cacheHome, 'kvmxml');
    const plainName = readdirSync(dir).find((n) => n.startsWith('cli-') && !n.includes('-tiered')) as string;
    // The tiered cache in the plain one's place: made under other flags, so V8 refuses it.
    copyFileSync(join(dir, readdirSync(dir).find((n) => n.includes('-tiered')) as string), join(dir, plainName));
    const spoilt = caches().plain;
    expect(run([one()]).code).toBe(0);
    const replaced = caches().plain;
    expect(replaced).not.toBe(spoilt);
    expect(run([one()]).code).toBe(0);
    expect(caches().plain).toBe(replaced);
  });
});
