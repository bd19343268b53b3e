/**
 * The conformance corpus without libvirt: every case is well formed, every label has the shape
 * the labeller writes and agrees with its case, environment-dependent outcomes carry a caveat,
 * and the comparison used by `npm run test:libvirt` really detects a wrong label.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkCaseShape,
  checkLabelShape,
  compareLabels,
  domainName,
  extractFragments,
  hostKey,
  LAB_LIBVIRTS,
  labelFile,
  loadCases,
  mountKey,
  normaliseMessage,
  orderByHost,
  serialiseLabel,
  virshErrorMessage,
  type Label,
  type LoadedCase,
} from './libvirt/corpus.js';
import { MIN_SHARE, caseNeeds, describeMachine, hostNeeds, skipReason, unmetNeeds, type Machine } from './libvirt/machine.js';

const cases = loadCases();
const clone = (l: Label): Label => JSON.parse(JSON.stringify(l)) as Label;

/** Start failures that come from this lab machine rather than from the domain (spec §11.1). */
const ENVIRONMENT_FAILURES = [
  /cannot limit locked memory/, // 8 MiB memlock, no CAP_SYS_RESOURCE
  /memory\.memsw\.limit_in_bytes/, // cgroup v1
  /NUMA node \d+ is unavailable/, // one host node
  /numad/, // no numad
];

describe('conformance corpus (fixtures/conformance)', () => {
  it('has at least 45 cases', () => expect(cases.length).toBeGreaterThanOrEqual(45));

  it('has passing and failing outcomes at define and at start', () => {
    const labels = cases.map((c) => c.label).filter((l): l is Label => l !== null);
    expect(labels.some((l) => !l.define.ok)).toBe(true);
    expect(labels.some((l) => l.start?.ok === true)).toBe(true);
    expect(labels.some((l) => l.start?.ok === false)).toBe(true);
    expect(labels.some((l) => Object.keys(l.hugepagesUsed ?? {}).length > 0)).toBe(true);
  });

  for (const c of cases) {
    describe(c.name, () => {
      it('case.json is well formed and domain.xml is named after the case', () => {
        expect(checkCaseShape(c.case)).toEqual([]);
        expect(c.xml).toContain(`<name>${domainName(c)}</name>`);
      });

      it('label.json was written by the labeller and agrees with case.json', () => {
        expect(c.label, `no label.json: run node scripts/label.mjs ${c.dir}`).not.toBeNull();
        expect(checkLabelShape(c.label, c.case)).toEqual([]);
        expect(readFileSync(join(c.dir, 'label.json'), 'utf8')).toBe(serialiseLabel(c.label!));
      });

      it("every other libvirt's label too, from that libvirt", () => {
        for (const v of LAB_LIBVIRTS.filter((x) => x !== '9.0')) {
          const l = c.labels[v];
          if (!l) continue;
          expect(checkLabelShape(l, c.case), labelFile(v)).toEqual([]);
          expect(l.libvirt.startsWith(`${v}.`), `${labelFile(v)} is from libvirt ${l.libvirt}`).toBe(true);
          expect(readFileSync(join(c.dir, labelFile(v)), 'utf8')).toBe(serialiseLabel(l));
        }
      });

      it('an outcome that depends on this lab machine says so in a caveat', () => {
        const start = c.label?.start;
        const envFailure = start && !start.ok && ENVIRONMENT_FAILURES.some((re) => re.test(start.error));
        // the kernel hands out 1 GiB pages only when it finds contiguous memory
        const gigantic = Object.keys(c.label?.hugepagesUsed ?? {}).some((s) => Number(s) >= 1048576);
        if (envFailure || gigantic) expect(c.case.caveat, 'caveat').toBeTruthy();
      });
    });
  }
});

