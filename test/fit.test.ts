/**
 * `kvmxml fit`: how a size is spelt, how the `<page>` list is rearranged per guest cell, the
 * search (fewest changes first, checked before it is kept), VMs fitted in order, and the command
 * as a process (write, --dry-run diff, the `-` filter, --format json, exit codes).
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { combinations } from '../src/fit/fit.js';
import { spellSize } from '../src/fit/moves.js';
import { fitBytes, type FitFileResult } from '../src/fit/run.js';
import type { HostSnapshot } from '../src/host/snapshot.js';
import { PROFILES, type ProfileId } from '../src/libvirt/profile.js';
import { HostPools } from '../src/predict/host-pools.js';
import { allActive, ROOT } from './helpers/fixtures.js';
import { isOneLine, runCli } from './helpers/run-cli.js';

const rules = allActive();
const TUTORIAL_HOST = join(ROOT, 'fixtures', 'check', 'tutorial-host.json');
const FIT = join(ROOT, 'fixtures', 'fit');
const tutorialHost = (): HostSnapshot => JSON.parse(readFileSync(TUTORIAL_HOST, 'utf8')) as HostSnapshot;

function fit(xml: string, host: HostSnapshot, opts: { pools?: HostPools; libvirt?: ProfileId } = {}): FitFileResult {
  return fitBytes(Buffer.from(xml), { filePath: 'vm.xml', lookup: join(ROOT, 'vm.xml'), rules, host, profile: PROFILES[opts.libvirt ?? '9.0'], pools: opts.pools ?? new HostPools(host) });
}

/** The tutorial host with other pools: per node, [2 MiB pages, 1 GiB pages]. */
function hostWith(node0: [number, number], node1: [number, number]): HostSnapshot {
  const h = tutorialHost();
  const sum = (i: 0 | 1) => node0[i] + node1[i];
  h.hugepages = [
    { sizeKiB: 2048, total: sum(0), free: sum(0), reserved: 0, surplus: 0, overcommit: 0 },
    { sizeKiB: 1048576, total: sum(1), free: sum(1), reserved: 0, surplus: 0, overcommit: 0 },
  ];
  h.nodes = (h.nodes ?? []).map((n, i) => {
    const [m2, g1] = i === 0 ? node0 : node1;
    return { ...n, hugepages: [{ sizeKiB: 2048, total: m2, free: m2, surplus: 0 }, { sizeKiB: 1048576, total: g1, free: g1, surplus: 0 }] };
  });
  return h;
}

const twoCells = (backing: string, numatune = '') => `<domain type='kvm'>
  <name>two-cells</name>
  <memory unit='GiB'>2</memory>
  <vcpu>2</vcpu>
  <memoryBacking>
    ${backing}
  </memoryBacking>${numatune}
  <cpu>
    <numa>
      <cell id='0' cpus='0' memory='1' unit='GiB'/>
      <cell id='1' cpus='1' memory='1' unit='GiB'/>
    </numa>
  </cpu>
</domain>
`;

describe('sizes in the file\'s own style', () => {
  it.each([
    // number, unit, target KiB → what changes
    ['2', null, 2048, { number: null, unit: 'MiB' }],
    ['2048', 'KB', 2048, { number: null, unit: 'KiB' }],
    ['2', 'MB', 2048, { number: null, unit: 'MiB' }],
    ['1', 'GB', 1048576, { number: null, unit: 'GiB' }],
    ['1048576', 'KiB', 2048, { number: '2048', unit: null }],
    ['4', 'MiB', 2048, { number: '2', unit: null }],
    ['1', 'G', 2048, { number: '2', unit: 'M' }],
    ['2', 'M', 1048576, { number: '1', unit: 'G' }],
  ] as const)('%s %s → %i KiB', (number, unit, target, want) => {
    expect(spellSize(number, unit, target, 'binary')).toEqual(want);
  });
  it('a unit added where there was none follows the document (letters)', () => {
    expect(spellSize('2', null, 2048, 'letter')).toEqual({ number: null, unit: 'M' });
  });
});

