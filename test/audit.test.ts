/**
 * `kvmxml audit` as a process, with a stand-in `virsh` on PATH that answers from files: the
 * domains libvirt would list and dump, and for a remote URI its capabilities and free pages.
 * (test/libvirt/audit.test.ts runs the same command against real libvirt.)
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { isOneLine, runCli } from './helpers/run-cli.js';

const TUTORIAL_HOST = join(ROOT, 'fixtures', 'check', 'tutorial-host.json');

const FAKE_VIRSH = `#!/bin/sh
# Answers like virsh from the files in $FAKE_VIRSH_DIR; logs each call.
echo "$*" >> "$FAKE_VIRSH_DIR/calls"
[ -f "$FAKE_VIRSH_DIR/fail" ] && { cat "$FAKE_VIRSH_DIR/fail" >&2; exit 1; }
[ "$1" = "-c" ] && shift 2
case "$1 $2" in
  "list --all") cat "$FAKE_VIRSH_DIR/all" ;;
  "list --state-running") cat "$FAKE_VIRSH_DIR/running" ;;
  "dumpxml --inactive") cat "$FAKE_VIRSH_DIR/$3.xml" 2>/dev/null || { echo "error: failed to get domain '$3'" >&2; exit 1; } ;;
  "capabilities ") cat "$FAKE_VIRSH_DIR/capabilities.xml" ;;
  "freepages --all") cat "$FAKE_VIRSH_DIR/freepages.txt" ;;
  "version --daemon") cat "$FAKE_VIRSH_DIR/version" 2>/dev/null || { echo "error: this virsh has no daemon version" >&2; exit 1; } ;;
  *) echo "error: unexpected arguments: $*" >&2; exit 1 ;;
esac
`;

let bin: string;
let data: string;
beforeAll(() => {
  const d = mkdtempSync(join(tmpdir(), 'kvmxml-audit-'));
  bin = join(d, 'bin');
  data = join(d, 'libvirt');
  mkdirSync(bin);
  mkdirSync(data);
  writeFileSync(join(bin, 'virsh'), FAKE_VIRSH);
  chmodSync(join(bin, 'virsh'), 0o755);
  writeFileSync(join(data, 'all'), 'web\ndb\nidle\n\n');
  writeFileSync(join(data, 'running'), 'db\n\n');
  copyFileSync(join(ROOT, 'fixtures', 'check', 'tutorial-guest.xml'), join(data, 'web.xml'));
  copyFileSync(join(ROOT, 'fixtures', 'rules', 'memtune-order', 'reverse.fail.xml'), join(data, 'db.xml'));
  copyFileSync(join(ROOT, 'fixtures', 'rules', 'memtune-order', 'canonical.pass.xml'), join(data, 'idle.xml'));
  copyFileSync(join(ROOT, 'fixtures', 'hosts', 'virsh', 'capabilities-two-nodes.xml'), join(data, 'capabilities.xml'));
  copyFileSync(join(ROOT, 'fixtures', 'hosts', 'virsh', 'freepages-two-nodes.txt'), join(data, 'freepages.txt'));
});

const audit = (args: string[], extra: Record<string, string> = {}) => {
  writeFileSync(join(data, 'calls'), '');
  const r = runCli(['audit', ...args], { cwd: data, env: { PATH: `${bin}:${process.env.PATH}`, FAKE_VIRSH_DIR: data, ...extra } });
  return { ...r, calls: readFileSync(join(data, 'calls'), 'utf8').trim().split('\n') };
};

describe('kvmxml audit', () => {
  it('lints every defined domain and start-checks the stopped ones, by domain name', () => {
    const r = audit(['--host', TUTORIAL_HOST, '-f', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { domain: string; filePath: string; verdict: string; errorCount: number; warningCount: number; reasons?: { message: string }[] }[];
    expect(out.map((d) => [d.domain, d.verdict])).toEqual([
      ['db', 'running'],
      ['idle', 'starts'],
      ['web', 'fails'],
    ]);
    expect(out.map((d) => d.filePath)).toEqual(['db', 'idle', 'web']);
    const web = out.find((d) => d.domain === 'web')!;
    expect(web.reasons![0]!.message).toContain('unable to map backing store for guest RAM: Cannot allocate memory');
    expect(web.errorCount).toBe(1); // host-start, the same prediction as a lint rule
    expect(out.find((d) => d.domain === 'db')!.warningCount).toBe(1);
    expect(r.calls).toEqual(['list --all --name', 'list --state-running --name', 'version --daemon', 'dumpxml --inactive db', 'dumpxml --inactive idle', 'dumpxml --inactive web']);
  });

  it('stylish: the findings per domain, then each stopped domain\'s verdict', () => {
    const r = audit(['--host', TUTORIAL_HOST]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\ndb\n {2}6:5 {2}warning {2}<swap_hard_limit> is out of order/);
    expect(r.stdout).toContain('\nStart on this host:\n  idle: starts\n');
    expect(r.stdout).toContain('  web: fails\n');
    expect(r.stdout).toContain('  db: running (not start-checked: its memory is already taken from the host)\n');
  });

  it('sarif, github and junit name each finding by its domain', () => {
    const gh = audit(['--host', TUTORIAL_HOST, '-f', 'github']);
    expect(gh.stdout).toMatch(/^::warning file=db,line=6,col=5,/m);
    expect(gh.stdout).toMatch(/^::error file=web,line=29,col=29,.*title=host-start::/m);
    const sarif = JSON.parse(audit(['--host', TUTORIAL_HOST, '-f', 'sarif']).stdout);
    expect(sarif.runs[0].results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0]!.physicalLocation.artifactLocation.uri)).toEqual(['db', 'web']);
    const junit = audit(['--host', TUTORIAL_HOST, '-f', 'junit']).stdout;
    expect(junit).toContain('<testcase classname="idle" name="idle" file="idle"/>');
    expect(junit).toContain('name="web:29:29 host-start"');
  });

  it('--connect goes to every virsh call; a remote URI is checked against its own capabilities and free pages', () => {
    const r = audit(['--connect', 'qemu+ssh://hv1/system', '-f', 'json']);
    expect(r.calls).toEqual([
      '-c qemu+ssh://hv1/system list --all --name',
      '-c qemu+ssh://hv1/system list --state-running --name',
      '-c qemu+ssh://hv1/system version --daemon',
      '-c qemu+ssh://hv1/system capabilities',
      '-c qemu+ssh://hv1/system freepages --all',
      '-c qemu+ssh://hv1/system dumpxml --inactive db',
      '-c qemu+ssh://hv1/system dumpxml --inactive idle',
      '-c qemu+ssh://hv1/system dumpxml --inactive web',
    ]);
    expect(r.stderr).toBe('');
    // capabilities (pool sizes) and freepages (free pages per node): 5 × 1 GiB needed, 4 in all.
    const web = (JSON.parse(r.stdout) as { domain: string; verdict: string; reasons: { message: string }[] }[]).find((d) => d.domain === 'web')!;
    expect(web.verdict).toBe('fails');
    expect(web.reasons[0]!.message).toContain('unable to map backing store for guest RAM');
  });

  it('a local URI (or none) is checked against this machine\'s own snapshot', () => {
    const r = audit(['--connect', 'qemu:///system', '-f', 'json']);
    expect(r.calls.some((c) => c.includes('capabilities'))).toBe(false);
    expect(r.code === 0 || r.code === 1).toBe(true);
    expect((JSON.parse(r.stdout) as { domain: string }[]).map((d) => d.domain)).toEqual(['db', 'idle', 'web']);
  });

  it("judges the domains as the daemon's libvirt would: virsh version --daemon, unless --libvirt or the config says", () => {
    const versionFile = join(data, 'version');
    const judged = (r: { stdout: string }) => (JSON.parse(r.stdout) as { libvirt: string }[]).map((d) => d.libvirt);
    try {
      writeFileSync(versionFile, 'Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 10.0.2\nRunning against daemon: 11.3.0\n\n');
      expect(judged(audit(['--host', TUTORIAL_HOST, '-f', 'json']))).toEqual(['11.3', '11.3', '11.3']);
      expect(audit(['--host', TUTORIAL_HOST]).stdout).toContain('Judged as libvirt 11.3 + QEMU 10.0');
      const flagged = audit(['--host', TUTORIAL_HOST, '-f', 'json', '--libvirt', '9.0']);
      expect(judged(flagged)).toEqual(['9.0', '9.0', '9.0']);
      expect(flagged.calls).not.toContain('version --daemon');
      writeFileSync(join(data, 'kvmxml.config.json'), JSON.stringify({ libvirt: '9.0' }));
      try {
        expect(judged(audit(['--host', TUTORIAL_HOST, '-f', 'json']))).toEqual(['9.0', '9.0', '9.0']);
      } finally {
        unlinkSync(join(data, 'kvmxml.config.json'));
      }
      // a version kvmxml has no profile of: the default, as for a host snapshot of one
      writeFileSync(versionFile, 'Running against daemon: 10.0.0\n');
      expect(judged(audit(['--host', TUTORIAL_HOST, '-f', 'json']))).toEqual(['9.0', '9.0', '9.0']);
    } finally {
      unlinkSync(versionFile);
    }
    // a virsh that cannot say (the stand-in fails the call): the default, and no error
    const r = audit(['--host', TUTORIAL_HOST, '-f', 'json']);
    expect(judged(r)).toEqual(['9.0', '9.0', '9.0']);
    expect(r.stderr).toBe('');
  });

  it('virsh failing (no daemon) is exit 2 with virsh\'s words, in one line', () => {
    writeFileSync(join(data, 'fail'), "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n");
    try {
      const r = audit([]);
      expect(r.code).toBe(2);
      expect(isOneLine(r.stderr)).toBe(true);
      expect(r.stderr).toBe("kvmxml: audit: virsh list --all --name failed: failed to connect to the hypervisor: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n");
    } finally {
      unlinkSync(join(data, 'fail'));
    }
  });

  it('a --libvirt kvmxml has no profile of is exit 2, one line, before virsh is asked', () => {
    const r = audit(['--libvirt', '10.0']);
    expect(r.code).toBe(2);
    expect(isOneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain('libvirt');
    expect(r.calls).toEqual(['']);
  });

  it('no virsh at all is exit 2, one line', () => {
    const r = runCli(['audit'], { env: { PATH: '/nonexistent' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kvmxml: audit: cannot run virsh: not found on PATH (install libvirt-clients)\n');
  });
});
