/**
 * Guest NUMA cells and <numatune> as libvirt 9.0 resolves them (src/domain/numa.ts): cell ids,
 * vCPU completion, the recomputed <memory>, placement defaulting, and the host nodeset and mode
 * of every memory backend (spec R5.2, R5.5, R6.1, R6.2, R4.2). The expected values were checked
 * against real libvirt 9.0 (virsh define + dumpxml --inactive, and the conformance corpus).
 */
import { describe, expect, it } from 'vitest';
import { buildDomainModel, type DomainModel } from '../src/domain/model.js';
import {
  backendBindings,
  completedCellCpus,
  guestCells,
  hostNodesetUses,
  maxVcpus,
  needsNumad,
  resolveNumatune,
} from '../src/domain/numa.js';
import { parseUInt } from '../src/domain/values.js';
import { memoryTotals } from '../src/domain/memory.js';
import { parseXml } from '../src/xml/document.js';

function model(parts: { vcpu?: string; memory?: string; numatune?: string; cells?: string; devices?: string }): DomainModel {
  const text = [
    "<domain type='qemu'>",
    '<name>t</name>',
    parts.memory ?? "<memory unit='MiB'>64</memory>",
    parts.vcpu ?? '<vcpu>4</vcpu>',
    parts.numatune ?? '',
    "<os><type arch='x86_64' machine='pc'>hvm</type></os>",
    parts.cells === undefined ? '' : `<cpu><numa>${parts.cells}</numa></cpu>`,
    parts.devices ? `<devices>${parts.devices}</devices>` : '',
    '</domain>',
  ].join('\n');
  const r = parseXml(text);
  if (!r.ok) throw new Error(r.problem.message);
  return buildDomainModel(r.doc.root);
}

const TWO = "<cell id='0' cpus='0-1' memory='32' unit='MiB'/><cell id='1' cpus='2-3' memory='32' unit='MiB'/>";

describe('parseUInt (virXMLPropUInt)', () => {
  it.each([
    ['0', 0],
    ['7', 7],
    [' 1', 1],
    ['+0', 0],
    ['4294967295', 4294967295],
  ])('%j → %d', (s, v) => expect(parseUInt(s)).toBe(v));
  it.each(['', 'x', '-1', '1 ', '1x', '4294967296', '0x1', ' '])('%j is invalid', (s) => expect(parseUInt(s)).toBeNull());
});

describe('maxVcpus', () => {
  it('reads <vcpu>, ignoring current=', () => expect(maxVcpus(model({ vcpu: "<vcpu current='1'>6</vcpu>" }))).toBe(6));
  it('is 1 without <vcpu>', () => expect(maxVcpus(model({ vcpu: '' }))).toBe(1));
  it('is null for text libvirt rejects', () => expect(maxVcpus(model({ vcpu: '<vcpu>four</vcpu>' }))).toBeNull());
});

describe('guestCells', () => {
  it('uses the id, else the position', () => {
    const l = guestCells(model({ cells: "<cell id='1' memory='1'/><cell memory='1'/>" }));
    expect(l.cells.map((c) => c.id)).toEqual([1, 1]);
    expect(l.idsValid).toBe(false);
    expect(l.byId).toBeNull();
  });
  it('accepts ids in any order and indexes the cells by id', () => {
    const l = guestCells(model({ cells: "<cell id='1' cpus='2' memory='1'/><cell id=' 0' cpus='0' memory='1'/>" }));
    expect(l.idsValid).toBe(true);
    expect(l.byId?.map((c) => c.cell.index)).toEqual([1, 0]);
  });
  it('rejects ids that do not start at 0, and ids that do not parse', () => {
    expect(guestCells(model({ cells: "<cell id='1' memory='1'/><cell id='2' memory='1'/>" })).idsValid).toBe(false);
    expect(guestCells(model({ cells: "<cell id='x' memory='1'/>" })).cells[0]?.id).toBeNull();
  });
  it('keeps cpus: null when absent or unparsable, [] when empty after removals', () => {
    const l = guestCells(model({ cells: "<cell memory='1'/><cell cpus='all' memory='1'/><cell cpus='0,^0' memory='1'/>" }));
    expect(l.cells.map((c) => c.cpus)).toEqual([null, null, []]);
  });
});

