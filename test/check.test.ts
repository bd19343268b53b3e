/**
 * Start prediction on fixture hosts (spec R6.5, R1.12, R1.13, R1.14, R5.4, R5.5, R8.3): the
 * verdict, the first reason in libvirt's or QEMU's words, and the page demand table.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDomainModel } from '../src/domain/model.js';
import type { HostSnapshot } from '../src/host/snapshot.js';
import { predictBatch, predictStart } from '../src/predict/predict.js';
import { parseXml } from '../src/xml/document.js';
import { ROOT } from './helpers/fixtures.js';

const QEMU = 'internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: ';

function host(name: string): HostSnapshot {
  const path = name.endsWith('.json') ? join(ROOT, 'fixtures', 'check', name) : join(ROOT, 'fixtures', 'hosts', name, 'expected.json');
  return JSON.parse(readFileSync(path, 'utf8')) as HostSnapshot;
}

function domain(xml: string) {
  const r = parseXml(xml);
  if (!r.ok) throw new Error(r.problem.message);
  return buildDomainModel(r.doc.root);
}

/** A small diskless guest; `backing` goes inside <memoryBacking>, `extra` at the end. */
function vm(opts: { memory: string; backing?: string; extra?: string; type?: string }): string {
  return `<domain type='${opts.type ?? 'qemu'}'>
  <name>t</name>
  <memory unit='MiB'>${opts.memory}</memory>
  ${opts.backing ? `<memoryBacking>${opts.backing}</memoryBacking>` : ''}
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  ${opts.extra ?? ''}
</domain>`;
}

describe('the tutorial scenario (node0: 4 x 1 GiB, node1: 1024 x 2 MiB)', () => {
  const guest = domain(readFileSync(join(ROOT, 'fixtures', 'check', 'tutorial-guest.xml'), 'utf8'));

  it('five 1 GiB cells do not fit four 1 GiB pages: fails, with the demand table', () => {
    const p = predictStart(guest, host('tutorial-host.json'));
    expect(p.verdict).toBe('fails');
    expect(p.reasons[0]!.message).toBe(`${QEMU}unable to map backing store for guest RAM: Cannot allocate memory`);
    expect(p.reasons[0]!.suggestion).toContain('allocate 1 more');
    expect(p.demand).toEqual([
      { pageSizeKiB: 1048576, hostNode: null, needed: 5, available: 4 },
      { pageSizeKiB: 1048576, hostNode: 0, needed: 3, available: 4 },
      { pageSizeKiB: 2048, hostNode: null, needed: 1024, available: 1024 },
      { pageSizeKiB: 2048, hostNode: 1, needed: 1024, available: 1024 },
    ]);
  });

  it('with one more 1 GiB page on node0 it starts, taking every page', () => {
    const p = predictStart(guest, host('tutorial-host-5x1g.json'));
    expect(p.verdict).toBe('starts');
    expect(p.reasons).toEqual([]);
    expect(p.demand.find((d) => d.pageSizeKiB === 1048576 && d.hostNode === null)).toMatchObject({ needed: 5, available: 5 });
    expect(p.demand.find((d) => d.pageSizeKiB === 2048 && d.hostNode === null)).toMatchObject({ needed: 1024, available: 1024 });
  });
});

