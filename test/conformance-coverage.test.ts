/**
 * Every error-level rule that claims a libvirt stage (parse, define, start) is backed by real
 * libvirt: it fires on at least one conformance case that libvirt refused, and stays silent on
 * at least one that libvirt accepted and that touches the same setting (the case's XML contains
 * an element the failing case's finding pointed at).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { lintText } from '../src/engine/lint.js';
import { allActive } from './helpers/fixtures.js';
import { labHost } from './helpers/lab-host.js';
import { loadCases } from './libvirt/corpus.js';

const active = allActive();
const runs = loadCases()
  .filter((c) => c.label)
  .map((c) => {
    // Cases whose start failure comes from this machine's peculiarities count where a rule
    // quotes the failure: the lab host snapshot describes this machine.
    const refused = !c.label!.define.ok || (c.label!.start !== null && !c.label!.start.ok);
    const accepted = c.label!.define.ok && (c.label!.start === null || c.label!.start.ok);
    const messages = lintText(c.xml, { filePath: join(c.dir, 'domain.xml'), rules: active, host: labHost(c.case.host) }).messages;
    return { c, refused, accepted, messages };
  });

describe('error-level rules are backed by labelled cases', () => {
  for (const rule of rules.filter((r) => r.meta.severity === 'error' && ['parse', 'define', 'start'].includes(r.meta.stage))) {
    it(rule.meta.id, () => {
      const failing = runs.filter((r) => r.refused && r.messages.some((m) => m.ruleId === rule.meta.id && m.severity === 2));
      expect(failing.map((r) => r.c.name), 'a case libvirt refused on which the rule fires').not.toEqual([]);
      // A passing twin: a case libvirt accepted that uses the same element the rule pointed at.
      const elements = new Set(failing.flatMap((r) => r.messages.filter((m) => m.ruleId === rule.meta.id).map((m) => (r.c.xml.split('\n')[m.line - 1] ?? '').trim().match(/^<([\w:-]+)/)?.[1])).filter(Boolean));
      const passing = runs.filter((r) => r.accepted && !r.messages.some((m) => m.ruleId === rule.meta.id) && [...elements].some((e) => r.c.xml.includes(`<${e}`)));
      expect(passing.map((r) => r.c.name), `an accepted case using <${[...elements].join('>, <')}> on which the rule is silent`).not.toEqual([]);
    });
  }
});
