/**
 * A run of many files on a two-core machine starts Node again under a one-thread V8 pool
 * (bin/kvmxml.js). The second process must be invisible: the same report, exit code and stdin,
 * signals passed on. Runs the built bin (npm test builds first).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

const BIN = join(ROOT, 'bin', 'kvmxml.js');
const FAIL = join(ROOT, 'fixtures', 'rules', 'size-value', 'crlf-cell.fail.xml');
const PASS = join(ROOT, 'fixtures', 'rules', 'memtune-order', 'canonical.pass.xml');
/** bin/kvmxml.js's MANY_FILES: the fewest files a run restarts for. */
const FILES = 5000;
const RESTARTS = process.platform === 'linux' && availableParallelism() === 2;
const RESTARTED_LINE = 'kvmxml: restarted with --v8-pool-size=1';

function run(args: string[], env: Record<string, string> = {}, input = '') {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete e.KVMXML_V8_POOL_RESTARTED;
  delete e.NODE_OPTIONS;
  Object.assign(e, env);
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: e, input, encoding: 'utf8' });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvmxml-restart-'));
  mkdirSync(join(dir, 'sub'));
  for (let i = 0; i < FILES; i++) copyFileSync(i % 100 === 0 ? FAIL : PASS, join(dir, i % 2 ? 'sub' : '', `vm-${String(i).padStart(4, '0')}.xml`));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the restart under a one-thread V8 pool', () => {
  if (!RESTARTS) console.warn(`test/cli-pool-restart.test.ts: this machine has ${availableParallelism()} cores on ${process.platform}; kvmxml restarts only on 2 cores (Linux), so only the absence of a restart is checked here`);

  it(RESTARTS ? 'restarts a run of 5,000 files and reports exactly what one process reports' : 'does not restart on this machine, and reports what one process reports', () => {
    const restarted = run(['lint', '--format', 'json', '--debug', dir]);
    const inProcess = run(['lint', '--format', 'json', '--debug', dir], { KVMXML_V8_POOL_RESTARTED: '1' });
    expect(restarted.stderr.includes(RESTARTED_LINE)).toBe(RESTARTS);
    expect(inProcess.stderr).not.toContain(RESTARTED_LINE);
    expect(restarted.code).toBe(1);
    expect(inProcess.code).toBe(1);
    expect(restarted.stdout).toBe(inProcess.stdout);
    const results = JSON.parse(restarted.stdout) as { errorCount: number; warningCount: number }[];
    expect(results).toHaveLength(FILES);
    expect(results.filter((r) => r.errorCount > 0)).toHaveLength(FILES / 100);
  });

  it('leaves small runs, other commands and a pool the user set alone', () => {
    expect(run(['lint', '--debug', PASS]).stderr).not.toContain(RESTARTED_LINE);
    expect(run(['rules', '--debug']).stderr).not.toContain(RESTARTED_LINE);
    const own = spawnSync(process.execPath, ['--v8-pool-size=2', BIN, 'lint', '--format', 'json', '--debug', dir], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, KVMXML_V8_POOL_RESTARTED: '' } });
    expect(own.stderr).not.toContain(RESTARTED_LINE);
    expect(own.status).toBe(1);
  });

  it('passes on the exit code of a usage error and standard input', () => {
    const bad = run(['lint', '--format', 'nope', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const files = Array.from({ length: FILES }, () => PASS);
    const stdin = run(['lint', '--format', 'json', ...files, '-'], {}, '<domain><memory>1</memory>');
    expect(stdin.code).toBe(1);
    const last = (JSON.parse(stdin.stdout) as { filePath: string; messages: { ruleId: string }[] }[]).at(-1);
    expect(last?.messages[0]?.ruleId).toBe('xml-well-formed');
  });

  it.runIf(RESTARTS)('passes SIGTERM on and ends by it', async () => {
    const child = spawn(process.execPath, [BIN, 'lint', dir, dir, dir, dir, dir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KVMXML_DEBUG: '1', KVMXML_V8_POOL_RESTARTED: '' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      // At once: the line comes once the new process exists, and a lint of 5,000 files may be over within half a second.
      if (err.includes(RESTARTED_LINE)) child.kill('SIGTERM');
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, s) => resolve(s)));
    expect(signal).toBe('SIGTERM');
  });
});
