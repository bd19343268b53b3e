/**
 * The derived huge page views (src/domain/hugepages.ts): page list after libvirt's rewrite, page
 * size per cell, memory backends with alignment, and page counts. Expected values are libvirt
 * 9.0 / QEMU 7.2 behaviour (spec R1.4–R1.22, R4.4, R6.5), most of them observed on the lab host.
 */
import { describe, expect, it } from 'vitest';
import {
  defaultPageSizeOf,
  effectivePages,
  isCopyOf,
  memoryBackends,
  pageForCell,
  pagesDefineError,
  pagesNeeded,
  resolvedPageSize,
} from '../src/domain/hugepages.js';
import { rules } from '../rules/index.js';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { buildDomainModel, type DomainModel } from '../src/domain/model.js';
import { guestCells } from '../src/domain/numa.js';
import type { HostSnapshot } from '../src/host/snapshot.js';
import { lintText } from '../src/engine/lint.js';
import { parseXml } from '../src/xml/document.js';
import { allActive } from './helpers/fixtures.js';
import { loadCases, type LoadedCase } from './libvirt/corpus.js';

function modelOf(xml: string): DomainModel {
  const parsed = parseXml(xml);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return buildDomainModel(parsed.doc.root);
}

const model = (inner: string): DomainModel => modelOf(`<domain type='qemu'><name>t</name>${inner}</domain>`);

const cells = (...mib: number[]): string =>
  `<cpu><numa>${mib.map((m, i) => `<cell id='${i}' cpus='${i}' memory='${m}' unit='MiB'/>`).join('')}</numa></cpu>`;

const hp = (pages: string, extra = ''): string => `<memoryBacking><hugepages>${pages}</hugepages>${extra}</memoryBacking>`;

/** What `virsh define` prints for the page list, or null. */
function defineError(d: DomainModel): string | null {
  const e = pagesDefineError(effectivePages(d), d.cells.length);
  return e ? renderLibvirtError(e) : null;
}

describe('effectivePages (R1.4–R1.6)', () => {
  it('is empty without <hugepages>', () => {
    expect(effectivePages(model(`<memory unit='MiB'>64</memory>`))).toEqual([]);
    expect(effectivePages(model(`<memoryBacking><page size='2048'/></memoryBacking>`))).toEqual([]);
  });

  it('reads <hugepages/> as one master page of size 0 (the default size)', () => {
    const [p, ...rest] = effectivePages(model(`<memoryBacking><hugepages/></memoryBacking>`));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ def: null, sizeKiB: 0, master: true, cells: null });
  });

  it('converts sizes to KiB and keeps document order across <hugepages> copies', () => {
    const d = model(`<memoryBacking><hugepages><page size='1' unit='G' nodeset='1'/></hugepages></memoryBacking>
      <memoryBacking><hugepages><page size='2' unit='MB'/></hugepages></memoryBacking>${cells(64, 64)}`);
    expect(effectivePages(d).map((p) => [p.sizeKiB, p.cells, p.master])).toEqual([
      [1048576, [1], false],
      [1954, null, true],
    ]);
  });

  it("drops nodeset='0' on a guest without NUMA cells, and only that set", () => {
    const noNuma = effectivePages(model(hp(`<page size='2048' nodeset='0'/><page size='2048' nodeset='0,^1'/><page size='2048' nodeset='0-1'/>`)));
    expect(noNuma.map((p) => [p.nodesetDropped, p.master, p.cells])).toEqual([
      [true, true, null],
      [true, true, null],
      [false, false, [0, 1]],
    ]);
    const numa = effectivePages(model(hp(`<page size='2048' nodeset='0'/>`) + cells(64)));
    expect(numa[0]).toMatchObject({ nodesetDropped: false, master: false, cells: [0] });
  });

  it('flags unreadable sizes and nodesets', () => {
    const ps = effectivePages(model(hp(`<page size='0'/><page size='x'/><page unit='M'/><page size='2048' nodeset='a'/><page size='2048' nodeset='1,^1'/>`)));
    expect(ps.map((p) => [p.sizeProblem, p.nodesetInvalid])).toEqual([
      ['zero', false],
      ['invalid', false],
      ['absent', false],
      [null, true],
      [null, true],
    ]);
  });
});

