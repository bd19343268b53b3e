/**
 * `kvmxml fit` on the conformance corpus (no libvirt needed): every case whose label says the
 * start failed for a host reason (huge page mounts, pools, page sizes, host NUMA nodes) is fitted
 * to its own host, as the lab applies it to this machine, with each lab libvirt's profile. A fitted
 * file must be one `check` calls `starts` there, keep every guest memory size and cell, and stay
 * on huge pages; a case fit leaves alone must be one whose host no XML change can satisfy, said so.
 * test/libvirt/fit.test.ts then starts the fitted files on real libvirt.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDomainModel } from '../src/domain/model.js';
import { memoryBackends } from '../src/domain/hugepages.js';
import { fitBytes } from '../src/fit/run.js';
import { HostPools } from '../src/predict/host-pools.js';
import { PROFILES } from '../src/libvirt/profile.js';
import { parseXml } from '../src/xml/document.js';
import { allActive } from './helpers/fixtures.js';
import { labHost } from './helpers/lab-host.js';
import { LAB_LIBVIRTS, loadCases } from './libvirt/corpus.js';
import { HOST_REASON, UNFITTABLE } from './libvirt/fit-cases.js';

const rules = allActive();

function backendsOf(xml: string) {
  const parsed = parseXml(xml);
  if (!parsed.ok) throw new Error('not XML');
  return memoryBackends(buildDomainModel(parsed.doc.root)).map((b) => ({ id: b.id, sizeKiB: b.sizeKiB, huge: b.pageSizeKiB !== null }));
}

for (const version of LAB_LIBVIRTS) {
  describe(`kvmxml fit --libvirt ${version} on the conformance cases that fail to start for a host reason`, () => {
    const cases = loadCases().filter((c) => {
      const start = c.labels[version]?.start;
      return start && !start.ok && HOST_REASON.test(start.error);
    });
    it('has such cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));
    for (const c of cases) {
      it(c.name, () => {
        const host = labHost(c.case.host);
        const r = fitBytes(Buffer.from(c.xml), { filePath: join(c.dir, 'domain.xml'), lookup: join(c.dir, 'domain.xml'), rules, host, profile: PROFILES[version], pools: new HostPools(host) });
        expect(r.before.verdict).toBe('fails');
        const unfittable = UNFITTABLE[c.name];
        if (unfittable) {
          expect(r.status, JSON.stringify(r.changes)).toBe('cannot-fit');
          expect(r.why).toMatch(unfittable);
          expect(r.output).toBeUndefined();
          return;
        }
        expect(r.status, r.why).toBe('fitted');
        expect(r.after.verdict).toBe('starts');
        const before = backendsOf(c.xml);
        const after = backendsOf(r.output as string);
        expect(after).toEqual(before);
      });
    }
  });
}
