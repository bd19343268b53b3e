/**
 * `kvmxml fit` against real libvirt: every conformance case whose label says the start failed for
 * a host reason (huge page mounts, pools, page sizes, host NUMA nodes) is fitted to its own host
 * (the lab machine with the case's pools and mounts, as test/fit-conformance.test.ts fits it),
 * with the profile of the libvirt under test. Where fit writes a file, that file is defined and
 * started on real libvirt with the case's host applied: it must start, and take exactly the huge
 * pages fit's demand table says. Where fit says no XML change can do it, the case must be one
 * test/libvirt/fit-cases.ts lists as such. What this machine cannot run is skipped with the reason.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fitBytes } from '../../src/fit/run.js';
import { PROFILES } from '../../src/libvirt/profile.js';
import { HostPools } from '../../src/predict/host-pools.js';
import { allActive } from '../helpers/fixtures.js';
import { labHost } from '../helpers/lab-host.js';
import { labelFile, loadCases, orderByHost } from './corpus.js';
import { HOST_REASON, UNFITTABLE } from './fit-cases.js';
import { HostShortError, LAB_LIBVIRT, ensureHost, labVersions, observeCase, type Versions } from './lab.js';
import { caseNeeds, skipReason, unmetNeeds } from './machine.js';

const status = inject('kvmxmlLab');
const machine = status?.machine;
const rules = allActive();
const cases = orderByHost(loadCases()).filter((c) => {
  const start = c.labels[LAB_LIBVIRT]?.start;
  return start && !start.ok && HOST_REASON.test(start.error);
});
const tally = { fitted: [] as string[], started: [] as string[], unfittable: [] as string[], skipped: [] as string[] };
const work = mkdtempSync(join(tmpdir(), 'kvmxml-fit-'));

describe.skipIf(!status?.available)(`kvmxml fit on real libvirt ${LAB_LIBVIRT}: fitted conformance cases start on their hosts`, () => {
  let versions: Versions;
  beforeAll(async () => {
    versions = await labVersions();
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    console.log(
      [
        `fit (libvirt ${LAB_LIBVIRT}): ${cases.length} cases fail to start for a host reason (${labelFile(LAB_LIBVIRT)}); ${tally.fitted.length} fitted, ${tally.started.length} of them started on real libvirt with the predicted pages; ${tally.unfittable.length} cannot be fitted by an XML change (${tally.unfittable.join(', ')})`,
        ...(tally.skipped.length ? [`  skipped: ${tally.skipped.join(', ')}`] : []),
      ].join('\n'),
    );
  });

  it('has such cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));

  for (const c of cases) {
    it(c.name, async (ctx) => {
      const host = labHost(c.case.host);
      const file = join(c.dir, 'domain.xml');
      const r = fitBytes(Buffer.from(c.xml), { filePath: file, lookup: file, rules, host, profile: PROFILES[LAB_LIBVIRT], pools: new HostPools(host) });
      expect(r.before.verdict).toBe('fails');
      if (r.status === 'cannot-fit') {
        tally.unfittable.push(c.name);
        expect(UNFITTABLE[c.name], `fit found no change for ${c.name}: ${r.why}`).toBeDefined();
        expect(r.why).toMatch(UNFITTABLE[c.name] as RegExp);
        return;
      }
      expect(r.status).toBe('fitted');
      tally.fitted.push(c.name);
      const fitted = r.output as string;
      const unmet = machine ? unmetNeeds(caseNeeds({ xml: fitted, case: c.case, label: c.labels[LAB_LIBVIRT] ?? null }), machine) : [];
      if (unmet.length && machine) {
        tally.skipped.push(`${c.name} (${skipReason(unmet, machine)})`);
        ctx.skip(`this machine cannot run the fitted file: ${skipReason(unmet, machine)}`);
      }
      try {
        await ensureHost(c.case.host);
      } catch (e) {
        if (e instanceof HostShortError) {
          tally.skipped.push(`${c.name} (the kernel would not hand over the pages)`);
          ctx.skip(`this machine cannot supply the case's host: ${e.message}`);
        }
        throw e;
      }
      const caseDir = mkdtempSync(join(work, `${c.name}.`));
      writeFileSync(join(caseDir, 'domain.xml'), fitted);
      const observed = await observeCase({ ...c, dir: caseDir, xml: fitted, case: { ...c.case, start: true } }, versions, machine!);
      expect(observed.define, `the fitted ${c.name} defines`).toEqual({ ok: true });
      expect(observed.start, `the fitted ${c.name} starts:\n${fitted}`).toEqual({ ok: true });
      const predicted: Record<string, number> = {};
      for (const row of r.after.demand) if (row.hostNode === null && row.needed > 0) predicted[String(row.pageSizeKiB)] = row.needed;
      expect(observed.hugepagesUsed ?? {}, 'huge pages taken, per size in KiB').toEqual(predicted);
      tally.started.push(c.name);
    });
  }
});