describe('pagesDefineError: what virsh define prints (observed)', () => {
  it.each([
    ['no NUMA, nodeset 0-1', hp(`<page size='2048' nodeset='0-1'/>`), 'hugepages: node 0 not found'],
    ['five cells, nodeset 0-3,5', hp(`<page size='1' unit='G' nodeset='0-3,5'/><page size='2' unit='M' nodeset='4'/>`) + cells(1024, 1024, 1024, 1024, 1024), 'hugepages: node 5 not found'],
    ['overlap, later size first', hp(`<page size='2048' nodeset='0-1'/><page size='1048576' nodeset='1'/>`) + cells(64, 64), 'nodeset attribute of hugepages of sizes 1048576 and 2048 intersect'],
    ['two masters, later size first', hp(`<page size='2048'/><page size='1048576'/>`), 'two master hugepages detected: 1048576 and 2048'],
    ['master + rewritten nodeset 0', hp(`<page size='1' unit='G'/><page size='2' unit='M' nodeset='0'/>`), 'two master hugepages detected: 2048 and 1048576'],
    ['zero size', hp(`<page size='0' unit='G'/>`), "hugepage size can't be zero"],
    ['empty set', hp(`<page size='2048' nodeset='0,^0'/>`), "unsupported configuration: Invalid value of 'nodeset': 0,^0"],
    ['bad set', hp(`<page size='2048' nodeset='1-'/>`) + cells(64, 64), "invalid argument: Failed to parse bitmap '1-'"],
    ['unit', hp(`<page size='2' unit='Mi'/>`), "invalid argument: unknown suffix 'Mi'"],
  ])('%s', (_name, xml, want) => {
    expect(defineError(model(xml))).toBe(want);
  });

  it.each([
    ['six cells (the intended tutorial form)', hp(`<page size='1' unit='G' nodeset='0-3,5'/><page size='2' unit='M' nodeset='4'/>`) + cells(1024, 1024, 1024, 1024, 1024, 1024)],
    ["nodeset='0' without NUMA", hp(`<page size='2048' nodeset='0'/>`)],
    ['master plus nodeset pages', hp(`<page size='2048'/><page size='1048576' nodeset='1'/>`) + cells(64, 64)],
    ['same size, disjoint sets', hp(`<page size='2048' nodeset='0'/><page size='2048' nodeset='1'/>`) + cells(64, 64)],
    ['<hugepages/>', `<memoryBacking><hugepages/></memoryBacking>`],
  ])('accepts %s', (_name, xml) => {
    expect(defineError(model(xml))).toBeNull();
  });
});

describe('pageForCell (R1.9)', () => {
  const d = model(hp(`<page size='2048' nodeset='0,2'/><page size='1048576'/><page size='4' nodeset='3'/><page size='2048' nodeset='2'/>`) + cells(64, 64, 64, 64));
  const pages = effectivePages(d);
  it('takes the first page whose nodeset names the cell, else the master page', () => {
    expect([0, 1, 2, 3].map((c) => pageForCell(pages, c)?.sizeKiB)).toEqual([2048, 1048576, 2048, 4]);
    expect(pageForCell(pages, null)?.sizeKiB).toBe(1048576);
  });
  it('gives null when nothing covers the cell', () => {
    const only = effectivePages(model(hp(`<page size='2048' nodeset='0-2,^1'/>`) + cells(64, 64, 64)));
    expect([0, 1, 2].map((c) => pageForCell(only, c)?.sizeKiB ?? null)).toEqual([2048, null, 2048]);
  });
});

describe('isCopyOf', () => {
  it('matches same size and same set, however written', () => {
    const [a, b, c] = effectivePages(model(hp(`<page size='2048' nodeset='0-1'/><page size='2' unit='MiB' nodeset='1,0'/><page size='2048' nodeset='0'/>`) + cells(64, 64)));
    expect(isCopyOf(b!, a!)).toBe(true);
    expect(isCopyOf(c!, a!)).toBe(false);
  });
});