describe('completedCellCpus (R6.2)', () => {
  it('adds the unlisted vCPUs to cell 0', () => {
    const r = completedCellCpus(model({ vcpu: '<vcpu>6</vcpu>', cells: TWO }));
    expect(r?.cpus).toEqual([
      [0, 1, 4, 5],
      [2, 3],
    ]);
    expect(r?.addedToCell0).toEqual([4, 5]);
  });
  it('completes cell 0 even when it is written second (dumpxml: cpus=0,2-3)', () => {
    const r = completedCellCpus(model({ cells: "<cell id='1' cpus='1' memory='1'/><cell id='0' cpus='0' memory='1'/>" }));
    expect(r?.cpus[0]).toEqual([0, 2, 3]);
  });
  it('gives cell 0 every vCPU when no cell lists any', () => {
    const r = completedCellCpus(model({ vcpu: '<vcpu>2</vcpu>', cells: "<cell memory='1'/><cell memory='1'/>" }));
    expect(r?.cpus).toEqual([[0, 1], []]);
  });
  it('changes nothing when all vCPUs are listed', () => {
    expect(completedCellCpus(model({ cells: TWO }))?.addedToCell0).toEqual([]);
  });
  it('is null when the cells are invalid', () => {
    expect(completedCellCpus(model({ cells: "<cell id='1' memory='1'/>" }))).toBeNull();
    expect(completedCellCpus(model({}))).toBeNull();
  });
});

describe('memoryTotals with guest NUMA cells (R4.2)', () => {
  // The <memory> libvirt stores: the cells (plus memory devices) when they add up to more than 0.
  const stored = (d: DomainModel): bigint | null => {
    const t = memoryTotals(d);
    return t.fromCells ? t.totalKiB : null;
  };
  it('is the sum of the cells', () => expect(stored(model({ memory: "<memory unit='MiB'>1000</memory>", cells: TWO }))).toBe(65536n));
  it('adds memory devices', () => {
    const dimm = "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>";
    expect(stored(model({ cells: TWO, devices: dimm }))).toBe(65536n + 131072n);
  });
  it('is not taken from the cells without cells, with an invalid cell size, or when the cells sum to 0', () => {
    expect(stored(model({}))).toBeNull();
    expect(stored(model({ cells: "<cell memory='1G'/>" }))).toBeNull();
    expect(stored(model({ cells: "<cell memory='0'/>" }))).toBeNull();
  });
});

