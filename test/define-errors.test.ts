/**
 * The table of define errors (src/libvirt/define-errors.ts): each error has exactly one rule that
 * reports it, that rule exists, and the rules that depend on it stay silent where it holds while
 * the named rule speaks.
 */
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { DEFINE_ERRORS, defineError, refused, START_FAILURES_REPORTED_WITHOUT_HOST } from '../src/libvirt/define-errors.js';
import { buildDomainModel } from '../src/domain/model.js';
import { lintText } from '../src/engine/lint.js';
import { parseXml } from '../src/xml/document.js';
import { allActive } from './helpers/fixtures.js';
import { resolve } from '../src/libvirt/resolution.js';
import { effectivePages, memoryBackends } from '../src/domain/hugepages.js';
import { guestCells } from '../src/domain/numa.js';

const domain = (inner: string): string => `<domain type='kvm'><name>t</name><memory unit='GiB'>4</memory><vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>${inner}</domain>`;
const modelOf = (xml: string) => {
  const parsed = parseXml(xml);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return buildDomainModel(parsed.doc.root);
};
const ruleIdsFound = (xml: string): string[] => [...new Set(lintText(xml, { filePath: 'domain.xml', rules: allActive(), host: null }).messages.map((m) => m.ruleId ?? ''))];

describe('DEFINE_ERRORS', () => {
  it('names the rules that report start failures without a host, and they exist', () => {
    const known = new Set(rules.map((r) => r.meta.id));
    for (const s of START_FAILURES_REPORTED_WITHOUT_HOST) expect(known.has(s.rule), `${s.step} → ${s.rule}`).toBe(true);
  });

  it('names each error once, each with a registered rule', () => {
    const ids = DEFINE_ERRORS.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const known = new Set(rules.map((r) => r.meta.id));
    for (const e of DEFINE_ERRORS) expect(known.has(e.rule), `${e.id} → ${e.rule}`).toBe(true);
  });

  it("cell-ids: numa-cell-id reports ids libvirt refuses; distances and HMAT stay silent", () => {
    const xml = domain(
      "<cpu><numa><cell id='1' cpus='0' memory='2' unit='GiB'><distances><sibling id='7' value='10'/></distances></cell><cell id='2' cpus='1' memory='2' unit='GiB'/></numa></cpu>",
    );
    expect(refused(modelOf(xml), 'cell-ids')).toBe(true);
    const found = ruleIdsFound(xml);
    expect(found).toContain(defineError('cell-ids').rule);
    expect(found).not.toContain('numa-distances');
    // With the ids fixed, the bad sibling is reported.
    const fixed = xml.replace("id='1' cpus='0'", "id='0' cpus='0'").replace("id='2'", "id='1'");
    expect(refused(modelOf(fixed), 'cell-ids')).toBe(false);
    expect(ruleIdsFound(fixed)).toContain('numa-distances');
  });

  it('size-unreadable is about one value: an unreadable <hard_limit>, not an absent one', () => {
    const bad = modelOf(domain('<memtune><hard_limit unit="GiB">lots</hard_limit></memtune>'));
    expect(refused(bad, 'size-unreadable', bad.memtune?.limits.hard_limit)).toBe(true);
    const empty = modelOf(domain('<memtune><hard_limit unit="GiB"></hard_limit></memtune>'));
    expect(refused(empty, 'size-unreadable', empty.memtune?.limits.hard_limit)).toBe(false);
    expect(ruleIdsFound(domain('<memoryBacking><locked/></memoryBacking><memtune><hard_limit unit="GiB">lots</hard_limit></memtune>'))).not.toContain('locked-memory-limit');
  });

  it("max-memory-slots: memory-max reports slots='x'; memory-device-hotplug stays silent", () => {
    const xml = domain("<maxMemory slots='x' unit='GiB'>8</maxMemory><devices><memory model='dimm'><target><size unit='GiB'>1</size><node>0</node></target></memory></devices>");
    expect(refused(modelOf(xml), 'max-memory-slots')).toBe(true);
    const found = ruleIdsFound(xml);
    expect(found).toContain(defineError('max-memory-slots').rule);
    expect(found).not.toContain('memory-device-hotplug');
  });

  it('page-copy: duplicate-memory-element reports a repeated page; the master-page rule stays silent', () => {
    const xml = domain("<memoryBacking><hugepages><page size='2' unit='MiB'/><page size='2' unit='MiB'/></hugepages></memoryBacking>");
    const found = ruleIdsFound(xml);
    expect(found).toContain(defineError('page-copy').rule);
    expect(found).not.toContain('hugepage-master-pages');
    // Two different master pages are the master-page rule's finding.
    expect(ruleIdsFound(xml.replace("<page size='2' unit='MiB'/></hugepages>", "<page size='1' unit='GiB'/></hugepages>"))).toContain('hugepage-master-pages');
  });

  it('cells-overlapping-cpus: numa-cell-cpus-overlap reports it; nothing is said about completing cell 0', () => {
    const xml = domain("<cpu><numa><cell id='0' cpus='1' memory='2' unit='GiB'/><cell id='1' cpus='1' memory='2' unit='GiB'/></numa></cpu>").replace('<vcpu>2</vcpu>', '<vcpu>3</vcpu>');
    expect(refused(modelOf(xml), 'cells-overlapping-cpus')).toBe(true);
    const found = ruleIdsFound(xml);
    expect(found).toContain(defineError('cells-overlapping-cpus').rule);
    expect(found).not.toContain('numa-cell-cpus-incomplete');
    expect(ruleIdsFound(xml.replace("id='1' cpus='1'", "id='1' cpus='2'"))).toContain('numa-cell-cpus-incomplete');
  });
});

describe('one resolution per document (src/libvirt/resolution.ts)', () => {
  const xml = domain(
    "<memoryBacking><hugepages><page size='2' unit='MiB' nodeset='1'/></hugepages></memoryBacking><cpu><numa><cell id='+1' cpus='1' memory='2' unit='GiB'/><cell id='0' cpus='0' memory='2' unit='GiB'/></numa></cpu>",
  );
  it('is the same object, with the same shared parts, for every caller', () => {
    const d = modelOf(xml);
    const r = resolve(d);
    expect(resolve(d)).toBe(r);
    expect(r.backends).toBe(memoryBackends(d));
    expect(r.pages).toBe(effectivePages(d));
    expect(r.cells).toBe(guestCells(d));
    expect(r.backends.map((b) => [b.id, b.pageSizeKiB])).toEqual([
      ['ram-node0', null],
      ['ram-node1', 2048],
    ]);
    expect(r.defineErrors).toEqual([]);
  });
  it('cannot be changed by a caller', () => {
    const r = resolve(modelOf(xml));
    expect(Object.isFrozen(r.backends)).toBe(true);
    expect(Object.isFrozen(r.backends[0])).toBe(true);
    expect(() => (r.backends as unknown as unknown[]).push(1)).toThrow(TypeError);
  });
  it('lists the domain-level define errors in the table order', () => {
    const r = resolve(modelOf(domain("<maxMemory slots='x' unit='GiB'>8</maxMemory><cpu><numa><cell id='3' cpus='0' memory='2' unit='GiB'/></numa></cpu>")));
    expect(r.defineErrors).toEqual(['max-memory-slots', 'cell-ids']);
  });
});
