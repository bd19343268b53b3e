/**
 * The advice rules that read a host snapshot (KSM, THP, EPT/NPT): what each host fact leads to,
 * and that nothing is guessed when the snapshot does not know.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../src/host/snapshot.js';
import { lintText } from '../src/engine/lint.js';
import { ROOT, ruleById } from './helpers/fixtures.js';

function host(name: string, patch: (h: HostSnapshot) => void = () => {}): HostSnapshot {
  const h = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'hosts', name, 'expected.json'), 'utf8')) as HostSnapshot;
  patch(h);
  return h;
}

function run(id: string, xml: string, h: HostSnapshot | null, options: Record<string, unknown> = {}) {
  const rule = ruleById(id)!;
  return lintText(xml, { filePath: 'vm.xml', rules: [{ rule, severity: 1, options }], host: h }).messages;
}

const vm = (type: string, inner = '') =>
  `<domain type='${type}'>\n  <name>vm</name>\n  <memory unit='GiB'>4</memory>\n${inner}  <vcpu>2</vcpu>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n</domain>\n`;

describe('ept-unavailable', () => {
  it('reads the module parameter first, then the CPU flags', () => {
    expect(run('ept-unavailable', vm('kvm'), host('ept-off'))[0]?.message).toContain('kvm_intel is loaded with ept=N');
    const amd = host('ksm-on-thp-never', (h) => (h.kvm.nptEnabled = false));
    expect(run('ept-unavailable', vm('kvm'), amd)[0]?.message).toContain('kvm_amd is loaded with npt=N');
    const oldIntel = host('one-node-2m', (h) => {
      h.kvm.eptEnabled = null;
      h.cpu.ept = false;
    });
    expect(run('ept-unavailable', vm('kvm'), oldIntel)[0]?.message).toContain('VT-x but no EPT');
    const oldAmd = host('ksm-on-thp-never', (h) => {
      h.kvm.nptEnabled = null;
      h.cpu.npt = false;
    });
    expect(run('ept-unavailable', vm('kvm'), oldAmd)[0]?.message).toContain('AMD-V but no NPT');
  });

  it('guesses nothing: unknown facts, TCG guests, no host', () => {
    const unknown = host('one-node-2m', (h) => {
      h.kvm.eptEnabled = null;
      h.cpu.ept = null;
    });
    expect(run('ept-unavailable', vm('kvm'), unknown)).toEqual([]);
    expect(run('ept-unavailable', vm('qemu'), host('ept-off'))).toEqual([]);
    expect(run('ept-unavailable', vm('kvm'), null)).toEqual([]);
  });
});

describe('thp-never-no-hugepages', () => {
  const never = host('ksm-on-thp-never');
  it('counts only anonymous memory without huge pages', () => {
    expect(run('thp-never-no-hugepages', vm('kvm'), never)).toHaveLength(1);
    expect(run('thp-never-no-hugepages', vm('kvm', `  <memoryBacking>\n    <hugepages/>\n  </memoryBacking>\n`), never)).toEqual([]);
    expect(run('thp-never-no-hugepages', vm('kvm', `  <memoryBacking>\n    <source type='memfd'/>\n  </memoryBacking>\n`), never)).toEqual([]);
    expect(run('thp-never-no-hugepages', vm('kvm', `  <memoryBacking>\n    <access mode='shared'/>\n  </memoryBacking>\n`), never)).toEqual([]);
  });
  it('says nothing when THP is on or unknown', () => {
    expect(run('thp-never-no-hugepages', vm('kvm'), host('one-node-2m'))).toEqual([]);
    expect(run('thp-never-no-hugepages', vm('kvm'), host('ksm-on-thp-never', (h) => (h.thp.enabled = null)))).toEqual([]);
  });
});

describe('ksm-latency-hint', () => {
  const ksm = host('ksm-on-thp-never');
  const locked = vm('kvm', `  <memoryBacking>\n    <locked/>\n  </memoryBacking>\n`);
  it('hints for a latency-tuned guest whose RAM KSM may merge, with a suggestion that adds <nosharepages/>', () => {
    const m = run('ksm-latency-hint', locked, ksm);
    expect(m).toHaveLength(1);
    const s = m[0]?.suggestions?.[0];
    expect(s?.desc).toBe('Add <nosharepages/> to <memoryBacking>');
    const fixed = locked.slice(0, s!.fix.range[0]) + s!.fix.text + locked.slice(s!.fix.range[1]);
    expect(fixed).toContain(`  <memoryBacking>\n    <nosharepages/>\n    <locked/>\n  </memoryBacking>`);
  });
  it('is quiet when KSM is stopped or unknown, when the guest opted out, or when its RAM cannot be merged', () => {
    expect(run('ksm-latency-hint', locked, host('one-node-2m'))).toEqual([]);
    expect(run('ksm-latency-hint', locked, host('ksm-on-thp-never', (h) => (h.ksm.run = null)))).toEqual([]);
    expect(run('ksm-latency-hint', vm('kvm', `  <memoryBacking>\n    <nosharepages/>\n    <locked/>\n  </memoryBacking>\n`), ksm)).toEqual([]);
    expect(run('ksm-latency-hint', vm('kvm', `  <memoryBacking>\n    <source type='memfd'/>\n    <locked/>\n  </memoryBacking>\n`), ksm)).toEqual([]);
  });
  it('hints for plain guests only with plainGuests: true', () => {
    expect(run('ksm-latency-hint', vm('kvm'), ksm)).toEqual([]);
    const m = run('ksm-latency-hint', vm('kvm'), ksm, { plainGuests: true });
    expect(m[0]?.message).toContain('this guest has no huge pages and lets KSM scan');
    // Creating <memoryBacking> where libvirt writes it: after <memory>, before <vcpu>.
    const s = m[0]!.suggestions![0]!;
    const xml = vm('kvm');
    expect(xml.slice(0, s.fix.range[0]) + s.fix.text + xml.slice(s.fix.range[1])).toBe(vm('kvm', `  <memoryBacking>\n    <nosharepages/>\n  </memoryBacking>\n`));
  });
});
