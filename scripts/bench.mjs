// Benchmarks, run by `npm run bench` (not part of the tests: timings vary by machine).
//  1. Cold start: a one-file `kvmxml lint` against `node -e 0`, in the same run; prints the ratio
//     of the medians (BENCH_RUNS runs of each, alternating).
//  2. Throughput: linting a directory of generated domain files, in files per second.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'kvmxml.js');
const sample = join(root, 'fixtures', 'rules', 'xml-well-formed', 'intended-form.pass.xml');
// NODE_EXTRA_CA_CERTS makes every Node start load a certificate file; it is not ours to measure.
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

function run(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return ms;
}

function timeRuns(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) times.push(run(args));
  return median(times);
}

function median(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const runs = Number(process.env.BENCH_RUNS ?? 30);
const lintArgs = [bin, 'lint', sample];
const cache = join(root, 'dist', 'cli.cache');
const cacheStamp = () => (existsSync(cache) ? statSync(cache).mtimeMs : null);
// Warm the file cache; a first run also writes the code cache if this Node rejects the built one.
for (let i = 0; i < 3; i++) run(['-e', '0']), run(lintArgs);
const stamp = cacheStamp();
// Alternate the two, so that a change in machine load during the run affects both alike.
const base = [];
const lint = [];
for (let i = 0; i < runs; i++) {
  base.push(run(['-e', '0']));
  lint.push(run(lintArgs));
}
const b = median(base);
const l = median(lint);
console.log(
  `cold start (median of ${runs}): node -e 0 ${b.toFixed(1)} ms, kvmxml lint one file ${l.toFixed(1)} ms, ratio ${(l / b).toFixed(2)}x (target <= 2x)` +
    ` [fastest: ${Math.min(...base).toFixed(1)} / ${Math.min(...lint).toFixed(1)} ms]`,
);
if (stamp === null || cacheStamp() !== stamp) console.log('note: dist/cli.cache was missing or rewritten while timing: the lint runs compiled without the code cache');
const load = loadavg()[0];
if (load > availableParallelism()) console.log(`note: load average ${load.toFixed(1)} on ${availableParallelism()} CPUs: other work is skewing these timings`);

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