describe('label comparison', () => {
  const startFailure = cases.find((c) => c.label?.start && !c.label.start.ok && c.label.start.error.includes('qemu-system-x86_64'));
  const defineFailure = cases.find((c) => c.label && !c.label.define.ok);
  const started = cases.find((c) => c.label?.start?.ok && Object.keys(c.label.hugepagesUsed ?? {}).length > 0);

  it('the corpus has the kinds of label these checks use', () => {
    expect(startFailure).toBeDefined();
    expect(defineFailure).toBeDefined();
    expect(started).toBeDefined();
  });

  it('accepts a label equal to itself', () => {
    for (const c of cases) if (c.label) expect(compareLabels(c.label, clone(c.label))).toEqual([]);
  });

  it('detects a changed define message', () => {
    const wrong = clone(defineFailure!.label!);
    if (wrong.define.ok) throw new Error('unreachable');
    wrong.define.error += ' (edited)';
    const d = compareLabels(wrong, defineFailure!.label!);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^define: /);
  });

  it('detects a changed start message', () => {
    const wrong = clone(startFailure!.label!);
    wrong.start = { ok: false, error: 'internal error: qemu unexpectedly closed the monitor: <timestamp> qemu-system-x86_64: something else' };
    const d = compareLabels(wrong, startFailure!.label!);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^start: /);
  });

  it('detects a flipped outcome', () => {
    const wrong = clone(started!.label!);
    wrong.start = { ok: false, error: 'internal error: hugetlbfs filesystem is not mounted or disabled by administrator config' };
    delete wrong.hugepagesUsed;
    const d = compareLabels(wrong, started!.label!);
    expect(d.some((x) => x.startsWith('start: '))).toBe(true);
    expect(d.some((x) => x.startsWith('huge pages used: '))).toBe(true);
  });

  it('detects a changed dumpxml fragment, a missing one and a changed page count', () => {
    const l = started!.label!;
    const frag = clone(l);
    frag.dumpxml = { ...frag.dumpxml, memory: "<memory unit='KiB'>1</memory>" };
    expect(compareLabels(frag, l)).toEqual([expect.stringMatching(/^dumpxml <memory>: /)]);
    const missing = clone(l);
    delete missing.dumpxml!.currentMemory;
    expect(compareLabels(missing, l)).toEqual([expect.stringMatching(/^dumpxml <currentMemory>: label has none/)]);
    const pages = clone(l);
    const [size, n] = Object.entries(pages.hugepagesUsed!)[0]!;
    pages.hugepagesUsed = { ...pages.hugepagesUsed, [size]: n + 1 };
    expect(compareLabels(pages, l)).toEqual([expect.stringMatching(/^huge pages used: /)]);
  });

  it('detects another libvirt version', () => {
    const wrong = clone(started!.label!);
    wrong.libvirt = '10.0.0';
    expect(compareLabels(wrong, started!.label!)).toEqual([expect.stringMatching(/^libvirt version: /)]);
  });

  it('ignores what only timing changes: wrapper, timestamp, pid, domain id', () => {
    const stored = clone(startFailure!.label!);
    if (!stored.start || stored.start.ok) throw new Error('unreachable');
    const fresh = clone(stored);
    fresh.start = {
      ok: false,
      error: stored.start.error
        .replace('qemu unexpectedly closed the monitor', 'process exited while connecting to monitor')
        .replace('<timestamp>', '2031-01-02T03:04:05.678901Z'),
    };
    expect(compareLabels(stored, fresh)).toEqual([]);
    // libvirt 11.3's two wordings of one QEMU failure
    const qemuLine = stored.start.error.replace(/^internal error: qemu unexpectedly closed the monitor/, '');
    const as113 = { ...stored, start: { ok: false as const, error: `internal error: QEMU unexpectedly closed the monitor (vm='kvmxml-x')${qemuLine}` } };
    expect(compareLabels(as113, stored)).toEqual([]);
    const memlock = (pid: number) => ({
      ...stored,
      start: { ok: false as const, error: `internal error: Process exited prior to exec: libvirt:  error : cannot limit locked memory of process ${pid} to 268435456: Operation not permitted` },
    });
    expect(compareLabels(memlock(1234), memlock(98765))).toEqual([]);
  });
});