describe('the search tries fewer changes first', () => {
  it('every single change before any pair', () => {
    const all = [...combinations([2, 1])];
    expect(all).toEqual([[-1, -1], [0, -1], [1, -1], [-1, 0], [0, 0], [1, 0]]);
  });
});

describe('fitting the tutorial guest to the tutorial host (node 0: 4 × 1 GiB, node 1: 1024 × 2 MiB)', () => {
  it('7 GiB of huge pages on 6 GiB of pools cannot be fitted: nothing changes, the host-side suggestion stays', () => {
    const xml = readFileSync(join(ROOT, 'fixtures', 'check', 'tutorial-guest.xml'), 'utf8');
    const r = fit(xml, tutorialHost());
    expect(r.status).toBe('cannot-fit');
    expect(r.output).toBeUndefined();
    expect(r.edits).toEqual([]);
    expect(r.why).toBe('its huge page backing needs 7 GiB; the free huge pages it could use hold 6 GiB (1024 × 2 MiB, 4 × 1 GiB): no XML change makes it start without shrinking memory');
    expect(r.after).toEqual(r.before);
    expect(r.before.reasons[0]).toMatchObject({ line: 29, column: 29, suggestion: 'guest cell 5 needs 1 × 1 GiB pages, 0 available: allocate 1 more (echo 5 > /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages)' });
  });

  it('with a 1 GiB cell 4, one unbound cell moves to 2 MiB pages: its id leaves one nodeset and joins the other', () => {
    const xml = readFileSync(join(FIT, 'tutorial-guest-6g.xml'), 'utf8');
    const r = fit(xml, tutorialHost());
    expect(r.status).toBe('fitted');
    expect(r.changes).toEqual(['guest cell 3: 1 GiB pages → 2 MiB pages']);
    expect(r.output).toBe(xml.replace('nodeset="0-3,5"', 'nodeset="0-2,5"').replace('nodeset="4"', 'nodeset="3-4"'));
    expect(r.edits).toEqual([
      { line: 9, column: 40, endLine: 9, endColumn: 45, removed: '0-3,5', text: '0-2,5' },
      { line: 10, column: 40, endLine: 10, endColumn: 41, removed: '4', text: '3-4' },
    ]);
    expect(r.after.verdict).toBe('starts');
    expect(r.after.demand).toEqual([
      { pageSizeKiB: 1048576, hostNode: null, needed: 4, available: 4 },
      { pageSizeKiB: 1048576, hostNode: 0, needed: 3, available: 4 },
      { pageSizeKiB: 2048, hostNode: null, needed: 1024, available: 1024 },
      { pageSizeKiB: 2048, hostNode: 1, needed: 512, available: 512, availableHigh: 1024 },
    ]);
    // fitting the fitted file changes nothing
    expect(fit(r.output as string, tutorialHost())).toMatchObject({ status: 'unchanged', after: { verdict: 'starts' } });
  });

  it('the tutorial\'s "node1 and node2": every memnode moves to the host node that has its pages, mode kept', () => {
    const xml = readFileSync(join(FIT, 'tutorial-guest-host-nodes.xml'), 'utf8');
    const r = fit(xml, tutorialHost());
    expect(r.before.reasons[0]?.message).toContain('(libvirt: unsupported configuration: NUMA node 2 is unavailable)');
    expect(r.status).toBe('fitted');
    expect(r.output).toBe(xml.replace(/cellid='([0-3])' mode='strict' nodeset='1'/g, "cellid='$1' mode='strict' nodeset='0'").replace("cellid='4' mode='strict' nodeset='2'", "cellid='4' mode='strict' nodeset='1'"));
    expect(r.changes).toHaveLength(5);
  });
});

