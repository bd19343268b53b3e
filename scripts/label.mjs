#!/usr/bin/env node
// Labels conformance cases from real libvirt: `node scripts/label.mjs [fixtures/conformance/<case> ...]`
// (all cases when none are given). For each case: apply its host (huge page pools, hugetlbfs
// mounts), define, dumpxml, optionally start / measure pages / destroy, undefine, write
// label.json; the host is reset at the end. Needs root. The work is done by
// test/libvirt/lab.ts (shared with the "label is true" test), bundled here with esbuild.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'node_modules', '.cache', 'kvmxml-label');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, 'lab.mjs');
await build({
  entryPoints: [join(root, 'test/libvirt/lab.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  logLevel: 'error',
  packages: 'external',
  // corpus.ts finds the repository from its own location
  define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(root, 'test/libvirt/corpus.ts')).href) },
});
const { labelMain } = await import(pathToFileURL(outfile).href + `?t=${Date.now()}`);
process.exitCode = await labelMain(process.argv.slice(2));
