// Benchmarks, run by `npm run bench` (not part of the tests: timings vary by machine).
//  1. Cold start: a one-file `kvmxml lint` against `node -e 0`, in the same run; prints the ratio.
//  2. Throughput: linting a directory of generated domain files, in files per second.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'kvmxml.js');
const sample = join(root, 'fixtures', 'rules', 'xml-well-formed', 'intended-form.pass.xml');
// NODE_EXTRA_CA_CERTS makes every Node start load a certificate file; it is not ours to measure.
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

function timeRuns(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const runs = Number(process.env.BENCH_RUNS ?? 20);
timeRuns(['-e', '0'], 3); // warm the file cache
timeRuns([bin, 'lint', sample], 3);
const base = timeRuns(['-e', '0'], runs);
const lint = timeRuns([bin, 'lint', sample], runs);
console.log(`cold start (median of ${runs}): node -e 0 ${base.toFixed(1)} ms, kvmxml lint one file ${lint.toFixed(1)} ms, ratio ${(lint / base).toFixed(2)}x (target <= 2x)`);

const n = Number(process.env.BENCH_FILES ?? 3000);
const dir = mkdtempSync(join(tmpdir(), 'kvmxml-bench-'));
try {
  const text = readFileSync(sample, 'utf8');
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `vm${i}.xml`), text.replace('tutorial-intended', `vm${i}`));
  const ms = timeRuns([bin, 'lint', '--format', 'json', dir], 1);
  console.log(`throughput: ${n} files in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000)} files/s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