describe('rearranging the page list per guest cell', () => {
  it('a master page keeps the cells that stay; a cell that moves gets a new <page> after it, in the document\'s quotes and units', () => {
    const xml = twoCells("<hugepages>\n      <page size='1' unit='GiB'/>\n    </hugepages>");
    const r = fit(xml, hostWith([512, 1], [0, 0]));
    expect(r.status).toBe('fitted');
    expect(r.output).toBe(xml.replace("<page size='1' unit='GiB'/>", "<page size='1' unit='GiB'/>\n      <page size='2' unit='MiB' nodeset='0'/>"));
    expect(r.changes).toEqual(['guest cell 0: 1 GiB pages → 2 MiB pages']);
  });

  it('a master page whose cells all move changes its size alone', () => {
    const xml = twoCells("<hugepages>\n      <page size='1' unit='G'/>\n    </hugepages>");
    const r = fit(xml, hostWith([1024, 0], [0, 0]));
    expect(r.output).toBe(xml.replace("<page size='1' unit='G'/>", "<page size='2' unit='M'/>"));
    expect(r.changes).toEqual(['guest cell 0: 1 GiB pages → 2 MiB pages', 'guest cell 1: 1 GiB pages → 2 MiB pages']);
  });

  it('<hugepages/> of a default size the host cannot give gets the page size it can, as a child', () => {
    const xml = twoCells('<hugepages/>');
    const r = fit(xml, hostWith([0, 2], [0, 0]));
    expect(r.before.verdict).toBe('fails');
    expect(r.output).toBe(xml.replace('<hugepages/>', "<hugepages>\n      <page size='1' unit='GiB'/>\n    </hugepages>"));
  });

  it('<hugepages/> whose cells part ways: the default size is written out for the cells that stay', () => {
    const xml = twoCells('<hugepages/>');
    const r = fit(xml, hostWith([512, 1], [0, 0]));
    expect(r.status).toBe('fitted');
    expect(r.output).toBe(xml.replace('<hugepages/>', "<hugepages>\n      <page size='2' unit='MiB'/>\n      <page size='1' unit='GiB' nodeset='0'/>\n    </hugepages>"));
    expect(r.changes).toEqual(['guest cell 0: 2 MiB pages → 1 GiB pages']);
  });

  it('a page emptied by the move is removed, with its line', () => {
    const xml = twoCells("<hugepages>\n      <page size='2' unit='M' nodeset='0-1'/>\n      <page size='1' unit='G' nodeset='0'/>\n    </hugepages>".replace("nodeset='0-1'", "nodeset='1'"));
    const r = fit(xml, hostWith([1024, 0], [0, 0]));
    expect(r.status).toBe('fitted');
    expect(r.output).toBe(xml.replace("nodeset='1'", "nodeset='0-1'").replace("\n      <page size='1' unit='G' nodeset='0'/>", ''));
  });

  it('keeps the <numatune> mode and binds a strict cell to the node that has its pages', () => {
    const xml = twoCells("<hugepages>\n      <page size='2' unit='M'/>\n    </hugepages>", "\n  <numatune>\n    <memnode cellid='0' mode='strict' nodeset='0'/>\n    <memnode cellid='1' mode='strict' nodeset='0'/>\n  </numatune>");
    const r = fit(xml, hostWith([512, 0], [512, 0]));
    expect(r.status).toBe('fitted');
    expect(r.output).toBe(xml.replace("cellid='0' mode='strict' nodeset='0'", "cellid='0' mode='strict' nodeset='1'"));
    expect(r.changes).toEqual(["<memnode cellid='0'>: host node(s) 0 → 1"]);
  });
});

describe('VMs fitted in order take their pages', () => {
  it('the second VM gets what the first left: another page size, or none at all', () => {
    const h = hostWith([512, 1], [0, 0]);
    const pools = new HostPools(h);
    const one = "<hugepages>\n      <page size='1' unit='G'/>\n    </hugepages>";
    const a = fit(twoCells(one).replace('two-cells', 'a'), h, { pools });
    expect(a.status).toBe('fitted');
    const b = fit(twoCells(one).replace('two-cells', 'b'), h, { pools });
    expect(b.status).toBe('cannot-fit');
    expect(b.why).toMatch(/^its huge page backing needs 2 GiB; the free huge pages it could use hold nothing \(0 × 2 MiB, 0 × 1 GiB\)/);
  });
});

