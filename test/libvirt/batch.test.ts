/**
 * Several VMs on one host, on real libvirt: two 64 MiB guests on 2 MiB pages each fit a pool of
 * 48 pages alone, but not together. `virsh start` of the second, while the first runs, must fail
 * the way `kvmxml check` predicts for the batch, and each must start alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildDomainModel } from '../../src/domain/model.js';
import { predictBatch } from '../../src/predict/predict.js';
import { PROFILES } from '../../src/libvirt/profile.js';
import { parseXml } from '../../src/xml/document.js';
import { labHost } from '../helpers/lab-host.js';
import { normaliseMessage, virshErrorMessage, type HostSpec } from './corpus.js';
import { LAB_LIBVIRT, ensureHost, virsh } from './lab.js';
import { hostNeeds, skipReason, unmetNeeds } from './machine.js';

const status = inject('kvmxmlLab');
// kvmxml's verdicts and messages as the lab's libvirt would give them
const skip = !status?.available;

const HOST: HostSpec = { hugepages: { '2048': 48 }, mounts: [{ path: '/run/kvmxml-lab/hp2M', pagesize: '2M' }] };
const unmet = status?.machine ? unmetNeeds(hostNeeds(HOST), status.machine) : [];

function guest(name: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <memoryBacking>
    <hugepages/>
  </memoryBacking>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
</domain>
`;
}

const names = ['kvmxml-batch-a', 'kvmxml-batch-b'];
const dir = mkdtempSync(join(tmpdir(), 'kvmxml-batch-'));

async function cleanup(): Promise<void> {
  for (const n of names) {
    await virsh('destroy', n);
    await virsh('undefine', n);
  }
}

describe.skipIf(skip)('several VMs on one host (real libvirt)', () => {
  afterAll(async () => {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two guests that fit alone but not together: libvirt agrees with the batch prediction', async (ctx) => {
    if (unmet.length) ctx.skip(`this machine cannot run it: ${skipReason(unmet, status!.machine!)}`);
    const xml = names.map(guest);
    const domains = xml.map((x) => {
      const r = parseXml(x);
      if (!r.ok) throw new Error(r.problem.message);
      return buildDomainModel(r.doc.root);
    });
    const predicted = predictBatch(domains, labHost(HOST), PROFILES[LAB_LIBVIRT]);
    expect(predicted.map((p) => p.alone.verdict)).toEqual(['starts', 'starts']);
    expect(predicted.map((p) => p.together.verdict)).toEqual(['starts', 'fails']);

    await ensureHost(HOST);
    await cleanup();
    for (const [i, n] of names.entries()) {
      writeFileSync(join(dir, `${n}.xml`), xml[i] as string);
      expect((await virsh('define', join(dir, `${n}.xml`))).code).toBe(0);
    }
    // Each alone.
    for (const n of names) {
      const st = await virsh('start', n);
      expect(st.code, st.stderr).toBe(0);
      expect((await virsh('destroy', n)).code).toBe(0);
    }
    // Together, in order: the second fails with QEMU's words, as predicted.
    expect((await virsh('start', names[0] as string)).code).toBe(0);
    const second = await virsh('start', names[1] as string);
    expect(second.code).not.toBe(0);
    const message = normaliseMessage(virshErrorMessage(second.stderr));
    const want = predicted[1]!.together.reasons[0]!.message.replace(/^.*qemu-system-x86_64: /, '');
    expect(message).toContain(want);
  });
});
