// `npm run bench`: kvmxml timed against the machine's floors and its peers in one run, round
// by round (A B C A B C ...), each comparison the median of the per-round ratios, so a machine
// whose speed drifts during the run still gives comparable numbers. Not part of the tests.
//
// Sections (the performance targets in brackets; shown, never enforced):
//   cold   one typical domain, a fresh process per lint      vs node -e 0 [<= +20 ms], xmllint --noout, virt-xml-validate
//   a      libvirt's test domains, one process               vs xmllint --noout [<= 4x], xmllint --relaxng, cat
//   10k    10,000 files, one process                         vs xmllint --noout [<= 2.5x], xmllint --relaxng, cat
//   large  one 5 MB domain with ~23,000 devices              vs xmllint --noout [<= 4x], xmllint --relaxng; peak RSS [<= 150 MB]
//
// Corpus: KVMXML_BENCH_CORPUS (a/, 10k/, large/domain-5mb.xml, typical.xml; the layout of the
// shared bench corpus), else /tmp/kvmxml-bench/corpus when present, else one built under
// ~/.cache/kvmxml/bench from libvirt 9.0's test domains (scripts/libvirt-test-domains.sh).
// Environment: BENCH_SECTIONS="cold a 10k large", BENCH_ROUNDS_MUL=N, KVMXML_BENCH_CMD (the
// kvmxml command, default `node bin/kvmxml.js lint --format json`), KEEP_NODE_CA=1.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
// Node parses NODE_EXTRA_CA_CERTS at every start (tens of ms here); it is not kvmxml's to measure.
if (!process.env.KEEP_NODE_CA) delete env.NODE_EXTRA_CA_CERTS;
const RNG = process.env.RNG ?? '/usr/share/libvirt/schemas/domain.rng';
const sections = (process.env.BENCH_SECTIONS ?? 'cold a 10k large').split(/\s+/).filter(Boolean);
const roundsMul = Number(process.env.BENCH_ROUNDS_MUL ?? 1);
const kvmxmlCmd = (process.env.KVMXML_BENCH_CMD ?? `${process.execPath} ${join(root, 'bin', 'kvmxml.js')} lint --format json`).split(/\s+/);

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function corpus() {
  for (const dir of [process.env.KVMXML_BENCH_CORPUS, '/tmp/kvmxml-bench/corpus']) {
    if (dir && existsSync(join(dir, 'typical.xml')) && existsSync(join(dir, 'large', 'domain-5mb.xml'))) return dir;
  }
  const out = join(homedir(), '.cache', 'kvmxml', 'bench');
  if (existsSync(join(out, 'typical.xml'))) return out;
  const src = join(homedir(), '.cache', 'kvmxml', 'libvirt-9.0.0-test-domains');
  const got = spawnSync('bash', [join(root, 'scripts', 'libvirt-test-domains.sh'), src], { stdio: 'inherit' });
  if (got.status !== 0) throw new Error('no corpus: set KVMXML_BENCH_CORPUS or let scripts/libvirt-test-domains.sh fetch the test domains');
  const tmp = `${out}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const d of ['a', '10k', 'large']) mkdirSync(join(tmp, d), { recursive: true });
  const files = readdirSync(src)
    .filter((f) => f.endsWith('.xml') && /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<domain[\s>]/.test(readFileSync(join(src, f), 'utf8')))
    .sort();
  for (const f of files) copyFileSync(join(src, f), join(tmp, 'a', f));
  for (let i = 0; i < 10000; i++) {
    const f = files[i % files.length];
    copyFileSync(join(src, f), join(tmp, '10k', `${String(i).padStart(5, '0')}-${f}`));
  }
  const bySize = files.map((f) => [statSync(join(src, f)).size, f]).sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1));
  copyFileSync(join(src, bySize[Math.floor((bySize.length - 1) / 2)][1]), join(tmp, 'typical.xml'));
  writeFileSync(join(tmp, 'large', 'domain-5mb.xml'), largeDomain(5_000_000));
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return out;
}

/** A valid domain of about `bytes` bytes: the memory configuration and many devices. */
function largeDomain(bytes) {
  const head = `<domain type="kvm">
  <name>bench-large</name>
  <memory unit="KiB">268435456</memory>
  <currentMemory unit="KiB">268435456</currentMemory>
  <memoryBacking>
    <hugepages>
      <page size="2048" unit="KiB" nodeset="0-7"/>
    </hugepages>
  </memoryBacking>
  <vcpu placement="static">64</vcpu>
  <numatune>
    <memory mode="strict" nodeset="0-7"/>
  </numatune>
  <os>
    <type arch="x86_64" machine="pc-q35-7.2">hvm</type>
  </os>
  <cpu mode="host-passthrough" check="none">
    <numa>
${Array.from({ length: 8 }, (_, c) => `      <cell id="${c}" cpus="${c * 8}-${c * 8 + 7}" memory="33554432" unit="KiB"/>`).join('\n')}
    </numa>
  </cpu>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
`;
  const parts = [head];
  let size = head.length;
  for (let i = 0; size < bytes - 40; i++) {
    const u = String(i).padStart(5, '0');
    const dev =
      i % 2 === 0
        ? `    <disk type="file" device="disk">\n      <driver name="qemu" type="qcow2"/>\n      <source file="/var/lib/libvirt/images/bench-${u}.qcow2"/>\n      <target dev="vd${u}" bus="virtio"/>\n    </disk>\n`
        : `    <interface type="network">\n      <mac address="52:54:00:${u.slice(0, 1)}${u.slice(1, 2)}:${u.slice(2, 4)}:${u.slice(4)}0"/>\n      <source network="default"/>\n      <model type="virtio"/>\n    </interface>\n`;
    parts.push(dev);
    size += dev.length;
  }
  parts.push('  </devices>\n</domain>\n');
  return parts.join('');
}

function xmlFiles(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => join(dir, f));
}

/** Run once; wall-clock ms, exit status, and (with /usr/bin/time) peak RSS in KB. */
function runOnce([cmd, ...args], withRss = false) {
  const timed = withRss && existsSync('/usr/bin/time');
  const argv = timed ? ['/usr/bin/time', '-f', '%M', cmd, ...args] : [cmd, ...args];
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', timed ? 'pipe' : 'ignore'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.error) throw r.error;
  const rss = timed ? Number(String(r.stderr).trim().split('\n').pop()) : NaN;
  return { ms, status: r.status, rss };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

const C = corpus();
const inputs = {
  cold: [join(C, 'typical.xml')],
  a: xmlFiles(join(C, 'a')),
  '10k': xmlFiles(join(C, '10k')),
  large: [join(C, 'large', 'domain-5mb.xml')],
};
const plan = {
  cold: { rounds: 15, peers: ['node0', 'noout', 'vxv'] },
  a: { rounds: 7, peers: ['noout', 'rng', 'cat'] },
  '10k': { rounds: 5, peers: ['noout', 'rng', 'cat'] },
  large: { rounds: 5, peers: ['noout', 'rng'] },
};
const targets = { 'a noout': 4, '10k noout': 2.5, 'large noout': 4 };
const labels = { kvmxml: 'kvmxml', node0: 'node -e 0', noout: 'xmllint --noout', rng: 'xmllint --relaxng', cat: 'cat >/dev/null', vxv: 'virt-xml-validate' };
const commands = (files) => ({
  kvmxml: [...kvmxmlCmd, ...files],
  node0: [process.execPath, '-e', '0'],
  noout: ['xmllint', '--noout', ...files],
  rng: ['xmllint', '--noout', '--relaxng', RNG, ...files],
  cat: ['cat', ...files],
  vxv: ['virt-xml-validate', files[0]],
});
const available = { kvmxml: true, node0: true, noout: have('xmllint'), rng: have('xmllint') && existsSync(RNG), cat: true, vxv: have('virt-xml-validate') };

console.log(`corpus ${C}; kvmxml = ${kvmxmlCmd.join(' ')}`);
const rows = [];
for (const sec of sections) {
  const p = plan[sec];
  if (!p) {
    console.log(`unknown section ${sec} (cold a 10k large)`);
    continue;
  }
  const cmds = commands(inputs[sec]);
  const keys = ['kvmxml', ...p.peers.filter((k) => available[k])];
  const warm = {};
  for (const k of keys) warm[k] = runOnce(cmds[k], true); // warms the page cache and the code cache
  const times = Object.fromEntries(keys.map((k) => [k, []]));
  const rounds = Math.max(1, Math.round(p.rounds * roundsMul));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(j + r) % keys.length]; // rotate: no command always goes first
      times[k].push(runOnce(cmds[k]).ms);
    }
  }
  const kv = times.kvmxml;
  console.log(`\n== ${sec}: ${inputs[sec].length} file(s); kvmxml exit ${warm.kvmxml.status}, peak RSS ${(warm.kvmxml.rss / 1024).toFixed(1)} MB`);
  for (const k of keys) console.log(`  ${labels[k].padEnd(20)} median ${median(times[k]).toFixed(1).padStart(9)} ms  min ${Math.min(...times[k]).toFixed(1).padStart(9)} ms`);
  for (const k of keys.slice(1)) {
    const ratios = kv.map((t, i) => t / times[k][i]);
    const ratio = median(ratios);
    const tgt = targets[`${sec} ${k}`];
    rows.push([`${sec}: kvmxml / ${labels[k]}`, `${ratio.toFixed(2)}x`, `${Math.min(...ratios).toFixed(2)}x..${Math.max(...ratios).toFixed(2)}x`, tgt ? `<= ${tgt}x ${ratio <= tgt ? 'met' : 'MISSED'}` : '']);
    if (sec === 'cold' && k === 'node0') {
      const diff = median(kv.map((t, i) => t - times.node0[i]));
      rows.push(['cold: kvmxml - node -e 0', `${diff >= 0 ? '+' : ''}${diff.toFixed(1)} ms`, '', `<= +20 ms ${diff <= 20 ? 'met' : 'MISSED'}`]);
    }
  }
  if (sec === 'large' && Number.isFinite(warm.kvmxml.rss)) {
    const mb = warm.kvmxml.rss / 1024;
    rows.push(['large: kvmxml peak RSS', `${mb.toFixed(1)} MB`, '', `<= 150 MB ${mb <= 150 ? 'met' : 'MISSED'}`]);
  }
}
console.log(`\n${'comparison (paired per round)'.padEnd(40)} ${'ratio'.padStart(10)} ${'range'.padStart(16)}  target`);
for (const [name, ratio, range, tgt] of rows) console.log(`${name.padEnd(40)} ${ratio.padStart(10)} ${range.padStart(16)}  ${tgt}`);
const load = loadavg()[0];
if (load > availableParallelism()) console.log(`note: load average ${load.toFixed(1)} on ${availableParallelism()} CPUs: other work is skewing these timings (ratios hold better than times)`);
