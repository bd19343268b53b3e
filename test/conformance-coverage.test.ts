/**
 * Every error-level rule that claims a libvirt stage (parse, define, start) is backed by real
 * libvirt: for a profile it holds for, it fires on at least one conformance case that this
 * profile's libvirt refused, and stays silent on at least one that it accepted and that touches
 * the same setting (the case's XML contains an element the failing case's finding pointed at).
 * A rule that holds for one profile only is backed by the labels of that profile's libvirt.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { lintText } from '../src/engine/lint.js';
import { PROFILES, PROFILE_IDS, type ProfileId } from '../src/libvirt/profile.js';
import { allActive } from './helpers/fixtures.js';
import { labHost } from './helpers/lab-host.js';
import { loadCases } from './libvirt/corpus.js';

const active = allActive();
const cases = loadCases();
const runsFor = (id: ProfileId) =>
  cases
    .filter((c) => c.labels[id])
    .map((c) => {
      const label = c.labels[id]!;
      // Cases whose start failure comes from this machine's peculiarities count where a rule
      // quotes the failure: the lab host snapshot describes this machine.
      const refused = !label.define.ok || (label.start !== null && !label.start.ok);
      const accepted = label.define.ok && (label.start === null || label.start.ok);
      const messages = lintText(c.xml, { filePath: join(c.dir, 'domain.xml'), rules: active, host: labHost(c.case.host), profile: PROFILES[id] }).messages;
      return { c, refused, accepted, messages };
    });
const runs = Object.fromEntries(PROFILE_IDS.map((id) => [id, runsFor(id)])) as Record<ProfileId, ReturnType<typeof runsFor>>;

describe('error-level rules are backed by labelled cases', () => {
  for (const rule of rules.filter((r) => r.meta.severity === 'error' && ['parse', 'define', 'start'].includes(r.meta.stage))) {
    // the first profile the rule holds for (the default one for most)
    const id = rule.meta.profiles?.[0] ?? PROFILE_IDS[0]!;
    it(`${rule.meta.id} (libvirt ${id} labels)`, () => {
      const failing = runs[id].filter((r) => r.refused && r.messages.some((m) => m.ruleId === rule.meta.id && m.severity === 2));
      expect(failing.map((r) => r.c.name), 'a case libvirt refused on which the rule fires').not.toEqual([]);
      // A passing twin: a case libvirt accepted that uses the same element the rule pointed at.
      const elements = new Set(failing.flatMap((r) => r.messages.filter((m) => m.ruleId === rule.meta.id).map((m) => (r.c.xml.split('\n')[m.line - 1] ?? '').trim().match(/^<([\w:-]+)/)?.[1])).filter(Boolean));
      const passing = runs[id].filter((r) => r.accepted && !r.messages.some((m) => m.ruleId === rule.meta.id) && [...elements].some((e) => r.c.xml.includes(`<${e}`)));
      expect(passing.map((r) => r.c.name), `an accepted case using <${[...elements].join('>, <')}> on which the rule is silent`).not.toEqual([]);
    });
  }

  it('some cases are refused by one libvirt and accepted by the other, and kvmxml follows each', () => {
    const [a, b] = PROFILE_IDS as [ProfileId, ProfileId];
    const verdict = (id: ProfileId, name: string) => runs[id].find((r) => r.c.name === name);
    const split = cases.filter((c) => {
      const x = verdict(a, c.name);
      const y = verdict(b, c.name);
      return x && y && x.refused !== y.refused && !c.case.caveat;
    });
    expect(split.map((c) => c.name).length).toBeGreaterThanOrEqual(3);
    for (const c of split) {
      for (const id of [a, b]) {
        const r = verdict(id, c.name)!;
        // a case that was not started is judged at define only
        const stages = c.labels[id]!.start === null ? ['parse', 'define'] : ['parse', 'define', 'start'];
        const errors = r.messages.filter((m) => m.severity === 2 && stages.includes(m.stage));
        expect(errors.length > 0, `${c.name} with libvirt ${id}: ${r.refused ? 'refused' : 'accepted'}; kvmxml reports ${JSON.stringify(errors.map((m) => m.ruleId))}`).toBe(r.refused);
      }
    }
  });
});
