/**
 * Check 1: "the label is true". Every conformance case is run again on real libvirt (its host
 * applied, define, dumpxml, start and page count when the case asks) and compared with the
 * label.json the labeller wrote: define/start outcomes and messages (after normaliseMessage),
 * the canonical dumpxml fragments, and the huge pages consumed.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { compareLabels, loadCases, orderByHost } from './corpus.js';
import { HostShortError, ensureHost, labVersions, observeCase, type Versions } from './lab.js';

const status = inject('kvmxmlLab') as { available: boolean; reason?: string } | undefined;
const skipReason =
  status === undefined
    ? 'not run through vitest.libvirt.config.ts (use npm run test:libvirt)'
    : status.available
      ? null
      : (status.reason ?? 'libvirt unavailable');
const cases = orderByHost(loadCases());

describe.skipIf(skipReason !== null)('real libvirt agrees with every label (fixtures/conformance)', () => {
  let versions: Versions;
  beforeAll(async () => {
    versions = await labVersions();
  });

  it('has a corpus', () => expect(cases.length).toBeGreaterThanOrEqual(45));

  for (const c of cases) {
    it(c.name, async (ctx) => {
      expect(c.label, `${c.name} has no label.json: run node scripts/label.mjs ${c.dir}`).not.toBeNull();
      try {
        await ensureHost(c.case.host);
      } catch (e) {
        if (e instanceof HostShortError) ctx.skip(`this host cannot supply the case's host: ${e.message}`);
        throw e;
      }
      const actual = await observeCase(c, versions);
      expect(compareLabels(c.label!, actual), `${c.name}: ${c.case.description}`).toEqual([]);
    });
  }
});