describe('message normalisation', () => {
  it('replaces timestamps, pids and domain ids, and unifies the two monitor wrappers', () => {
    expect(
      normaliseMessage(
        'internal error: process exited while connecting to monitor: 2026-11-26T13:12:01.123456Z qemu-system-x86_64: unable to map backing store for guest RAM: Cannot allocate memory\n',
      ),
    ).toBe('internal error: qemu unexpectedly closed the monitor: <timestamp> qemu-system-x86_64: unable to map backing store for guest RAM: Cannot allocate memory');
    expect(normaliseMessage('cannot limit locked memory of process 4711 to 9007199254740991: Operation not permitted')).toBe(
      'cannot limit locked memory of process <pid> to 9007199254740991: Operation not permitted',
    );
    expect(normaliseMessage("can't open backing store /run/kvmxml-lab/hp2M/libvirt/qemu/12-kvmxml-x for guest RAM")).toBe(
      "can't open backing store /run/kvmxml-lab/hp2M/libvirt/qemu/<domid>-kvmxml-x for guest RAM",
    );
    expect(normaliseMessage('internal error: process exited while connecting to monitor')).toBe('internal error: qemu unexpectedly closed the monitor');
  });

  it('is idempotent and leaves other text alone', () => {
    for (const c of cases) {
      for (const o of [c.label?.define, c.label?.start]) {
        if (o && !o.ok) expect(normaliseMessage(o.error)).toBe(o.error);
      }
    }
    expect(normaliseMessage("hugepages: node 5 not found")).toBe('hugepages: node 5 not found');
    expect(normaliseMessage('value too large: 9007199254740992KiB')).toBe('value too large: 9007199254740992KiB');
  });

  it('takes the message after "error: " on the second line, with continuation lines', () => {
    expect(virshErrorMessage("error: Failed to start domain 'kvmxml-a'\nerror: internal error: x\n\n")).toBe('internal error: x');
    expect(virshErrorMessage('error: Failed to define domain from d.xml\nerror: (domain_definition):4: bad\n  <a>\n---^\n\n')).toBe(
      '(domain_definition):4: bad\n  <a>\n---^',
    );
  });
});

describe('dumpxml fragments and host grouping', () => {
  it('extracts the elements at their paths, dedented, and not numatune/memory as <memory>', () => {
    const xml = [
      "<domain type='qemu'>",
      '  <name>x</name>',
      "  <memory unit='KiB'>65536</memory>",
      "  <currentMemory unit='KiB'>65536</currentMemory>",
      '  <memoryBacking>',
      '    <hugepages/>',
      '  </memoryBacking>',
      "  <vcpu placement='static'>2</vcpu>",
      '  <numatune>',
      "    <memory mode='strict' nodeset='0'/>",
      '  </numatune>',
      "  <cpu mode='custom' match='exact' check='none'>",
      '    <numa>',
      "      <cell id='0' cpus='0-1' memory='65536' unit='KiB'/>",
      '    </numa>',
      '  </cpu>',
      '</domain>',
      '',
    ].join('\n');
    expect(extractFragments(xml)).toEqual({
      memory: "<memory unit='KiB'>65536</memory>",
      currentMemory: "<currentMemory unit='KiB'>65536</currentMemory>",
      memoryBacking: '<memoryBacking>\n  <hugepages/>\n</memoryBacking>',
      numatune: "<numatune>\n  <memory mode='strict' nodeset='0'/>\n</numatune>",
      numa: "<numa>\n  <cell id='0' cpus='0-1' memory='65536' unit='KiB'/>\n</numa>",
    });
  });

  it('orders cases so that each host and each mount set is one contiguous run', () => {
    const ordered = orderByHost(cases);
    const runs = (key: (c: (typeof ordered)[number]) => string) => {
      const seen = new Set<string>();
      let last: string | undefined;
      for (const c of ordered) {
        const k = key(c);
        if (k !== last && seen.has(k)) return false;
        seen.add(k);
        last = k;
      }
      return true;
    };
    expect(runs((c) => hostKey(c.case.host))).toBe(true);
    expect(runs((c) => mountKey(c.case.host))).toBe(true);
  });
});