describe('host checks', () => {
  it('exactly enough pages starts; one page short fails (498 of 2 MiB available: 500 free, 2 reserved)', () => {
    const h = host('one-node-2m');
    expect(predictStart(domain(vm({ memory: '996', backing: '<hugepages/>' })), h).verdict).toBe('starts');
    const short = predictStart(domain(vm({ memory: '998', backing: '<hugepages/>' })), h);
    expect(short.verdict).toBe('fails');
    expect(short.reasons[0]!.message).toContain('unable to map backing store for guest RAM: Cannot allocate memory');
    expect(short.demand[0]).toEqual({ pageSizeKiB: 2048, hostNode: null, needed: 499, available: 498 });
  });

  it('each page size: 1 GiB pages from the 1 GiB pool, 2 MiB from the 2 MiB one', () => {
    const h = host('tutorial-host.json');
    const big = predictStart(domain(vm({ memory: '2048', backing: "<hugepages><page size='1' unit='G'/></hugepages>" })), h);
    expect(big.verdict).toBe('starts');
    expect(big.demand).toEqual([{ pageSizeKiB: 1048576, hostNode: null, needed: 2, available: 4 }]);
    const small = predictStart(domain(vm({ memory: '65', backing: "<hugepages><page size='2048'/></hugepages>" })), h);
    expect(small.demand).toEqual([{ pageSizeKiB: 2048, hostNode: null, needed: 33, available: 1024 }]);
  });

  it('no hugetlbfs mount at all', () => {
    const p = predictStart(domain(vm({ memory: '64', backing: '<hugepages/>' })), host('pools-no-mount'));
    expect(p.verdict).toBe('fails');
    expect(p.reasons[0]!.message).toBe('internal error: hugetlbfs filesystem is not mounted or disabled by administrator config');
    expect(p.reasons[0]!.suggestion).toContain('restart libvirtd');
  });

  it('a size the host has no mount for, and a size the kernel does not offer', () => {
    const noMount = predictStart(domain(vm({ memory: '2048', backing: "<hugepages><page size='1048576'/></hugepages>" })), host('one-node-2m'));
    expect(noMount.reasons[0]!.message).toBe('internal error: Unable to find any usable hugetlbfs mount for 1048576 KiB');
    expect(noMount.reasons[0]!.suggestion).toContain('pagesize=1G');
    const unsupported = predictStart(domain(vm({ memory: '2048', backing: "<hugepages><page size='1048576'/></hugepages>" })), host('no-1g'));
    expect(unsupported.reasons[0]!.message).toBe('internal error: Unable to find any usable hugetlbfs mount for 1048576 KiB');
    expect(unsupported.reasons[0]!.suggestion).toContain('offers no 1 GiB pages');
  });

  it('memory smaller than the page size', () => {
    const p = predictStart(domain(vm({ memory: '16', backing: "<hugepages><page size='1' unit='G'/></hugepages>" })), host('tutorial-host.json'));
    expect(p.verdict).toBe('fails');
    expect(p.reasons[0]!.message).toBe(`${QEMU}memory size 0x1000000 must be equal to or larger than page size 0x40000000`);
  });

  it('strict binding to a node without pages fails while another node has them; preferred starts', () => {
    const h = host('tutorial-host.json');
    const strict = predictStart(domain(vm({ memory: '64', backing: '<hugepages/>', extra: "<numatune><memory mode='strict' nodeset='0'/></numatune>" })), h);
    expect(strict.verdict).toBe('fails');
    expect(strict.reasons[0]!.message).toContain('preallocating memory failed');
    expect(strict.demand).toContainEqual({ pageSizeKiB: 2048, hostNode: 0, needed: 32, available: 0 });
    const preferred = predictStart(domain(vm({ memory: '64', backing: '<hugepages/>', extra: "<numatune><memory mode='preferred' nodeset='0'/></numatune>" })), h);
    expect(preferred.verdict).toBe('starts');
  });

  it('a host node that does not exist', () => {
    const p = predictStart(domain(vm({ memory: '64', extra: "<numatune><memory mode='strict' nodeset='3'/></numatune>" })), host('tutorial-host.json'));
    expect(p.reasons[0]!.message).toBe('unsupported configuration: NUMA node 3 is unavailable');
  });

  it("type='kvm' goes by /dev/kvm, not by CPU flags a nested guest may hide", () => {
    const lab = host('this-machine');
    expect(lab.kvm.devKvm).toBe(true);
    expect(predictStart(domain(vm({ memory: '64', type: 'kvm' })), { ...lab, cpu: { ...lab.cpu, vmx: false, svm: false } }).verdict).toBe('starts');
  });

  it("type='kvm' needs /dev/kvm", () => {
    const p = predictStart(domain(vm({ memory: '64', type: 'kvm' })), host('no-1g'));
    expect(p.reasons[0]!.message).toBe("unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support virt type 'kvm'");
  });

  it('what the snapshot cannot tell is unknown, not guessed', () => {
    const caps = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'hosts', 'virsh', 'capabilities-two-nodes.expected.json'), 'utf8')) as HostSnapshot;
    const p = predictStart(domain(vm({ memory: '64', backing: '<hugepages/>' })), caps);
    expect(p.verdict).toBe('unknown');
    expect(p.reasons.map((r) => r.message).join(' ')).toContain('mounts');
  });
});

