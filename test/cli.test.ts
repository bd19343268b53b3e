/**
 * The CLI as a process: exit codes, one-line errors for bad input, byte-exact and atomic fixes,
 * stdin/stdout, output formats. Runs the built bin (npm test builds first).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync, closeSync, openSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { runCli } from './helpers/run-cli.js';
import { SCHEMA_DIR, schemaMissing } from './helpers/schema.js';

const BIN = join(ROOT, 'bin', 'kvmxml.js');
const FIX = join(ROOT, 'fixtures', 'rules');

const kvmxml = runCli;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvmxml-cli-'));
});

function oneLine(s: string) {
  expect(s.trim().split('\n')).toHaveLength(1);
  expect(s).not.toMatch(/\n\s+at /); // no stack trace
}

describe('exit codes and findings', () => {
  it('exits 0 with no output for a clean file', () => {
    const r = kvmxml(['lint', join(FIX, 'memtune-order/canonical.pass.xml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('points at the stray </hugepages> of the tutorial snippet, exit 1', () => {
    const r = kvmxml(['lint', join(FIX, 'xml-well-formed/tutorial-snippet.fail.xml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('2:112');
    expect(r.stdout).toContain('</hugepages> closes an element that is not open');
    expect(r.stdout).toContain('Opening and ending tag mismatch: memoryBacking line 2 and hugepages');
  });

  it('warnings alone exit 0; --max-warnings 0 makes them fail', () => {
    const f = join(FIX, 'memtune-order/reverse.fail.xml');
    expect(kvmxml(['lint', '--rule', 'memtune-order:warn', f]).code).toBe(0);
    expect(kvmxml(['lint', '--rule', 'memtune-order:warn', '--max-warnings', '0', f]).code).toBe(1);
    expect(kvmxml(['lint', '--rule', 'memtune-order:error', f]).code).toBe(1);
    const quiet = kvmxml(['lint', '--quiet', '--rule', 'memtune-order:warn', f]);
    expect(quiet.stdout).toBe('');
  });

  it('writes the ESLint JSON shape with stage', () => {
    const r = kvmxml(['lint', '--format', 'json', join(FIX, 'memtune-order/reverse.fail.xml')]);
    const data = JSON.parse(r.stdout);
    expect(data).toHaveLength(1);
    expect(Object.keys(data[0]).sort()).toEqual(['errorCount', 'filePath', 'fixableErrorCount', 'fixableWarningCount', 'libvirt', 'messages', 'warningCount']);
    const m = data[0].messages.find((x: { ruleId: string }) => x.ruleId === 'memtune-order');
    expect(m).toMatchObject({ severity: 1, line: 6, column: 5, stage: 'style' });
    expect(m.fix.range).toHaveLength(2);
  });

  it('lists rules', () => {
    const r = kvmxml(['rules']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^xml-well-formed\s+error\s+parse/m);
    expect(r.stdout).toMatch(/^memtune-order\s+warn\s+style\s+any\s+fixable/m);
    expect(r.stdout).toMatch(/^memtune-hard-limit-low\s+error\s+runtime\s+qemu,kvm\s/m);
  });
});

describe('bad input gets one clear line', () => {
  it('missing path: exit 2', () => {
    const r = kvmxml(['lint', join(dir, 'nope.xml')]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('no such file or directory');
  });

  it('unreadable path: exit 2', () => {
    // Root can read files whatever their mode; /proc/self/mem cannot be read with read(2) at offset 0.
    const target = process.getuid?.() === 0 ? '/proc/self/mem' : join(dir, 'secret.xml');
    if (target !== '/proc/self/mem') {
      writeFileSync(target, '<domain/>');
      chmodSync(target, 0);
    }
    const r = kvmxml(['lint', target]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/cannot read/);
  });

  it('empty file: a parse finding, exit 1', () => {
    const f = join(dir, 'empty.xml');
    writeFileSync(f, '');
    const r = kvmxml(['lint', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Document is empty');
  });

  it('binary file: a parse finding, exit 1, fix writes nothing', () => {
    const f = join(dir, 'bin.xml');
    const bytes = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0xff]);
    writeFileSync(f, bytes);
    const r = kvmxml(['lint', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('binary file');
    expect(kvmxml(['fix', f]).code).toBe(1);
    expect(readFileSync(f)).toEqual(bytes);
  });

  it('not UTF-8: a parse finding', () => {
    const f = join(dir, 'latin1.xml');
    writeFileSync(f, Buffer.from('<domain><name>caf\xe9</name></domain>', 'latin1'));
    const r = kvmxml(['lint', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not UTF-8');
  });

  it('a directory without XML files: exit 2', () => {
    const d = join(dir, 'emptydir');
    mkdirSync(d, { recursive: true });
    const r = kvmxml(['lint', d]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
  });

  it('a directory is searched for *.xml', () => {
    const d = join(dir, 'tree');
    mkdirSync(join(d, 'sub'), { recursive: true });
    copyFileSync(join(FIX, 'memtune-order/canonical.pass.xml'), join(d, 'sub', 'a.xml'));
    copyFileSync(join(FIX, 'xml-well-formed/bare-ampersand.fail.xml'), join(d, 'b.xml'));
    writeFileSync(join(d, 'notes.txt'), 'not xml');
    const r = kvmxml(['lint', '--format', 'json', d]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).map((x: { filePath: string }) => x.filePath.slice(d.length))).toEqual(['/b.xml', '/sub/a.xml']);
  });

  it('a 50 MB file is refused quickly without reading it', () => {
    const f = join(dir, 'huge.xml');
    const fd = openSync(f, 'w');
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
    const r = kvmxml(['lint', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('virsh reads at most');
  });

  it('a directory walk reads files of every size as naming them does (one read buffer, then growing, then the limit)', () => {
    const d = join(dir, 'walk-sizes');
    mkdirSync(d);
    const domain = (bytes: number) => {
      const head = "<domain type='kvm'>\n  <name>vm</name>\n  <memory unit='KiB'>1048576</memory>\n  <!-- ";
      const tail = " -->\n  <os><type arch='x86_64'>hvm</type></os>\n</domain>\n";
      return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
    };
    writeFileSync(join(d, 'a-just-below.xml'), domain(64 * 1024 - 1));
    writeFileSync(join(d, 'b-exact.xml'), domain(64 * 1024));
    writeFileSync(join(d, 'c-large.xml'), domain(300 * 1024));
    const fd = openSync(join(d, 'd-huge.xml'), 'w');
    ftruncateSync(fd, 11 * 1024 * 1024);
    closeSync(fd);
    const names = ['a-just-below.xml', 'b-exact.xml', 'c-large.xml', 'd-huge.xml'];
    const walked = kvmxml(['lint', '-f', 'json', d]);
    const named = kvmxml(['lint', '-f', 'json', ...names.map((n) => join(d, n))]);
    expect(walked.code).toBe(1);
    expect(walked.stdout).toBe(named.stdout);
    const results = JSON.parse(walked.stdout) as { filePath: string; messages: { ruleId: string | null; message: string }[] }[];
    expect(results.map((r) => r.filePath.slice(d.length + 1))).toEqual(names);
    for (const r of results.slice(0, 3)) expect(r.messages.filter((m) => m.ruleId === 'xml-well-formed')).toEqual([]);
    expect(results[3]?.messages[0]?.message).toBe('file is 11534336 bytes; virsh reads at most 10485760 bytes of XML, so libvirt never sees this definition');
  });

  it('a device without end (/dev/zero) is read only to one byte past the limit, and said to be larger', () => {
    const r = kvmxml(['lint', '/dev/zero', '-f', 'json']);
    expect(r.code).toBe(1);
    const [result] = JSON.parse(r.stdout) as { messages: { message: string; line: number; column: number }[] }[];
    expect(result?.messages).toMatchObject([{ line: 1, column: 1, message: 'file is more than 10485760 bytes; virsh reads at most 10485760 bytes of XML, so libvirt never sees this definition' }]);
  });

  it('a named pipe is read to its end', () => {
    const fifo = join(dir, 'pipe.xml');
    spawnSync('mkfifo', [fifo]);
    // The writer blocks until kvmxml opens the pipe for reading.
    const writer = spawn('sh', ['-c', `cat '${join(FIX, 'xml-well-formed/entity-bomb.fail.xml')}' > '${fifo}'`], { stdio: 'ignore' });
    const r = kvmxml(['lint', fifo, '-f', 'json']);
    writer.kill();
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { messages: { ruleId: string }[] }[])[0]?.messages[0]?.ruleId).toBe('xml-well-formed');
  });

  it('an entity bomb is refused, not expanded', () => {
    const r = kvmxml(['lint', join(FIX, 'xml-well-formed/entity-bomb.fail.xml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('entity declarations are not accepted');
  });

  it('a file whose root is not <domain> is skipped with a note', () => {
    const f = join(dir, 'net.xml');
    writeFileSync(f, "<network><name>default</name></network>\n");
    const r = kvmxml(['lint', f]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('skipped');
    expect(r.stderr).toContain('<network>');
  });

  it('unknown command and bad flags: exit 2', () => {
    expect(kvmxml(['frobnicate']).code).toBe(2);
    const r = kvmxml(['lint', '--rule', 'nonsense', 'x.xml']);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
  });
});

describe('config', () => {
  it('an invalid config is exit 2 with the path and the reason', () => {
    const d = join(dir, 'badcfg');
    mkdirSync(d, { recursive: true });
    copyFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), join(d, 'vm.xml'));
    writeFileSync(join(d, 'kvmxml.config.json'), JSON.stringify({ rules: { 'memtune-order': 'loud' } }));
    let r = kvmxml(['lint', join(d, 'vm.xml')]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('kvmxml.config.json');
    expect(r.stderr).toContain('/rules/memtune-order');
    writeFileSync(join(d, 'kvmxml.config.json'), '{ "rules": { ');
    r = kvmxml(['lint', join(d, 'vm.xml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid JSON');
    writeFileSync(join(d, 'kvmxml.config.json'), JSON.stringify({ rules: { 'memtune-ordr': 'off' } }));
    r = kvmxml(['lint', join(d, 'vm.xml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean 'memtune-order'");
  });

  it('severities from the nearest config, overridden by --rule; --no-config ignores it', () => {
    const d = join(dir, 'goodcfg', 'vms');
    mkdirSync(d, { recursive: true });
    copyFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), join(d, 'vm.xml'));
    writeFileSync(join(d, '..', 'kvmxml.config.json'), JSON.stringify({ rules: { 'memtune-order': 'error' } }));
    expect(kvmxml(['lint', join(d, 'vm.xml')]).code).toBe(1);
    expect(kvmxml(['lint', '--rule', 'memtune-order:off', join(d, 'vm.xml')]).code).toBe(0);
    expect(kvmxml(['lint', '--no-config', join(d, 'vm.xml')]).code).toBe(0);
  });

  it('inline disable comments silence a rule', () => {
    const f = join(dir, 'disabled.xml');
    const text = readFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), 'utf8').replace('  <memtune>', '  <!-- kvmxml-disable memtune-order -->\n  <memtune>');
    writeFileSync(f, text);
    const r = kvmxml(['lint', '--format', 'json', f]);
    expect(JSON.parse(r.stdout)[0].messages).toEqual([]);
  });
});

describe('fix', () => {
  it('rewrites atomically, keeps the mode, changes only what it must', () => {
    const f = join(dir, 'fixme.xml');
    copyFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), f);
    chmodSync(f, 0o640);
    const r = kvmxml(['fix', f]);
    expect(r.code).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe(readFileSync(join(FIX, 'memtune-order/reverse.fail.fixed.xml'), 'utf8'));
    expect(statSync(f).mode & 0o777).toBe(0o640);
  });

  it('leaves files with nothing to fix untouched (not even rewritten)', () => {
    const f = join(dir, 'clean.xml');
    copyFileSync(join(FIX, 'memtune-order/canonical.pass.xml'), f);
    const before = statSync(f);
    kvmxml(['fix', f]);
    const after = statSync(f);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
  });

  it('--dry-run prints a unified diff and writes nothing', () => {
    const f = join(dir, 'dry.xml');
    copyFileSync(join(FIX, 'memtune-order/reverse.fail.xml'), f);
    const before = readFileSync(f);
    const r = kvmxml(['fix', '--dry-run', f]);
    expect(r.stdout).toContain('--- a/');
    expect(r.stdout).toContain("+    <hard_limit unit=\"GiB\">1</hard_limit>");
    expect(readFileSync(f)).toEqual(before);
  });

  it('a malformed file is never written', () => {
    const f = join(dir, 'malformed.xml');
    copyFileSync(join(FIX, 'xml-well-formed/tutorial-snippet.fail.xml'), f);
    const before = readFileSync(f);
    expect(kvmxml(['fix', f]).code).toBe(1);
    expect(readFileSync(f)).toEqual(before);
  });

  it('works as a filter on stdin/stdout', () => {
    const input = readFileSync(join(FIX, 'memtune-order/crlf-bom-inline.fail.xml'));
    const r = spawnSync(process.execPath, [BIN, 'fix', '-'], { input, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(Buffer.compare(r.stdout, readFileSync(join(FIX, 'memtune-order/crlf-bom-inline.fail.fixed.xml')))).toBe(0);
    const lint = kvmxml(['lint', '-', '--stdin-filename', 'vm.xml'], { input });
    expect(lint.stdout).toContain('vm.xml');
    expect(lint.stdout).toContain('memtune-order');
  });
});

describe('--schema: the whole document against libvirt\'s RNG schema', () => {
  const typos = join(FIX, 'libvirt-schema', 'device-typos.fail.xml');
  const valid = join(FIX, 'libvirt-schema', 'valid.pass.xml');

  it('without --schema the libvirt-schema rule does not run (and libvirt\'s schema is not read)', () => {
    const r = kvmxml(['lint', '--no-config', '--format', 'json', typos]);
    const msgs = JSON.parse(r.stdout)[0].messages as { ruleId: string }[];
    expect(msgs.filter((m) => m.ruleId === 'libvirt-schema')).toEqual([]);
  });

  it('asking for the rule without a schema says once what it needs', () => {
    const r = kvmxml(['lint', '--no-config', '--rule', 'libvirt-schema:error', valid, typos]);
    oneLine(r.stderr);
    expect(r.stderr).toContain("libvirt-schema needs libvirt's RNG schema: add --schema");
  });

  it('a schema directory that is not there is said once; the other rules run and decide the exit code', () => {
    const r = kvmxml(['lint', '--no-config', '--schema=/nonexistent/schemas', valid, join(FIX, 'memtune-order', 'canonical.pass.xml')]);
    expect(r.code).toBe(0);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^kvmxml: libvirt-schema: no libvirt schema in \/nonexistent\/schemas \(domain\.rng not found\): install libvirt's schemas .*apt-get install libvirt0/);
  });

  it.skipIf(schemaMissing !== null)(`--schema alone uses the installed schema: findings with line and column, exit 1${schemaMissing ? ` (skipped: ${schemaMissing})` : ''}`, () => {
    const r = kvmxml(['lint', '--no-config', '--schema', typos]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain("15:7   error  <taget> is not an element <disk> may contain; did you mean <target>? virsh define --validate, virsh edit and virt-xml-validate reject the document (libvirt --validate: Extra element devices in interleave)  libvirt-schema [schema]");
    expect(kvmxml(['lint', '--no-config', '--schema', valid]).code).toBe(0);
  });

  it.skipIf(schemaMissing !== null)(`--schema DIR, a directory to lint after a bare --schema, and config "schema"${schemaMissing ? ` (skipped: ${schemaMissing})` : ''}`, () => {
    const count = (out: string) => (JSON.parse(out) as { messages: { ruleId: string }[] }[]).flatMap((f) => f.messages).filter((m) => m.ruleId === 'libvirt-schema').length;
    expect(count(kvmxml(['lint', '--no-config', '-f', 'json', '--schema', SCHEMA_DIR, typos]).stdout)).toBe(4);
    expect(count(kvmxml(['lint', '--no-config', '-f', 'json', '--schema', join(FIX, 'libvirt-schema')]).stdout)).toBe(7);
    const cfgDir = mkdtempSync(join(tmpdir(), 'kvmxml-schema-'));
    copyFileSync(typos, join(cfgDir, 'vm.xml'));
    writeFileSync(join(cfgDir, 'kvmxml.config.json'), JSON.stringify({ schema: SCHEMA_DIR }));
    expect(count(kvmxml(['lint', '-f', 'json', join(cfgDir, 'vm.xml')]).stdout)).toBe(4);
    writeFileSync(join(cfgDir, 'kvmxml.config.json'), JSON.stringify({ schema: true }));
    expect(count(kvmxml(['lint', '-f', 'json', join(cfgDir, 'vm.xml')]).stdout)).toBe(4);
    writeFileSync(join(cfgDir, 'kvmxml.config.json'), JSON.stringify({ schema: 3 }));
    const bad = kvmxml(['lint', join(cfgDir, 'vm.xml')]);
    expect(bad.code).toBe(2);
    oneLine(bad.stderr);
  });
});
