/**
 * kvmxml agrees with real libvirt on every labelled case of fixtures/conformance (check 2 of the
 * conformance suite; needs no libvirt). With every rule on, and the case's host configuration
 * applied to this lab machine's snapshot:
 * - libvirt refused the definition → an error-level finding at stage parse or define quoting
 *   libvirt's message;
 * - libvirt defined it but `virsh start` failed → an error-level finding at stage start quoting
 *   the message (for QEMU failures, QEMU's own line);
 * - libvirt defined and started it → no error-level finding at stage parse, define or start.
 *   (Schema-stage findings are allowed: plain `virsh define` accepts and drops such settings.)
 * Start failures that come from this machine's peculiarities (cases with a `caveat`, e.g. its
 * 8 MiB memlock limit) are not held against kvmxml.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintText } from '../src/engine/lint.js';
import type { LintMessage } from '../src/engine/types.js';
import type { HostSnapshot } from '../src/host/snapshot.js';
import { allActive, ROOT } from './helpers/fixtures.js';
import { loadCases, type HostSpec } from './libvirt/corpus.js';

const LAB = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'hosts', 'this-machine', 'expected.json'), 'utf8')) as HostSnapshot;

function pageSizeOf(spec: string | undefined): number {
  if (!spec) return LAB.defaultHugepageSizeKiB ?? 2048;
  const m = /^(\d+)([KMG])$/i.exec(spec);
  if (!m) throw new Error(`pagesize ${spec}`);
  return Number(m[1]) * ({ K: 1, M: 1024, G: 1048576 } as Record<string, number>)[(m[2] as string).toUpperCase()]!;
}

/** The lab machine with a case's pools and mounts, as `scripts/libvirt-lab.sh apply-host` sets them. */
export function labHost(spec: HostSpec | undefined): HostSnapshot {
  const pools = spec?.hugepages ?? {};
  const sizes = (LAB.hugepages ?? []).map((p) => p.sizeKiB);
  return {
    ...LAB,
    hugepages: sizes.map((sizeKiB) => {
      const n = pools[String(sizeKiB)] ?? 0;
      return { sizeKiB, total: n, free: n, reserved: 0, surplus: 0, overcommit: 0 };
    }),
    nodes: (LAB.nodes ?? []).map((node) => ({
      ...node,
      hugepages: sizes.map((sizeKiB) => {
        const n = pools[String(sizeKiB)] ?? 0;
        return { sizeKiB, total: n, free: n, surplus: 0 };
      }),
    })),
    mounts: (spec?.mounts ?? []).map((m) => ({
      path: m.path,
      device: 'hugetlbfs',
      pageSizeKiB: pageSizeOf(m.pagesize),
      pageSizeExplicit: m.pagesize !== undefined,
      sizeLimitKiB: null,
      minSizeKiB: null,
      nrInodes: null,
      options: m.pagesize ? `rw,relatime,pagesize=${m.pagesize}` : 'rw,relatime',
    })),
  };
}

/** The part of libvirt's message kvmxml must quote: QEMU's own line for QEMU failures; the first line otherwise. */
export function quotable(error: string): string {
  const first = error.split('\n')[0] as string;
  const qemu = /qemu-system-x86_64: (.*)$/.exec(first);
  if (qemu) return qemu[1] as string;
  return first.replace(/^\(domain_definition\):\d+: /, '');
}

const cases = loadCases().filter((c) => c.label);
const rules = allActive();

function describeFindings(found: LintMessage[]): string {
  return JSON.stringify(found.map((m) => `${m.ruleId} [${m.stage}] ${m.severity === 2 ? 'error' : 'warn'}: ${m.message}`), null, 1);
}

describe('kvmxml agrees with real libvirt on the conformance corpus', () => {
  it('has at least 40 labelled cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));
  for (const c of cases) {
    const label = c.label!;
    it(c.name, () => {
      const found = lintText(c.xml, { filePath: join(c.dir, 'domain.xml'), rules, host: labHost(c.case.host) }).messages;
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
