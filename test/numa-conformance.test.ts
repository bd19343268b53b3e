/**
 * The NUMA rules against the conformance corpus (fixtures/conformance/numa-*, labelled by real
 * libvirt 9.0): where libvirt refused a case, a NUMA rule reports it at the stage libvirt reacted,
 * quoting libvirt's message; where libvirt accepted it (define and, when tried, start), no NUMA
 * rule reports an error. Start outcomes are judged on the lab host's own snapshot
 * (fixtures/hosts/this-machine: one NUMA node, no numad).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { lintText } from '../src/engine/lint.js';
import { takeSnapshot } from '../src/host/index.js';
import { ROOT, allActive } from './helpers/fixtures.js';
import { loadCases } from './libvirt/corpus.js';

const numaRules = rules.filter((r) => r.meta.id.startsWith('numa-') || r.meta.id.startsWith('numatune-'));
const host = (await takeSnapshot({ root: join(ROOT, 'fixtures', 'hosts', 'this-machine') })).snapshot;
const cases = loadCases().filter((c) => c.name.startsWith('numa-') && c.label);

function lint(xml: string) {
  return lintText(xml, { filePath: 'domain.xml', rules: allActive(numaRules), host }).messages;
}

describe('NUMA rules agree with real libvirt (fixtures/conformance/numa-*)', () => {
  it('has labelled cases', () => expect(cases.length).toBeGreaterThan(40));
  for (const c of cases) {
    const label = c.label!;
    it(c.name, () => {
      const found = lint(c.xml);
      const failure = !label.define.ok ? { stage: 'define', error: label.define.error } : label.start && !label.start.ok ? { stage: 'start', error: label.start.error } : null;
      if (failure) {
        const hit = found.find((m) => m.stage === failure.stage && m.message.includes(`(libvirt: ${failure.error})`));
        expect(hit, `a ${failure.stage} finding quoting "${failure.error}"; got ${JSON.stringify(found.map((m) => `${m.ruleId} ${m.stage}: ${m.message}`))}`).toBeDefined();
      } else {
        const errors = found.filter((m) => m.severity === 2);
        expect(errors.map((m) => `${m.ruleId}: ${m.message}`)).toEqual([]);
      }
    });
  }
});