describe('several VMs on one host', () => {
  it('two VMs that fit alone but not together: the second fails together, and a failed start takes no pages', () => {
    const h = host('one-node-2m');
    const a = domain(vm({ memory: '512', backing: '<hugepages/>' }));
    const b = domain(vm({ memory: '512', backing: '<hugepages/>' }));
    const tiny = domain(vm({ memory: '64', backing: '<hugepages/>' }));
    const [ra, rb, rc] = predictBatch([a, b, tiny], h);
    expect(ra!.alone.verdict).toBe('starts');
    expect(rb!.alone.verdict).toBe('starts');
    expect(ra!.together.verdict).toBe('starts');
    expect(rb!.together.verdict).toBe('fails');
    expect(rb!.together.demand[0]).toEqual({ pageSizeKiB: 2048, hostNode: null, needed: 256, available: 242 });
    // b failed, so its pages were not taken: the tiny VM still fits after a.
    expect(rc!.together.verdict).toBe('starts');
  });

  it('kvmxml check prints one JSON object per file with verdict, reasons, demand and the batch verdict', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmxml-check-'));
    writeFileSync(join(dir, 'a.xml'), vm({ memory: '512', backing: '<hugepages/>' }).replace('<name>t</name>', '<name>a</name>'));
    writeFileSync(join(dir, 'b.xml'), vm({ memory: '512', backing: '<hugepages/>' }).replace('<name>t</name>', '<name>b</name>'));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kvmxml.js'), 'check', '--format', 'json', '--host', join(ROOT, 'fixtures', 'hosts', 'one-node-2m', 'expected.json'), join(dir, 'a.xml'), join(dir, 'b.xml')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.map((x: { verdict: string }) => x.verdict)).toEqual(['starts', 'starts']);
    expect(out[1].together.verdict).toBe('fails');
    expect(out[0].demand[0]).toEqual({ pageSizeKiB: 2048, hostNode: null, needed: 256, available: 498 });
    expect(Object.keys(out[0]).sort()).toEqual(['demand', 'filePath', 'libvirt', 'reasons', 'together', 'verdict']);
    const stylish = spawnSync(process.execPath, [join(ROOT, 'bin', 'kvmxml.js'), 'check', '--host', join(ROOT, 'fixtures', 'hosts', 'one-node-2m', 'expected.json'), join(dir, 'a.xml'), join(dir, 'b.xml')], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(stylish.stdout).toContain('b.xml is the first that fails');
  });
});

