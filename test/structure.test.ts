/**
 * The memory-area schema table and the structure rules (unknown, misplaced and repeated
 * elements, memoryBacking order) beyond what their fixtures show: name suggestions, fixes that
 * need several passes, what must never be reported.
 */
import { describe, expect, it } from 'vitest';
import {
  DOMAIN_CHILDREN,
  MEMORY_BACKING_ORDER,
  memoryArea,
  normaliseName,
  suggestName,
  walkMemoryArea,
} from '../src/domain/schema-table.js';
import { parseXml } from '../src/xml/document.js';
import { allActive, lintString, ruleById } from './helpers/fixtures.js';

const STRUCTURE = ['unknown-memory-element', 'unknown-memory-attribute', 'duplicate-memory-element', 'memorybacking-order'];
const only = (...ids: string[]) => allActive(ids.map((id) => ruleById(id)!));

function domain(inner: string, quote = "'"): string {
  const q = quote;
  return `<domain type=${q}qemu${q}>\n  <name>t</name>\n  <memory unit=${q}MiB${q}>256</memory>\n${inner}\n  <vcpu>1</vcpu>\n  <os>\n    <type arch=${q}x86_64${q}>hvm</type>\n  </os>\n</domain>\n`;
}

describe('schema table', () => {
  it('knows where each memory element belongs', () => {
    expect(memoryArea().placements.get('nosharepages')?.map((p) => p.path.join('/'))).toEqual(['memoryBacking/nosharepages']);
    expect(memoryArea().placements.get('hard_limit')?.map((p) => p.path.join('/'))).toEqual(['memtune/hard_limit']);
    expect(memoryArea().placements.get('cell')?.map((p) => p.path.join('/'))).toEqual(['cpu/numa/cell']);
    expect(memoryArea().placements.get('memnode')?.map((p) => p.path.join('/'))).toEqual(['numatune/memnode']);
    expect(memoryArea().placements.has('cpu')).toBe(false);
    expect(MEMORY_BACKING_ORDER).toEqual(['hugepages', 'nosharepages', 'locked', 'source', 'access', 'allocation', 'discard']);
    for (const n of ['memory', 'currentMemory', 'maxMemory', 'memoryBacking', 'memtune', 'numatune', 'devices', 'cpu', 'sysinfo', 'launchSecurity']) expect(DOMAIN_CHILDREN.has(n)).toBe(true);
  });

  it.each([
    ['hard-limit', ['hard_limit', 'soft_limit'], 'hard_limit', 'spelling'],
    ['memorybacking', ['memoryBacking', 'memory'], 'memoryBacking', 'spelling'],
    ['HugePages', ['hugepages'], 'hugepages', 'spelling'],
    ['hugepage', ['hugepages', 'page'], 'hugepages', 'plural'],
    ['units', ['unit', 'size'], 'unit', 'plural'],
    ['memoryBaking', ['memoryBacking', 'memtune'], 'memoryBacking', 'typo'],
    ['nosharedpages', ['nosharepages', 'locked'], 'nosharepages', 'typo'],
  ])('suggests %s → %s', (name, known, want, kind) => {
    const { sure } = suggestName(name, known);
    expect(sure).toEqual({ name: want, kind });
  });

  it('does not guess when two names fit equally or the slip is too big', () => {
    expect(suggestName('lock', ['locked']).sure).toBeNull();
    expect(suggestName('lock', ['locked']).best.map((b) => b.name)).toEqual(['locked']);
    expect(suggestName('mode', ['node', 'mods']).sure).toBeNull();
    expect(suggestName('foo', ['hugepages', 'locked']).best).toEqual([]);
    expect(normaliseName('Swap-Hard_Limit')).toBe('swaphardlimit');
  });

  it('walks only the memory area', () => {
    const doc = parseXml(
      domain(`  <memoryBacking><hugepages><page size='2048'/></hugepages><bogus/></memoryBacking>\n  <cpu><model>qemu64</model><numa><cell id='0' cpus='0' memory='256' unit='MiB'/></numa></cpu>\n  <devices><disk type='file'><source file='/x'/></disk><memory model='dimm'><target><size>1</size></target><address type='dimm' slot='0'/></memory></devices>`),
    );
    if (!doc.ok) throw new Error('parse');
    const paths = walkMemoryArea(doc.doc.root).map((v) => v.path.join('/'));
    expect(paths).toEqual([
      'memory',
      'memoryBacking',
      'memoryBacking/hugepages',
      'memoryBacking/hugepages/page',
      'cpu',
      'cpu/numa',
      'cpu/numa/cell',
      'devices',
      'devices/memory',
      'devices/memory/target',
      'devices/memory/target/size',
    ]);
  });
});

