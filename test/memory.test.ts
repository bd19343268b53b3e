/** Derived memory sizes (src/domain/memory.ts): totals (R4.2), alignment (R4.4), charged RAM (R3.6). */
import { describe, expect, it } from 'vitest';
import { alignedMemory, chargedRam, memoryTotals, ramRegions, sizeSites } from '../src/domain/memory.js';
import { buildDomainModel } from '../src/domain/model.js';
import { parseXml } from '../src/xml/document.js';

function model(body: string) {
  const parsed = parseXml(`<domain type='kvm'><name>t</name>${body}</domain>`);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return buildDomainModel(parsed.doc.root);
}

const cells = (...c: string[]) => `<vcpu>${c.length}</vcpu><cpu><numa>${c.map((m, i) => `<cell id='${i}' cpus='${i}' ${m}/>`).join('')}</numa></cpu>`;
const dimm = (size: string, extra = '') => `<memory model='dimm'>${extra}<target><size unit='MiB'>${size}</size><node>0</node></target></memory>`;

describe('memoryTotals (R4.2)', () => {
  it('uses <memory> without cells', () => {
    expect(memoryTotals(model("<memory unit='MiB'>64</memory>"))).toMatchObject({ totalKiB: 65536n, fromCells: false, initialKiB: 65536n });
  });
  it('replaces <memory> by the cells plus devices', () => {
    const t = memoryTotals(model(`<memory unit='MiB'>1000</memory>${cells("memory='32' unit='MiB'", "memory='32' unit='MiB'")}<devices>${dimm('128')}</devices>`));
    expect(t).toMatchObject({ cellsKiB: 65536n, devicesKiB: 131072n, totalKiB: 196608n, fromCells: true, initialKiB: 65536n });
  });
  it('falls back to <memory> when every cell is 0', () => {
    expect(memoryTotals(model(`<memory unit='MiB'>64</memory>${cells("memory='0'")}`))).toMatchObject({ totalKiB: 65536n, fromCells: false });
  });
  it('absent or empty <memory> is 0, unparsable is unknown', () => {
    expect(memoryTotals(model('')).totalKiB).toBe(0n);
    expect(memoryTotals(model("<memory unit='MiB'></memory>")).totalKiB).toBe(0n);
    expect(memoryTotals(model('<memory>64M</memory>')).totalKiB).toBeNull();
  });
});

describe('alignedMemory (R4.4)', () => {
  it('rounds initial memory up to 1 MiB', () => {
    expect(alignedMemory(model("<memory unit='KiB'>65537</memory>")).initial).toEqual({ kib: 65537n, aligned: 66560n, overflow: false });
    expect(alignedMemory(model("<memory unit='MB'>256</memory>")).initial?.aligned).toBe(250880n);
  });
  it('sums individually aligned cells and rounds DIMMs to 2 MiB', () => {
    const a = alignedMemory(model(`<maxMemory slots='2' unit='GiB'>1</maxMemory>${cells("memory='33000'", "memory='33000'")}<devices>${dimm('3')}</devices>`));
    expect(a.cells.map((c) => c?.aligned)).toEqual([33792n, 33792n]);
    expect(a.initial?.aligned).toBe(67584n);
    expect(a.devices[0]?.aligned).toBe(4096n);
    expect(a.totalKiB).toBe(67584n + 4096n);
  });
  it('flags overflows past 2^53 − 1 KiB', () => {
    expect(alignedMemory(model("<memory>9007199254740991</memory>")).initial?.overflow).toBe(true);
    expect(alignedMemory(model("<memory>9007199254739968</memory>")).initial?.overflow).toBe(false);
    expect(alignedMemory(model(cells("memory='9007199254740991'"))).cells[0]?.overflow).toBe(true);
  });
  it('uses 256 MiB on ppc64', () => {
    expect(alignedMemory(model("<memory unit='MiB'>300</memory><os><type arch='ppc64le'>hvm</type></os>")).initial?.aligned).toBe(512n * 1024n);
  });
});

describe('ramRegions / chargedRam (R1.9, R3.6)', () => {
  it('non-NUMA guest without huge pages: all of it is charged', () => {
    expect(chargedRam(model("<memory unit='GiB'>4</memory>"))).toEqual({ ordinaryKiB: 4194304n, hugeKiB: 0n });
  });
  it('<hugepages/> backs everything, a 4 KiB page nothing', () => {
    expect(chargedRam(model("<memory unit='GiB'>4</memory><memoryBacking><hugepages/></memoryBacking>"))).toEqual({ ordinaryKiB: 0n, hugeKiB: 4194304n });
    expect(chargedRam(model("<memory unit='GiB'>4</memory><memoryBacking><hugepages><page size='4' unit='KiB'/></hugepages></memoryBacking>"))).toEqual({ ordinaryKiB: 4194304n, hugeKiB: 0n });
  });
  it('per cell: nodeset page, else master page, else ordinary', () => {
    const d = model(`<memoryBacking><hugepages><page size='2048' nodeset='1'/></hugepages></memoryBacking>${cells("memory='1' unit='GiB'", "memory='2' unit='GiB'")}`);
    expect(ramRegions(d)?.map((r) => [r.name, r.pageKiB])).toEqual([['cell 0', null], ['cell 1', 2048]]);
    expect(chargedRam(d)).toEqual({ ordinaryKiB: 1048576n, hugeKiB: 2097152n });
  });
  it('a DIMM uses its own pagesize, else its target cell', () => {
    const d = model(`<maxMemory slots='2' unit='GiB'>8</maxMemory><memoryBacking><hugepages><page size='2048'/></hugepages></memoryBacking>${cells("memory='1' unit='GiB'")}<devices>${dimm('512', "<source><pagesize unit='KiB'>4</pagesize></source>")}${dimm('256')}</devices>`);
    expect(ramRegions(d)?.map((r) => r.pageKiB)).toEqual([2048, null, 2048]);
  });
});

describe('sizeSites', () => {
  it('lists every size libvirt reads, in its parse order, and skips what it ignores', () => {
    const d = model(`<memory unit='GiB'>4</memory><memory>1</memory><currentMemory>1</currentMemory><maxMemory slots='2'>9</maxMemory>
      <memoryBacking><hugepages><page size='2048'/></hugepages><page size='4'/></memoryBacking>
      <memtune><soft_limit>1</soft_limit><hard_limit>2</hard_limit><hard_limit>3</hard_limit></memtune>
      ${cells("memory='1'")}<devices>${dimm('1', "<source><pagesize>2048</pagesize></source>")}</devices>`);
    expect(sizeSites(d).map((s) => s.label)).toEqual([
      '<memory>',
      '<currentMemory>',
      '<maxMemory>',
      '<page> size',
      '<hard_limit>',
      '<soft_limit>',
      'NUMA cell 0 memory',
      'memory device 0 (dimm) <pagesize>',
      'memory device 0 (dimm) <size>',
    ]);
  });
});