describe('memoryBackends (R1.22, R4.4, R6.5 steps 1–3)', () => {
  it('gives a guest without NUMA one pc.ram backend aligned to 1 MiB', () => {
    const [b, ...rest] = memoryBackends(model(`<memory unit='MB'>256</memory>` + hp(`<page size='2' unit='M'/>`)));
    expect(rest).toEqual([]);
    expect(b).toMatchObject({ id: 'pc.ram', kind: 'ram', cell: null, definedKiB: 250000, sizeKiB: 250880, pageSizeKiB: 2048, source: 'file', prealloc: true, needsMount: true });
  });

  it('gives each cell its backend, sorted by id, each with its own page size', () => {
    const d = model(
      hp(`<page size='1' unit='G' nodeset='1'/><page size='2' unit='M' nodeset='0'/>`) +
        `<cpu><numa><cell id='1' cpus='1' memory='1' unit='GiB'/><cell id='0' cpus='0' memory='33000' unit='KiB'/><cell id='2' cpus='2' memory='16' unit='MiB'/></numa></cpu>`,
    );
    expect(memoryBackends(d).map((b) => [b.id, b.cell, b.sizeKiB, b.pageSizeKiB, b.source])).toEqual([
      ['ram-node0', 0, 33792, 2048, 'file'],
      ['ram-node1', 1, 1048576, 1048576, 'file'],
      ['ram-node2', 2, 16384, null, 'anonymous'],
    ]);
  });

  it("keeps 'default' for <hugepages/> and null (with its origin) for a 4 KiB page", () => {
    const d = model(hp(`<page size='2048' nodeset='0'/><page size='4' nodeset='1'/>`) + cells(64, 64));
    const [c0, c1] = memoryBackends(d);
    expect(c0!.pageSizeKiB).toBe(2048);
    expect(c1).toMatchObject({ pageSizeKiB: null, prealloc: false, needsMount: false });
    expect(c1!.pageOrigin?.kind).toBe('page');
    const def = memoryBackends(model(`<memory unit='MiB'>64</memory><memoryBacking><hugepages/></memoryBacking>`));
    expect(def[0]).toMatchObject({ pageSizeKiB: 'default', needsMount: true });
  });

  it('names memory devices after their slot and aligns them to 2 MiB', () => {
    const dimm = (extra: string, size: string, pagesize = ''): string =>
      `<memory model='dimm'>${pagesize ? `<source><pagesize unit='KiB'>${pagesize}</pagesize></source>` : ''}<target><size unit='KiB'>${size}</size><node>0</node></target>${extra}</memory>`;
    const d = model(
      `<maxMemory slots='8' unit='GiB'>16</maxMemory>` +
        hp(`<page size='2' unit='M'/>`) +
        cells(1024) +
        `<devices>${dimm(`<address type='dimm' slot='0'/>`, '3072')}${dimm('', '1048576', '1048576')}${dimm('', '524288', '0')}<memory model='virtio-mem'><target><size unit='MiB'>512</size><node>0</node><block unit='MiB'>2</block></target></memory></devices>`,
    );
    expect(memoryBackends(d).map((b) => [b.id, b.kind, b.cell, b.sizeKiB, b.pageSizeKiB])).toEqual([
      ['ram-node0', 'cell', 0, 1048576, 2048],
      ['memdimm0', 'device', 0, 4096, 2048],
      ['memdimm1', 'device', 0, 1048576, 1048576],
      // pagesize 0 is "not set": the device inherits its cell's page.
      ['memdimm2', 'device', 0, 524288, 2048],
      ['memvirtiomem0', 'device', 0, 524288, 2048],
    ]);
  });

  it('takes the backend family from source and access (R1.15, R1.16)', () => {
    const fam = (inner: string): string[] => memoryBackends(model(`<memory unit='MiB'>64</memory>` + inner)).map((b) => b.source);
    expect(fam(hp(`<page size='2048'/>`, `<source type='memfd'/>`))).toEqual(['memfd']);
    expect(fam(`<memoryBacking><source type='memfd'/></memoryBacking>`)).toEqual(['memfd']);
    expect(fam(`<memoryBacking><source type='file'/></memoryBacking>`)).toEqual(['file']);
    expect(fam(`<memoryBacking><access mode='shared'/></memoryBacking>`)).toEqual(['file']);
    expect(fam(``)).toEqual(['anonymous']);
    const withCells = memoryBackends(model(`<memoryBacking><access mode='private'/></memoryBacking><cpu><numa><cell id='0' cpus='0' memory='64' unit='MiB' memAccess='shared'/><cell id='1' cpus='1' memory='64' unit='MiB'/></numa></cpu>`));
    expect(withCells.map((b) => [b.access, b.source])).toEqual([
      ['shared', 'file'],
      ['private', 'file'],
    ]);
  });

  it('needs no mount for memfd with an explicit size, but does for the default size', () => {
    const b = (pages: string): boolean => memoryBackends(model(`<memory unit='MiB'>64</memory>` + `<memoryBacking><hugepages>${pages}</hugepages><source type='memfd'/></memoryBacking>`))[0]!.needsMount;
    expect(b(`<page size='2048'/>`)).toBe(false);
    expect(b(``)).toBe(true);
  });

  it('carries the host node binding that applies (R5.5)', () => {
    const d = model(cells(64, 64) + `<numatune><memory mode='interleave' nodeset='0-1'/><memnode cellid='1' mode='strict' nodeset='1'/></numatune>`);
    expect(memoryBackends(d).map((b) => [b.binding?.source, b.binding?.mode, b.binding?.hostNodes])).toEqual([
      ['memory', 'interleave', [0, 1]],
      ['memnode', 'strict', [1]],
    ]);
    expect(memoryBackends(model(`<memory unit='MiB'>64</memory>`))[0]!.binding).toMatchObject({ kind: 'ram', source: null, hostNodes: null });
  });
});

