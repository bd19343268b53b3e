/**
 * kvmxml agrees with real libvirt on every labelled case of fixtures/conformance (check 2 of the
 * conformance suite; needs no libvirt), for each lab libvirt with its own labels and kvmxml's
 * profile of that version. With every rule on, and the case's host configuration applied to this
 * lab machine's snapshot:
 * - libvirt refused the definition → an error-level finding at stage parse or define quoting
 *   libvirt's message;
 * - libvirt defined it but `virsh start` failed → an error-level finding at stage start quoting
 *   the message (for QEMU failures, QEMU's own line);
 * - libvirt defined and started it → no error-level finding at stage parse, define or start.
 *   (Schema-stage findings are allowed: plain `virsh define` accepts and drops such settings.)
 * Start failures that come from this machine's peculiarities (cases with a `caveat`, e.g. its
 * 8 MiB memlock limit) are not held against kvmxml.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintText } from '../src/engine/lint.js';
import type { LintMessage } from '../src/engine/types.js';
import { allActive } from './helpers/fixtures.js';
import { labHost, quotable } from './helpers/lab-host.js';
import { LAB_LIBVIRTS, loadCases } from './libvirt/corpus.js';
import { PROFILES } from '../src/libvirt/profile.js';

const rules = allActive();

function describeFindings(found: LintMessage[]): string {
  return JSON.stringify(found.map((m) => `${m.ruleId} [${m.stage}] ${m.severity === 2 ? 'error' : 'warn'}: ${m.message}`), null, 1);
}

for (const version of LAB_LIBVIRTS) describe(`with --libvirt ${version}, kvmxml agrees with real libvirt ${version} on the conformance corpus`, () => {
  const profile = PROFILES[version];
  const cases = loadCases().filter((c) => c.labels[version]);
  it('has at least 40 labelled cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));
  for (const c of cases) {
    const label = c.labels[version]!;
    it(c.name, () => {
      const found = lintText(c.xml, { filePath: join(c.dir, 'domain.xml'), rules, host: labHost(c.case.host), profile }).messages;
      const errors = found.filter((m) => m.severity === 2);
      if (!label.define.ok) {
        const want = quotable(label.define.error);
        const hit = errors.find((m) => (m.stage === 'define' || m.stage === 'parse') && m.message.includes(want));
        expect(hit, `an error at define/parse quoting "${want}"; got ${describeFindings(found)}`).toBeDefined();
        return;
      }
      const early = errors.filter((m) => m.stage === 'define' || m.stage === 'parse');
      expect(early.map((m) => `${m.ruleId}: ${m.message}`), 'libvirt defined it').toEqual([]);
      if (label.start && !label.start.ok && !c.case.caveat) {
        const want = quotable(label.start.error);
        const hit = errors.find((m) => m.stage === 'start' && m.message.includes(want));
        expect(hit, `an error at start quoting "${want}"; got ${describeFindings(found)}`).toBeDefined();
      } else if (label.start?.ok) {
        const atStart = errors.filter((m) => m.stage === 'start');
        expect(atStart.map((m) => `${m.ruleId}: ${m.message}`), 'libvirt started it').toEqual([]);
      }
    });
  }
});