describe('what fit does not do', () => {
  it('a VM that starts, or whose start the host cannot tell, is left alone', () => {
    const xml = readFileSync(join(ROOT, 'fixtures', 'check', 'tutorial-guest.xml'), 'utf8');
    const five = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'check', 'tutorial-host-5x1g.json'), 'utf8')) as HostSnapshot;
    expect(fit(xml, five)).toMatchObject({ status: 'unchanged', before: { verdict: 'starts' }, edits: [] });
  });
  it('a definition libvirt refuses is not fitted', () => {
    const r = fit(twoCells("<hugepages>\n      <page size='1' unit='G' nodeset='7'/>\n    </hugepages>"), hostWith([1024, 0], [0, 0]));
    expect(r.status).toBe('cannot-fit');
    expect(r.why).toMatch(/^libvirt refuses the definition itself/);
  });
  it('a failure outside memory backing (CPU pinning) is said to be so', () => {
    const xml = twoCells("<hugepages>\n      <page size='2' unit='M'/>\n    </hugepages>").replace('<vcpu>2</vcpu>', "<vcpu cpuset='900'>2</vcpu>");
    const h = hostWith([1024, 0], [0, 0]);
    h.onlineCpus = [0, 1, 2, 3];
    const r = fit(xml, h);
    expect(r.status).toBe('cannot-fit');
    expect(r.why).toBe('the start fails at a step no memory configuration change helps with (CPU pinning)');
  });
});