describe('pagesNeeded (R1.13, R6.5 step 5; observed counts)', () => {
  const pages = (xml: string, def: number | null = null): (number | null)[] => memoryBackends(model(xml)).map((b) => pagesNeeded(b, def));
  it.each([
    ['65 MiB on 2 MiB pages', `<memory unit='MiB'>65</memory>` + hp(`<page size='2048'/>`), [33]],
    ['17 MiB on 2 MiB pages', `<memory unit='MiB'>17</memory>` + hp(`<page size='2048'/>`), [9]],
    ['100 MB on 2 MiB pages', `<memory unit='MB'>100</memory>` + hp(`<page size='2048'/>`), [48]],
    ['1536 MiB on 1 GiB pages', `<memory unit='MiB'>1536</memory>` + hp(`<page size='1' unit='G'/>`), [2]],
  ])('%s', (_n, xml, want) => {
    expect(pages(xml)).toEqual(want);
  });

  it('counts the intended tutorial form: five 1 GiB pages and 512 pages of 2 MiB', () => {
    expect(pages(hp(`<page size='1' unit='G' nodeset='0-3,5'/><page size='2' unit='M' nodeset='4'/>`) + cells(1024, 1024, 1024, 1024, 1024, 1024))).toEqual([1, 1, 1, 1, 512, 1]);
  });

  it('needs the host default for <hugepages/>', () => {
    const xml = `<memory unit='MiB'>64</memory><memoryBacking><hugepages/></memoryBacking>`;
    expect(pages(xml)).toEqual([null]);
    expect(pages(xml, 2048)).toEqual([32]);
    expect(resolvedPageSize(memoryBackends(model(xml))[0]!, 1048576)).toBe(1048576);
  });
});