describe('which cases a lab machine can run (fake machine facts)', () => {
  const base: Machine = {
    kvm: true,
    hugepageSizesKiB: [2048, 1048576],
    hostNodes: [0],
    cpuVendor: 'GenuineIntel',
    memoryCgroup: 'v1',
    memlockRaisable: false,
    numad: false,
    memAvailableKiB: 20 * 1048576,
    cpuModel: 'test CPU',
    cpus: 2,
    memlockHardKiB: 8192,
    onlineCpus: [0, 1],
    memTotalKiB: 24 * 1048576,
    swapTotalKiB: 0,
  };
  /** The machine of the first labels: KVM and 1 GiB pages. */
  const kvm1g: Machine = { ...base };
  /** No /dev/kvm, 2 MiB pages only (AMD EPYC, kernel 6.18). */
  const plain: Machine = { ...base, kvm: false, hugepageSizesKiB: [2048], cpuVendor: 'AuthenticAMD' };
  const runnable = (m: Machine) => cases.filter((c) => unmetNeeds(caseNeeds(c), m).length === 0);
  const gigantic = (c: LoadedCase) =>
    Object.entries(c.case.host?.hugepages ?? {}).some(([s, n]) => Number(s) === 1048576 && n > 0) ||
    (c.case.host?.mounts ?? []).some((m) => m.pagesize === '1G');

  it('a machine with KVM and 1 GiB pages, like the one labels assume, runs every case', () => {
    expect(runnable(kvm1g).map((c) => c.name)).toEqual(cases.map((c) => c.name));
  });

  it('a machine without KVM and 1 GiB pages skips exactly the 1 GiB cases, each for that reason, and clears the floor', () => {
    const skipped = cases.filter((c) => unmetNeeds(caseNeeds(c), plain).length > 0);
    expect(skipped.map((c) => c.name)).toEqual(cases.filter(gigantic).map((c) => c.name));
    for (const c of skipped) {
      const unmet = unmetNeeds(caseNeeds(c), plain);
      expect(unmet.map((n) => n.key)).toEqual(['no 1 GiB huge pages']);
      expect(skipReason(unmet, plain)).toBe('this kernel offers no 1 GiB huge pages (it offers 2 MiB)');
    }
    expect(runnable(plain).length).toBeGreaterThanOrEqual(Math.ceil(cases.length * MIN_SHARE));
  });

  it("type='kvm' needs KVM; a pool needs the memory it reserves", () => {
    const c = cases.find((x) => !gigantic(x) && x.case.host === undefined)!;
    const kvmCase = { ...c, xml: c.xml.replace("<domain type='qemu'>", "<domain type='kvm'>") };
    expect(unmetNeeds(caseNeeds(kvmCase), kvm1g)).toEqual([]);
    expect(unmetNeeds(caseNeeds(kvmCase), plain).map((n) => n.key)).toEqual(['no KVM']);
    const big = hostNeeds({ hugepages: { '2048': 4096 } });
    expect(unmetNeeds(big, { ...plain, memAvailableKiB: 4 * 1048576 }).map((n) => n.key)).toEqual(['not enough free memory']);
    expect(unmetNeeds(big, plain)).toEqual([]);
  });

  it('a case whose outcome depends on a labelled fact runs only where that fact is the same', () => {
    const byXml = (re: RegExp) => cases.filter((c) => re.test(c.xml));
    const twoNodes = { ...kvm1g, hostNodes: [0, 1] };
    const skippedOnTwo = cases.filter((c) => unmetNeeds(caseNeeds(c), twoNodes).some((n) => n.key === 'other host NUMA nodes'));
    expect(skippedOnTwo.length).toBeGreaterThan(0);
    for (const c of byXml(/<numatune/)) expect(skippedOnTwo).toContain(c);
    expect(skipReason(unmetNeeds(caseNeeds(skippedOnTwo[0]!), twoNodes), twoNodes)).toContain('its label assumes host nodes 0; this machine has host nodes 0,1');

    const v2 = { ...kvm1g, memoryCgroup: 'v2' as const };
    expect(cases.filter((c) => unmetNeeds(caseNeeds(c), v2).length > 0)).toEqual(byXml(/swap_hard_limit/));
    const numad = { ...kvm1g, numad: true };
    expect(cases.filter((c) => unmetNeeds(caseNeeds(c), numad).length > 0)).toEqual(byXml(/placement=['"]auto/));
    const memlock = { ...kvm1g, memlockRaisable: true };
    expect(cases.filter((c) => unmetNeeds(caseNeeds(c), memlock).length > 0)).toEqual(byXml(/<locked|<hard_limit/));
    const eightCpus = { ...kvm1g, onlineCpus: [0, 1, 2, 3, 4, 5, 6, 7], cpus: 8 };
    const pinned = byXml(/<vcpupin|<emulatorpin|<iothreadpin|<vcpu [^>]*cpuset=/);
    expect(pinned.length).toBeGreaterThan(0);
    expect(cases.filter((c) => unmetNeeds(caseNeeds(c), eightCpus).length > 0)).toEqual(pinned);
    expect(skipReason(unmetNeeds(caseNeeds(pinned[0]!), eightCpus), eightCpus)).toBe('its label assumes online CPUs 0,1; this machine has online CPUs 0,1,2,3,4,5,6,7');
    const bigRam = { ...kvm1g, memTotalKiB: 64 * 1048576 };
    const big = byXml(/<memory unit='GiB'>(?:[89]|[1-9]\d+)<\/memory>/);
    expect(big.length).toBeGreaterThan(0);
    expect(cases.filter((c) => unmetNeeds(caseNeeds(c), bigRam).length > 0)).toEqual(big);
    expect(unmetNeeds(caseNeeds(big[0]!), { ...kvm1g, swapTotalKiB: 16 * 1048576 }).map((n) => n.key)).toEqual(['other host RAM and swap']);
  });

  it('every caveat about this lab machine is covered by a need the suite checks', () => {
    const other: Machine = { ...kvm1g, hostNodes: [0, 1], numad: true, memlockRaisable: true, memoryCgroup: 'v2', hugepageSizesKiB: [2048], onlineCpus: [0, 1, 2, 3, 4, 5, 6, 7], memTotalKiB: 64 * 1048576 };
    for (const c of cases.filter((x) => x.case.caveat)) expect(unmetNeeds(caseNeeds(c), other), c.name).not.toEqual([]);
  });

  it('labels record the machine they were observed on, or assume the first lab machine', () => {
    for (const c of cases) {
      const m = c.label?.machine;
      if (m === undefined) expect(gigantic(c), `${c.name} has no machine record`).toBe(true);
    }
  });

  it('describes a machine in one line per fact', () => {
    const text = describeMachine(plain, { libvirt: '9.0.0', qemu: '7.2.22' });
    expect(text.split('\n')).toEqual([
      'libvirt 9.0.0 + QEMU 7.2.22',
      'KVM usable: no',
      'huge page sizes: 2 MiB',
      'memory available: 20.0 GiB',
      'host NUMA nodes: 0',
      'CPU: AuthenticAMD test CPU (2 online)',
      'memory cgroup: v1',
      'libvirtd may raise RLIMIT_MEMLOCK: no (hard limit 8 MiB)',
      'numad: no',
    ]);
  });
});