describe('resolveNumatune (R5.1, R5.2)', () => {
  it('nothing specified without <numatune>', () => {
    const nt = resolveNumatune(model({}));
    expect(nt.specified).toBe(false);
    expect(nt.errors).toEqual([]);
  });
  it('a bare <memory/> specifies nothing', () => {
    expect(resolveNumatune(model({ numatune: '<numatune><memory/></numatune>' })).specified).toBe(false);
  });
  it('nodeset → static, mode defaults to strict', () => {
    const nt = resolveNumatune(model({ numatune: "<numatune><memory nodeset='0-1'/></numatune>" }));
    expect(nt).toMatchObject({ specified: true, mode: 'strict', placement: 'static', nodeset: [0, 1], errors: [] });
  });
  it('mode without nodeset defaults to static and fails', () => {
    const nt = resolveNumatune(model({ numatune: "<numatune><memory mode='interleave'/></numatune>" }));
    expect(nt.errors.map((e) => e.kind)).toEqual(['static-without-nodeset']);
    expect(nt.errors[0]?.error.text).toBe("nodeset for NUMA memory tuning must be set if 'placement' is 'static'");
  });
  it("mode without nodeset is auto with <vcpu placement='auto'>", () => {
    const nt = resolveNumatune(model({ vcpu: "<vcpu placement='auto'>2</vcpu>", numatune: "<numatune><memory mode='interleave' placement='default'/></numatune>" }));
    expect(nt).toMatchObject({ specified: true, mode: 'interleave', placement: 'auto', autoFromVcpu: true, errors: [] });
  });
  it("<vcpu placement='auto'> without <numatune> implies strict auto", () => {
    const nt = resolveNumatune(model({ vcpu: "<vcpu placement='auto'>2</vcpu>" }));
    expect(nt).toMatchObject({ specified: true, mode: 'strict', placement: 'auto', autoFromVcpu: true });
  });
  it("<vcpu placement='auto'> with a bare <memory/> implies nothing", () => {
    expect(resolveNumatune(model({ vcpu: "<vcpu placement='auto'>2</vcpu>", numatune: '<numatune><memory/></numatune>' })).specified).toBe(false);
  });
  it('auto drops the nodeset', () => {
    const nt = resolveNumatune(model({ numatune: "<numatune><memory placement='auto' nodeset='0'/></numatune>" }));
    expect(nt).toMatchObject({ placement: 'auto', nodeset: null, nodesetDropped: true, autoFromVcpu: false });
  });
  it('collects every <memory> error in libvirt order', () => {
    const nt = resolveNumatune(model({ numatune: "<numatune><memory mode='Strict' placement='x' nodeset='0-'/></numatune>" }));
    expect(nt.errors.map((e) => e.kind)).toEqual(['mode', 'placement', 'nodeset']);
    expect(nt.errors.map((e) => e.error.text)).toEqual(["Unsupported NUMA memory tuning mode 'Strict'", "Unsupported NUMA memory placement mode 'x'", "Failed to parse bitmap '0-'"]);
  });
  it('resolves memnodes (missing mode = strict)', () => {
    const nt = resolveNumatune(model({ cells: TWO, numatune: "<numatune><memnode cellid='1' nodeset='0'/><memnode cellid='a' mode='bind'/></numatune>" }));
    expect(nt.memnodes.map((m) => [m.cellid, m.mode, m.nodeset])).toEqual([
      [1, 'strict', [0]],
      [null, null, null],
    ]);
  });
});

describe('needsNumad', () => {
  it('for auto memory placement and for auto vCPU placement', () => {
    expect(needsNumad(model({ numatune: "<numatune><memory placement='auto'/></numatune>" }))).toBe(true);
    expect(needsNumad(model({ vcpu: "<vcpu placement='auto'>2</vcpu>", numatune: "<numatune><memory nodeset='0'/></numatune>" }))).toBe(true);
    expect(needsNumad(model({ numatune: "<numatune><memory nodeset='0'/></numatune>" }))).toBe(false);
  });
});