describe('kvmxml fit as a process', () => {
  const sandbox = () => {
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-fit-'));
    copyFileSync(join(FIT, 'tutorial-guest-6g.xml'), join(d, 'web.xml'));
    copyFileSync(join(ROOT, 'fixtures', 'check', 'tutorial-guest.xml'), join(d, 'db.xml'));
    copyFileSync(TUTORIAL_HOST, join(d, 'host.json'));
    return d;
  };

  it('writes the fitted file (mode kept), leaves the one it cannot fit byte for byte, exit 1', () => {
    const d = sandbox();
    chmodSync(join(d, 'web.xml'), 0o640);
    const dbBefore = readFileSync(join(d, 'db.xml'));
    const r = runCli(['fit', '--host', 'host.json', 'web.xml', 'db.xml'], { cwd: d });
    expect(r.code).toBe(1);
    expect(readFileSync(join(d, 'web.xml'), 'utf8')).toContain('<page size="2" unit="M" nodeset="3-4"/>');
    expect(statSync(join(d, 'web.xml')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(d, 'db.xml')).equals(dbBefore)).toBe(true);
    expect(r.stdout).toContain('web.xml: fails → starts (fitted)\n  guest cell 3: 1 GiB pages → 2 MiB pages\n');
    // web.xml took every page before db.xml
    expect(r.stdout).toContain('db.xml: fails, cannot be fitted: its huge page backing needs 7 GiB; the free huge pages it could use hold nothing (0 × 2 MiB, 0 × 1 GiB): no XML change makes it start without shrinking memory\n');
    expect(r.stdout).toContain('1 fitted, 1 cannot be fitted, 0 unchanged');
  });

  it('--dry-run prints the diff and writes nothing; exit 0 when every VM starts', () => {
    const d = sandbox();
    const before = readFileSync(join(d, 'web.xml'));
    const r = runCli(['fit', '--dry-run', '--host', 'host.json', 'web.xml'], { cwd: d });
    expect(r.code).toBe(0);
    expect(readFileSync(join(d, 'web.xml')).equals(before)).toBe(true);
    expect(r.stdout).toContain('--- a/web.xml\n+++ b/web.xml\n');
    expect(r.stdout).toContain('-      <page size="1" unit="G" nodeset="0-3,5"/>\n-      <page size="2" unit="M" nodeset="4"/>\n+      <page size="1" unit="G" nodeset="0-2,5"/>\n+      <page size="2" unit="M" nodeset="3-4"/>\n');
    expect(r.stdout).toContain('web.xml: fails → starts (would be fitted)');
  });

  it('- is a filter: the fitted document on standard output, the report on standard error', () => {
    const d = sandbox();
    const xml = readFileSync(join(d, 'web.xml'), 'utf8');
    const r = runCli(['fit', '--host', 'host.json', '-'], { cwd: d, input: xml });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(xml.replace('nodeset="0-3,5"', 'nodeset="0-2,5"').replace('nodeset="4"', 'nodeset="3-4"'));
    expect(r.stderr).toContain('<stdin>: fails → starts (would be fitted)');
  });

  it('the filter gives back what it cannot fit byte for byte, and keeps a BOM and CRLF where it fits', () => {
    const d = sandbox();
    const db = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(readFileSync(join(d, 'db.xml'), 'utf8').replace(/\n/g, '\r\n'))]);
    const kept = runCli(['fit', '--host', 'host.json', '-'], { cwd: d, input: db });
    expect(kept.code).toBe(1);
    expect(Buffer.from(kept.stdout, 'utf8').equals(db)).toBe(true);
    const web = '\uFEFF' + readFileSync(join(d, 'web.xml'), 'utf8').replace(/\n/g, '\r\n');
    const fitted = runCli(['fit', '--host', 'host.json', '-'], { cwd: d, input: web });
    expect(fitted.code).toBe(0);
    expect(fitted.stdout).toBe(web.replace('nodeset="0-3,5"', 'nodeset="0-2,5"').replace('nodeset="4"', 'nodeset="3-4"'));
  });

  it('--format json: verdicts before and after, the changes, the edits, the demand after', () => {
    const d = sandbox();
    const r = runCli(['fit', '--dry-run', '-f', 'json', '--host', 'host.json', 'web.xml', 'db.xml'], { cwd: d });
    expect(r.code).toBe(1);
    const [web, db] = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(web).toMatchObject({ filePath: 'web.xml', libvirt: '9.0', status: 'fitted', before: { verdict: 'fails' }, after: { verdict: 'starts', reasons: [] }, changes: ['guest cell 3: 1 GiB pages → 2 MiB pages'] });
    expect(web!.edits).toEqual([
      { line: 9, column: 40, endLine: 9, endColumn: 45, removed: '0-3,5', text: '0-2,5' },
      { line: 10, column: 40, endLine: 10, endColumn: 41, removed: '4', text: '3-4' },
    ]);
    expect((web!.demand as unknown[]).length).toBe(4);
    expect(typeof web!.output).toBe('string');
    expect(db).toMatchObject({ status: 'cannot-fit', before: { verdict: 'fails' }, after: { verdict: 'fails' }, edits: [] });
    expect(db!.output).toBeUndefined();
  });

  it('bad input is one line and exit 2', () => {
    const d = sandbox();
    const missing = runCli(['fit', '--host', 'nope.json', 'web.xml'], { cwd: d });
    expect(missing.code).toBe(2);
    expect(isOneLine(missing.stderr)).toBe(true);
    const both = runCli(['fit', '--host', '-', '-'], { cwd: d, input: '{}' });
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('kvmxml: standard input cannot be both the host (--host -) and a file (-): it can be read only once\n');
    writeFileSync(join(d, 'ro.xml'), readFileSync(join(d, 'web.xml')));
    chmodSync(join(d, 'ro.xml'), 0o444);
    const ro = runCli(['fit', '--host', 'host.json', 'ro.xml'], { cwd: d });
    expect(ro.code).toBe(2);
    expect(ro.stderr).toMatch(/^kvmxml: not writing 'ro.xml': it is read-only/);
  });
});