describe('what a start verdict did not check', () => {
  const lab = host('one-node-2m');
  const devices = `<maxMemory slots='2' unit='MiB'>2048</maxMemory>
  <cpu><numa><cell id='0' cpus='0' memory='512' unit='MiB' memAccess='shared'/></numa></cpu>
  <devices>
    <memory model='nvdimm'><source><path>/srv/nvdimm0.img</path></source><target><size unit='MiB'>128</size><node>0</node></target></memory>
    <interface type='vhostuser'><source type='unix' path='/run/ovs/vhu0.sock' mode='client'/><model type='virtio'/></interface>
    <filesystem type='mount'><driver type='virtiofs'/><source dir='/srv/share'/><target dir='share'/></filesystem>
    <filesystem type='mount'><driver type='virtiofs' queue='1024'/><source socket='/run/virtiofsd.sock'/><target dir='ext'/></filesystem>
    <disk type='vhostuser' device='disk'><source type='unix' path='/run/spdk/vhost.0'/><target dev='vda' bus='virtio'/></disk>
  </devices>`;

  it('names the backing files, vhost-user sockets and virtiofsd it assumed, in document order', () => {
    const p = predictStart(domain(vm({ memory: '640', extra: devices })), lab);
    expect(p.verdict).toBe('starts');
    expect(p.unchecked.map((u) => u.message)).toEqual([
      'the nvdimm backing file /srv/nvdimm0.img (QEMU opens it at start)',
      'the vhost-user interface socket /run/ovs/vhu0.sock (its back end must be listening when the guest starts)',
      'virtiofsd for /srv/share (libvirt starts it; it must be installed, e.g. /usr/libexec/virtiofsd)',
      'the virtiofsd socket /run/virtiofsd.sock (an externally started virtiofsd must be listening)',
      'the vhost-user disk socket /run/spdk/vhost.0 (its back end must be listening when the guest starts)',
    ]);
  });

  it('an element of another namespace among the devices is not one of them', () => {
    const foreign = `<maxMemory slots='2' unit='MiB'>2048</maxMemory>
  <cpu><numa><cell id='0' cpus='0' memory='512' unit='MiB'/></numa></cpu>
  <devices>
    <memory xmlns='http://example.com/inventory/1.0' model='nvdimm'><source><path>/srv/nvdimm0.img</path></source></memory>
    <interface xmlns='http://example.com/inventory/1.0' type='vhostuser'><source type='unix' path='/run/ovs/vhu0.sock' mode='client'/></interface>
  </devices>`;
    expect(predictStart(domain(vm({ memory: '512', extra: foreign })), lab).unchecked).toEqual([]);
  });

  it('a definition without such devices assumes nothing', () => {
    expect(predictStart(domain(vm({ memory: '64' })), lab).unchecked).toEqual([]);
  });

  it('a failing start lists nothing it assumed', () => {
    const p = predictStart(domain(vm({ memory: '4096', backing: '<hugepages/>', extra: devices.replace("memory='512'", "memory='4096'") })), lab);
    expect(p.verdict).toBe('fails');
    expect(p.unchecked).toEqual([]);
  });

  it('other drivers than QEMU get unknown: the start sequence is the QEMU driver’s', () => {
    const p = predictStart(domain(vm({ memory: '64', type: 'lxc' })), lab);
    expect(p.verdict).toBe('unknown');
    expect(p.reasons[0]!.message).toContain("type='lxc' goes to another libvirt driver");
  });

  it('kvmxml check says what it did not check, in stylish and JSON output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvmxml-check-'));
    const file = join(dir, 'vm.xml');
    writeFileSync(file, vm({ memory: '640', extra: devices }));
    const hostFile = join(ROOT, 'fixtures', 'hosts', 'one-node-2m', 'expected.json');
    const run = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'kvmxml.js'), 'check', ...a, '--host', hostFile, file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const stylish = run();
    expect(stylish.status).toBe(0);
    expect(stylish.stdout).toContain('vm.xml: starts (assuming what the host description cannot show: 5 files, sockets or helpers)');
    expect(stylish.stdout).toMatch(/^ {2}\d+:\d+ {2}not checked: the nvdimm backing file \/srv\/nvdimm0\.img/m);
    const json = JSON.parse(run('--format', 'json').stdout);
    expect(json[0].verdict).toBe('starts');
    expect(json[0].unchecked).toHaveLength(5);
    expect(json[0].unchecked[0]).toMatchObject({ message: expect.stringContaining('/srv/nvdimm0.img'), line: expect.any(Number), column: expect.any(Number) });
  });
});

describe('numad on the host (automatic NUMA placement)', () => {
  const auto = vm({ memory: '64', extra: "<numatune><memory mode='strict' placement='auto'/></numatune>" });
  it('a host without numad fails the start in libvirt’s words', () => {
    const p = predictStart(domain(auto), host('this-machine'));
    expect(host('this-machine').numad).toBe(false);
    expect(p.verdict).toBe('fails');
    expect(p.reasons[0]!.message).toBe('operation failed: Failed to query numad for the advisory nodeset');
  });
  it('a host with numad starts it; a snapshot that cannot tell gives unknown', () => {
    expect(predictStart(domain(auto), { ...host('this-machine'), numad: true }).verdict).toBe('starts');
    const p = predictStart(domain(auto), { ...host('this-machine'), numad: null });
    expect(p.verdict).toBe('unknown');
    expect(p.reasons[0]!.message).toContain('cannot tell whether numad is installed');
  });
});