describe('defaultPageSizeOf (R2.3)', () => {
  const host = (defaultKiB: number | null, mounts: (number | null)[] | null): HostSnapshot =>
    ({
      defaultHugepageSizeKiB: defaultKiB,
      mounts: mounts?.map((s, i) => ({ path: `/hp${i}`, device: 'hugetlbfs', pageSizeKiB: s, pageSizeExplicit: true, sizeLimitKiB: null, minSizeKiB: null, nrInodes: null, options: '' })) ?? null,
    }) as unknown as HostSnapshot;
  it('prefers the mount of the kernel default size, else the first mount', () => {
    expect(defaultPageSizeOf(host(2048, [1048576, 2048]))).toBe(2048);
    expect(defaultPageSizeOf(host(2048, [1048576]))).toBe(1048576);
    expect(defaultPageSizeOf(host(null, [1048576, 2048]))).toBe(1048576);
  });
  it('is unknown without a host or without mounts', () => {
    expect(defaultPageSizeOf(null)).toBeNull();
    expect(defaultPageSizeOf(host(2048, []))).toBeNull();
    expect(defaultPageSizeOf(host(2048, null))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Agreement with real libvirt: the conformance corpus (fixtures/conformance, labelled by
// libvirt 9.0 / QEMU 7.2 on the lab host).

/** Failures another rule family owns: host facts (mounts, pools) and sizes libvirt cannot read. */
const OWNED_ELSEWHERE: Record<string, string> = {
  'hp-1g-without-1g-mount': 'hugetlbfs mount of a real size missing on the host (start prediction)',
  'hp-default-no-mount': 'no hugetlbfs mount on the host (start prediction)',
  'hp-memfd-default-no-mount': 'no hugetlbfs mount on the host (start prediction)',
  'hp-one-page-short': 'pool shortage (start prediction)',
  'hp-missing-size': 'size-value',
  'tut-snippet-malformed': 'xml-well-formed',
};

const hugepageRules = rules.filter((r) => r.meta.id.startsWith('hugepage-'));
const corpus = loadCases().filter((c) => /^(hp|tut)-|^ign-page-/.test(c.name) && c.label);

/** The default huge page size of a case's lab host (R2.3; the lab kernel's default is 2 MiB). */
function caseDefaultPage(c: LoadedCase): number | null {
  const sizeOf = (p: string | undefined): number => (p === undefined ? 2048 : p === '1G' ? 1048576 : p === '2M' ? 2048 : NaN);
  const mounts = c.case.host?.mounts ?? [];
  const flagged = mounts.find((m) => sizeOf(m.pagesize) === 2048) ?? mounts[0];
  return flagged ? sizeOf(flagged.pagesize) : null;
}

describe('hugepage rules agree with real libvirt (fixtures/conformance)', () => {
  it('has labelled cases', () => expect(corpus.length).toBeGreaterThan(50));
  for (const c of corpus) {
    const label = c.label!;
    it(c.name, () => {
      const found = lintText(c.xml, { filePath: 'domain.xml', rules: allActive(hugepageRules), host: null }).messages;
      const failure = !label.define.ok ? { stage: 'define', error: label.define.error } : label.start && !label.start.ok ? { stage: 'start', error: label.start.error } : null;
      if (failure && OWNED_ELSEWHERE[c.name]) return;
      if (failure) {
        // The QEMU line, without the `-device {…}: ` prefix QEMU puts before errors of one device.
        const qemu = /qemu-system-x86_64: (.*)$/.exec(failure.error)?.[1]?.replace(/^-(?:device|object) \{.*?\}: /, '');
        const quote = qemu ? `(QEMU: ${qemu})` : `(libvirt: ${failure.error})`;
        const hit = found.find((m) => m.stage === failure.stage && m.severity === 2 && m.message.includes(quote));
        expect(hit, `a ${failure.stage} error quoting "${quote}"; got ${JSON.stringify(found.map((m) => `${m.ruleId} ${m.stage}: ${m.message}`))}`).toBeDefined();
      } else {
        // What plain define accepts may still fail `--validate` (schema): that is an error too.
        const errors = found.filter((m) => m.severity === 2 && m.stage !== 'schema');
        expect(errors.map((m) => `${m.ruleId}: ${m.message}`)).toEqual([]);
      }
    });
  }
});

describe('pagesNeeded matches the pages QEMU mapped (fixtures/conformance)', () => {
  const started = corpus.filter((c) => c.label!.start?.ok && c.label!.hugepagesUsed);
  it('has started cases with page counts', () => expect(started.length).toBeGreaterThan(15));
  for (const c of started) {
    it(c.name, () => {
      const d = modelOf(c.xml);
      const used: Record<string, number> = {};
      for (const b of memoryBackends(d)) {
        const page = resolvedPageSize(b, caseDefaultPage(c));
        const n = pagesNeeded(b, caseDefaultPage(c));
        if (page !== null && n !== null) used[String(page)] = (used[String(page)] ?? 0) + n;
      }
      expect(used).toEqual(c.label!.hugepagesUsed);
    });
  }
});

describe("a cell written id='+1' (fixtures/conformance/numa-cell-id-plus-sign)", () => {
  const d = model(
    `<memory unit='MiB'>96</memory><vcpu>2</vcpu>${hp(`<page size='2048' unit='KiB' nodeset='1'/>`)}<cpu><numa><cell id='+1' cpus='1' memory='64' unit='MiB'/><cell id='0' cpus='0' memory='32' unit='MiB'/></numa></cpu>`,
  );
  it('is cell 1 in the model, the NUMA layout and the backends alike', () => {
    expect(d.cells.map((c) => c.id)).toEqual([1, 0]);
    expect(guestCells(d).byId?.map((c) => c.cell.index)).toEqual([1, 0]);
    expect(memoryBackends(d).map((b) => [b.id, b.definedKiB, b.pageSizeKiB])).toEqual([
      ['ram-node0', 32768, null],
      ['ram-node1', 65536, 2048],
    ]);
    expect(defineError(d)).toBeNull();
  });
  it('needs the 32 pages QEMU mapped in the lab', () => {
    expect(memoryBackends(d).map((b) => pagesNeeded(b))).toEqual([null, 32]);
  });
});