describe('unknown-memory-element', () => {
  const rules = only('unknown-memory-element');

  it('reports elements of another namespace inside the memory area', () => {
    const r = lintString(domain(`  <memtune xmlns:ops='urn:ops'>\n    <ops:owner>db-team</ops:owner>\n  </memtune>`), rules);
    expect(r.messages.map((m) => m.message)).toEqual([expect.stringContaining('<ops:owner> (another namespace) inside <memtune>')]);
  });

  it('never reports libvirt elements outside the memory area, namespaced elements there, or unknown non-memory elements', () => {
    const xml = domain(
      `  <metadata><app:info xmlns:app='urn:x'><app:memory>4</app:memory></app:info></metadata>\n  <vendor-extension/>\n  <cpu mode='custom'><model>qemu64</model><feature policy='require' name='pdpe1gb'/><cache mode='passthrough'/><maxphysaddr mode='passthrough'/></cpu>\n  <devices><memballoon model='virtio'><stats period='5'/></memballoon><disk type='file'><source file='/x'/><target dev='vda'/></disk><shmem name='s'><size unit='M'>4</size></shmem></devices>\n  <features><acpi/><hap state='on'/></features>\n  <blkiotune><weight>100</weight></blkiotune>`,
    );
    expect(lintString(xml, rules).messages).toEqual([]);
  });

  it('moves two stray memoryBacking children into one new <memoryBacking>, in libvirt order, over two passes', () => {
    const xml = domain(`  <locked/>\n  <nosharepages/>`);
    const r = lintString(xml, rules, true);
    expect(r.output).toBe(domain(`  <memoryBacking>\n    <nosharepages/>\n    <locked/>\n  </memoryBacking>`).replace('\n\n', '\n'));
    expect(lintString(r.output as string, allActive(), true).output).toBeUndefined();
  });

  it('puts a new <memtune> before an existing <memoryBacking>', () => {
    const xml = `<domain type='qemu'>\n  <name>t</name>\n  <memory unit='MiB'>256</memory>\n  <memoryBacking>\n    <hugepages/>\n  </memoryBacking>\n  <soft-limit unit='MiB'>200</soft-limit>\n  <vcpu>1</vcpu>\n</domain>\n`;
    const r = lintString(xml, rules, true);
    expect(r.output).toBe(`<domain type='qemu'>\n  <name>t</name>\n  <memory unit='MiB'>256</memory>\n  <memtune>\n    <soft_limit unit='MiB'>200</soft_limit>\n  </memtune>\n  <memoryBacking>\n    <hugepages/>\n  </memoryBacking>\n  <vcpu>1</vcpu>\n</domain>\n`);
  });

  it('moves a block element with its children re-indented', () => {
    const xml = `<domain type='qemu'>\n  <name>t</name>\n  <memory unit='GiB'>2</memory>\n  <memoryBacking>\n      <locked/>\n  </memoryBacking>\n  <hugepages>\n    <page size='2048'/>\n  </hugepages>\n</domain>\n`;
    const r = lintString(xml, rules, true);
    expect(r.output).toBe(`<domain type='qemu'>\n  <name>t</name>\n  <memory unit='GiB'>2</memory>\n  <memoryBacking>\n      <hugepages>\n        <page size='2048'/>\n      </hugepages>\n      <locked/>\n  </memoryBacking>\n</domain>\n`);
  });

  it('does not fix when the right element is already there', () => {
    const xml = domain(`  <memoryBacking>\n    <nosharepages/>\n  </memoryBacking>\n  <nosharepages/>\n  <MemoryBacking/>`);
    const r = lintString(xml, rules);
    expect(r.messages.map((m) => [m.line, m.fix === undefined])).toEqual([
      [7, true],
      [8, true],
    ]);
    expect(r.messages[0]?.message).toContain('already has a <nosharepages>');
    expect(r.messages[1]?.message).toContain('the domain already has a <memoryBacking>');
  });

  it('reports a guess without fixing it, with a suggestion', () => {
    const r = lintString(domain(`  <memtune>\n    <hardlmt>1</hardlmt>\n  </memtune>`), rules);
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]?.message).toContain('did you mean <hard_limit>?');
    expect(r.messages[0]?.fix).toBeUndefined();
    expect(r.messages[0]?.suggestions?.[0]?.desc).toBe('Rename to <hard_limit>');
  });

  it('leaves a stray <page> under <memoryBacking> to the huge page rules', () => {
    expect(lintString(domain(`  <memoryBacking>\n    <page size='2048'/>\n  </memoryBacking>`), rules).messages).toEqual([]);
  });
});