describe('CPU pinning against the host’s online CPUs', () => {
  const lab = host('this-machine'); // online CPUs 0-1
  const pinned = (vcpu: string, cputune = '', iothreads = '') =>
    domain(`<domain type='qemu'><name>t</name><memory unit='MiB'>64</memory>${vcpu}${iothreads}${cputune ? `<cputune>${cputune}</cputune>` : ''}<os><type arch='x86_64'>hvm</type></os></domain>`);

  it('names the thread group libvirt fails to pin, in its words, and what to change', () => {
    const p = predictStart(pinned('<vcpu>2</vcpu>', "<vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='1' cpuset='3-4'/>"), lab);
    expect(p.verdict).toBe('fails');
    expect(p.reasons[0]!.message).toBe("Unable to write to '…/vcpu1/cpuset.cpus': Numerical result out of range");
    expect(p.reasons[0]!.suggestion).toBe('vCPU 1 is pinned to host CPUs 3,4, which this host does not have online (its online CPUs are 0-1): pin to CPUs it has');
  });

  it('goes in libvirt’s order: the emulator (emulatorpin, else <vcpu cpuset>), then each vCPU, then the I/O threads', () => {
    const first = (d: ReturnType<typeof pinned>) => predictStart(d, lab).reasons[0]?.message;
    expect(first(pinned("<vcpu cpuset='5'>1</vcpu>", "<vcpupin vcpu='0' cpuset='6'/>"))).toContain("'…/emulator/cpuset.cpus'");
    expect(first(pinned("<vcpu cpuset='5'>2</vcpu>", "<emulatorpin cpuset='0'/><vcpupin vcpu='0' cpuset='1'/>"))).toContain("'…/vcpu1/cpuset.cpus'");
    expect(first(pinned('<vcpu>1</vcpu>', "<vcpupin vcpu='0' cpuset='0'/><iothreadpin iothread='1' cpuset='9'/>", '<iothreads>1</iothreads>'))).toContain("'…/iothread1/cpuset.cpus'");
  });

  it('pins within the online CPUs start; a snapshot without them gives unknown', () => {
    expect(predictStart(pinned("<vcpu cpuset='0-1'>2</vcpu>", "<emulatorpin cpuset='1'/>"), lab).verdict).toBe('starts');
    const p = predictStart(pinned("<vcpu cpuset='0'>1</vcpu>"), { ...lab, onlineCpus: null });
    expect(p.verdict).toBe('unknown');
    expect(p.reasons[0]!.message).toContain("does not list the host's online CPUs");
  });

  it('an offline CPU inside the online range fails without claiming the errno', () => {
    const p = predictStart(pinned("<vcpu cpuset='1'>1</vcpu>"), { ...lab, onlineCpus: [0, 2, 3] });
    expect(p.reasons[0]!.message).toBe("Unable to write to '…/emulator/cpuset.cpus'");
  });

  it('kvmxml check --host reports it as the verdict', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kvmxml.js'), 'check', '--host', join(ROOT, 'fixtures', 'hosts', 'this-machine', 'expected.json'), join(ROOT, 'fixtures', 'conformance', 'cpu-vcpupin-host-cpu-missing', 'domain.xml')], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("fails\n  6:23  Unable to write to '…/vcpu0/cpuset.cpus': Numerical result out of range  start-prediction [start]");
  });
});

describe('guest RAM against host RAM and swap', () => {
  const lab = host('this-machine'); // about 23.5 GiB of RAM, no swap, vm.overcommit_memory=0
  it('a guest larger than RAM and swap together fails under heuristic overcommit, in QEMU’s words', () => {
    const p = predictStart(domain(vm({ memory: String(32 * 1024) })), lab);
    expect(p.verdict).toBe('fails');
    expect(p.reasons[0]!.message).toBe(`${QEMU}cannot set up guest memory 'pc.ram': Cannot allocate memory`);
  });
  it('swap that covers it starts; unknown swap stays unknown', () => {
    expect(predictStart(domain(vm({ memory: String(32 * 1024) })), { ...lab, memory: { ...lab.memory, swapTotalKiB: 16 * 1048576 } }).verdict).toBe('starts');
    expect(predictStart(domain(vm({ memory: String(32 * 1024) })), { ...lab, memory: { ...lab.memory, swapTotalKiB: null } }).verdict).toBe('unknown');
  });
});