describe('backendBindings (R5.5)', () => {
  it('pc.ram takes the domain-wide nodeset and mode', () => {
    const b = backendBindings(model({ numatune: "<numatune><memory mode='interleave' nodeset='0-1'/></numatune>" }));
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ kind: 'ram', cellId: null, hostNodes: [0, 1], source: 'memory', mode: 'interleave', policy: 'interleave' });
  });
  it('no numatune: strict without nodes or policy', () => {
    expect(backendBindings(model({}))[0]).toMatchObject({ kind: 'ram', hostNodes: null, source: null, mode: 'strict', policy: null });
  });
  it('cells in id order; memnode wins over <memory>, mode per cell', () => {
    const b = backendBindings(
      model({
        cells: "<cell id='1' cpus='2-3' memory='32' unit='MiB'/><cell id='0' cpus='0-1' memory='32' unit='MiB'/>",
        numatune: "<numatune><memory mode='preferred' nodeset='0'/><memnode cellid='1' mode='strict' nodeset='1'/></numatune>",
      }),
    );
    expect(b.map((x) => [x.kind, x.cellId, x.hostNodes, x.source, x.mode, x.policy])).toEqual([
      ['cell', 0, [0], 'memory', 'preferred', 'preferred'],
      ['cell', 1, [1], 'memnode', 'strict', 'bind'],
    ]);
  });
  it('memnode without domain-wide <memory>: other cells get nothing', () => {
    const b = backendBindings(model({ cells: TWO, numatune: "<numatune><memnode cellid='1' mode='interleave' nodeset='0'/></numatune>" }));
    expect(b.map((x) => [x.cellId, x.hostNodes, x.mode, x.policy])).toEqual([
      [0, null, 'strict', null],
      [1, [0], 'interleave', 'interleave'],
    ]);
  });
  it('restrictive passes no QEMU policy', () => {
    const b = backendBindings(model({ numatune: "<numatune><memory mode='restrictive' nodeset='0'/></numatune>" }));
    expect(b[0]).toMatchObject({ hostNodes: [0], mode: 'restrictive', policy: null });
  });
  it('auto placement: numad decides', () => {
    const b = backendBindings(model({ cells: TWO, numatune: "<numatune><memory mode='interleave' placement='auto'/></numatune>" }));
    expect(b.map((x) => [x.source, x.hostNodes, x.policy])).toEqual([
      ['numad', null, 'interleave'],
      ['numad', null, 'interleave'],
    ]);
  });
  it("memory devices: <nodemask> first, else the target cell's memnode, else <memory>", () => {
    const dimm = (node: number, mask = ''): string =>
      `<memory model='dimm'>${mask ? `<source><nodemask>${mask}</nodemask></source>` : ''}<target><size unit='MiB'>128</size><node>${node}</node></target></memory>`;
    const b = backendBindings(
      model({
        cells: TWO,
        numatune: "<numatune><memory mode='strict' nodeset='0'/><memnode cellid='1' mode='preferred' nodeset='1'/></numatune>",
        devices: dimm(0, '2-3') + dimm(1) + dimm(0),
      }),
    );
    expect(b.filter((x) => x.kind === 'device').map((x) => [x.cellId, x.hostNodes, x.source, x.mode])).toEqual([
      [0, [2, 3], 'nodemask', 'strict'],
      [1, [1], 'memnode', 'preferred'],
      [0, [0], 'memory', 'strict'],
    ]);
  });
  it('is empty when define would fail', () => {
    expect(backendBindings(model({ cells: "<cell id='1' memory='1'/>" }))).toEqual([]);
    expect(backendBindings(model({ numatune: "<numatune><memory mode='x' nodeset='0'/></numatune>" }))).toEqual([]);
  });
});

describe('hostNodesetUses (R5.4 order)', () => {
  it('with cells, the domain-wide nodeset is checked first even when every cell has a memnode', () => {
    const uses = hostNodesetUses(
      model({ cells: TWO, numatune: "<numatune><memory nodeset='1'/><memnode cellid='0' mode='strict' nodeset='0'/><memnode cellid='1' mode='strict' nodeset='0'/></numatune>" }),
    );
    expect(uses.map((u) => [u.use, u.cellId, u.nodes, u.origin.kind === 'attr' ? u.origin.owner.name : u.origin.name])).toEqual([
      ['domain', null, [1], 'memory'],
      ['cell', 0, [0], 'memnode'],
      ['cell', 1, [0], 'memnode'],
    ]);
  });
  it('without cells, the pc.ram nodeset', () => {
    expect(hostNodesetUses(model({ numatune: "<numatune><memory mode='interleave' nodeset='0,2'/></numatune>" })).map((u) => u.nodes)).toEqual([[0, 2]]);
  });
  it('auto placement names nothing', () => {
    expect(hostNodesetUses(model({ numatune: "<numatune><memory placement='auto' nodeset='5'/></numatune>" }))).toEqual([]);
  });
});