describe('unknown-memory-attribute', () => {
  const rules = only('unknown-memory-attribute');

  it('ignores namespace declarations and the attributes of <cpu> and <devices>', () => {
    const xml = domain(`  <memoryBacking xmlns:x='urn:x'><hugepages/></memoryBacking>\n  <cpu mode='host-model' check='partial' migratable='on'/>`);
    expect(lintString(xml, rules).messages).toEqual([]);
  });

  it('reports attributes of another namespace (the schema rejects them), without a fix', () => {
    const r = lintString(domain(`  <memoryBacking xmlns:x='urn:x'><hugepages x:note='a'/></memoryBacking>`), rules);
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]?.message).toContain('attribute x:note= (another namespace) on <hugepages>');
    expect(r.messages[0]?.fix).toBeUndefined();
  });

  it('does not rename onto an attribute that is already there', () => {
    const r = lintString(domain(`  <currentMemory unit='MiB' units='MiB'>128</currentMemory>`), rules);
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]?.fix).toBeUndefined();
    expect(r.messages[0]?.message).toContain('unit= is set too');
  });
});

describe('duplicate-memory-element', () => {
  const rules = only('duplicate-memory-element');

  it('merges a second <hugepages> into a self-closed first one', () => {
    const xml = domain(`  <memoryBacking>\n    <hugepages/>\n    <hugepages>\n      <page size='2048'/>\n    </hugepages>\n  </memoryBacking>`);
    const r = lintString(xml, rules, true);
    expect(r.output).toBe(domain(`  <memoryBacking>\n    <hugepages>\n      <page size='2048'/>\n    </hugepages>\n  </memoryBacking>`));
  });

  it('does not merge copies with conflicting settings, and says which one libvirt uses', () => {
    const r = lintString(domain(`  <memoryBacking>\n    <source type='memfd'/>\n  </memoryBacking>\n  <memoryBacking>\n    <source type='file'/>\n  </memoryBacking>`), rules);
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]?.message).toContain('so <source> here is ignored');
    expect(r.messages[0]?.fix).toBeUndefined();
  });

  it('leaves a second <numatune> to the NUMA rules, and allows many memory devices and memnodes', () => {
    const xml = domain(`  <numatune><memory mode='strict' nodeset='0'/></numatune>\n  <numatune><memory mode='strict' nodeset='0'/></numatune>\n  <devices><memory model='dimm'><target><size>1</size><node>0</node></target></memory><memory model='dimm'><target><size>1</size><node>0</node></target></memory></devices>`);
    expect(lintString(xml, rules).messages).toEqual([]);
  });

  it('quotes the define error libvirt gives first for a repeated page', () => {
    const two = (ns: string) => lintString(domain(`  <memoryBacking><hugepages><page size='2048' nodeset='${ns}'/><page size='2048' nodeset='${ns}'/></hugepages></memoryBacking>`), rules).messages[0]?.message;
    // No guest NUMA: nodeset='0' becomes a size-only page (R1.6), anything else names a missing cell.
    expect(two('0')).toContain('(libvirt: two master hugepages detected: 2048 and 2048)');
    expect(two('0-1')).toContain('(libvirt: hugepages: node 0 not found)');
  });
});

describe('memorybacking-order', () => {
  it('reorders only the known children, keeping an unknown one in its slot', () => {
    const xml = domain(`  <memoryBacking>\n    <locked/>\n    <mystery/>\n    <hugepages/>\n  </memoryBacking>`);
    const r = lintString(xml, only('memorybacking-order'), true);
    expect(r.output).toBe(domain(`  <memoryBacking>\n    <hugepages/>\n    <mystery/>\n    <locked/>\n  </memoryBacking>`));
  });
});

describe('all structure rules together', () => {
  it('turn the worst of the misspellings into a file libvirt reads fully, in one fix run', () => {
    const xml = `<domain type="kvm">\r\n\t<name>all</name>\r\n\t<memory unit="GiB">4</memory>\r\n\t<currentMemory units="GiB">4</currentMemory>\r\n\t<memorybacking>\r\n\t\t<locked/>\r\n\t\t<hugepage/>\r\n\t</memorybacking>\r\n\t<hard-limit unit="GiB">6</hard-limit>\r\n\t<nosharepages/>\r\n\t<vcpu>2</vcpu>\r\n</domain>\r\n`;
    const r = lintString(xml, allActive(STRUCTURE.map((id) => ruleById(id)!)), true);
    expect(r.output).toBe(
      `<domain type="kvm">\r\n\t<name>all</name>\r\n\t<memory unit="GiB">4</memory>\r\n\t<currentMemory unit="GiB">4</currentMemory>\r\n\t<memtune>\r\n\t\t<hard_limit unit="GiB">6</hard_limit>\r\n\t</memtune>\r\n\t<memoryBacking>\r\n\t\t<hugepages/>\r\n\t\t<nosharepages/>\r\n\t\t<locked/>\r\n\t</memoryBacking>\r\n\t<vcpu>2</vcpu>\r\n</domain>\r\n`,
    );
    expect(r.messages).toEqual([]);
  });
});
