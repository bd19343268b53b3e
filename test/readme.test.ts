/**
 * The README stays true: its rule list is the live registry's (regenerate with `npm run docs`),
 * its first commands are the setup commands, its sections come in the promised order, and the
 * formats and commands it names exist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentRuleList, END, renderRuleList, START, withRuleList } from '../scripts/readme-rules.js';
import { engineRules, rules } from '../rules/index.js';
import { FORMATS } from '../src/formatters/index.js';
import { ROOT } from './helpers/fixtures.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README.md', () => {
  it('lists every rule of the registry, as `npm run docs` writes it', () => {
    const current = currentRuleList(README);
    expect(current, `README.md needs the markers ${START} and ${END}`).not.toBeNull();
    // On failure: run `npm run docs` and commit README.md.
    expect(current, 'the rule list in README.md is stale: run `npm run docs`').toBe(renderRuleList());
    for (const m of [...engineRules, ...rules.map((r) => r.meta)]) expect(current).toContain(`[\`${m.id}\`](rules/${m.id}.md)`);
  });

  it('regenerating is idempotent and touches only the text between the markers', () => {
    const once = withRuleList(README);
    expect(withRuleList(once)).toBe(once);
    const outside = (s: string) => s.slice(0, s.indexOf(START)) + s.slice(s.indexOf(END));
    expect(outside(once)).toBe(outside(README));
  });

  it('starts with the two setup commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(README)?.[1];
    expect(firstBlock).toBe(
      'npm ci && npm run build && ./bin/kvmxml.js lint fixtures/examples   # install, build, then lint the bundled examples\n' +
        'npm test                                                            # run the tests\n',
    );
    expect(README.indexOf('```sh')).toBeLessThan(README.indexOf('\n## '));
  });

  it('has the tour, then hooks and CI, then the rules, before the command reference', () => {
    const at = (h: string) => {
      const i = README.indexOf(`\n## ${h}\n`);
      expect(i, h).toBeGreaterThan(0);
      return i;
    };
    const order = [at('A 30-second tour'), at('In git hooks and CI'), at('Rules'), at('Commands'), at('Configuration')];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const cmd of ['kvmxml lint', 'kvmxml fix --dry-run', 'kvmxml snapshot', 'kvmxml check --host host.json vm.xml']) expect(README).toContain(cmd);
    expect(README).toContain('--format sarif');
    expect(README).toContain('upload-sarif');
    expect(README).toContain('junit: kvmxml-junit.xml');
    expect(README).toContain('id: kvmxml-lint');
  });

  it('names every output format', () => {
    for (const f of FORMATS) expect(README).toContain(`\`${f}\``);
  });
});
