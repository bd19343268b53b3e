/**
 * `kvmxml check` over many files reads and parses each file once: the lint (whose host-start
 * rule already predicts) hands its document and model to the verdict. Counted with a parser
 * handed to the runner, and compared with the CLI's own report for the same files.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../src/host/snapshot.js';
import { DEFAULT_PROFILE } from '../src/libvirt/profile.js';
import { formatCheckJson } from '../src/formatters/check.js';
import { checkFiles } from '../src/runner/check.js';
import { parseXml } from '../src/xml/document.js';
import { ROOT } from './helpers/fixtures.js';

const HOST_FILE = join(ROOT, 'fixtures', 'hosts', 'tutorial-two-nodes', 'expected.json');
const CONFORMANCE = join(ROOT, 'fixtures', 'conformance');

describe('kvmxml check parses each file once', () => {
  // Forty definitions that start, fail at define or fail at start, and one that is not well-formed.
  const files = readdirSync(CONFORMANCE)
    .sort()
    .slice(0, 40)
    .map((c) => join(CONFORMANCE, c, 'domain.xml'));
  files.push(join(ROOT, 'fixtures', 'rules', 'xml-well-formed', readdirSync(join(ROOT, 'fixtures', 'rules', 'xml-well-formed')).filter((f) => f.endsWith('.fail.xml')).sort()[0] as string));

  it('one parse per file, and the same report as the command line', async () => {
    const host = JSON.parse(readFileSync(HOST_FILE, 'utf8')) as HostSnapshot;
    const parsed: string[] = [];
    const errors: string[] = [];
    const results = await checkFiles({
      paths: files,
      host,
      config: false,
      ignore: { enabled: false, patterns: [], cwd: ROOT },
      stdinName: { report: '<stdin>', lookup: 'stdin.xml' },
      onInternalError: (f) => errors.push(f),
      profile: () => DEFAULT_PROFILE,
      parse: (text) => {
        parsed.push(text);
        return parseXml(text);
      },
    });
    expect(errors).toEqual([]);
    expect(results).toHaveLength(files.length);
    expect(parsed).toHaveLength(files.length);
    // Each parse was of a different file's text.
    expect(new Set(parsed).size).toBe(new Set(files.map((f) => readFileSync(f, 'utf8'))).size);
    expect(results.filter((r) => r.verdict === 'fails').length).toBeGreaterThan(5);
    expect(results.filter((r) => r.verdict === 'starts').length).toBeGreaterThan(5);
    const cli = spawnSync(process.execPath, [join(ROOT, 'bin', 'kvmxml.js'), 'check', '--no-config', '--libvirt', '9.0', '-f', 'json', '--host', HOST_FILE, ...files], { encoding: 'utf8' });
    expect(cli.stderr).toBe('');
    expect(JSON.parse(cli.stdout)).toEqual(JSON.parse(formatCheckJson(results)));
  });
});
