// The public plugin API (package.json `exports`): src/api.ts bundled as one ES module
// (dist/api.mjs, dependencies left to the installed packages) and its type declarations
// (dist/types/, from tsc). Run by scripts/build.mjs, last (it empties dist/ first).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'src/api.ts')],
  outfile: join(root, 'dist/api.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  legalComments: 'none',
  logLevel: 'warning',
});
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.api.json')], { encoding: 'utf8' });
if (tsc.status !== 0) throw new Error(`build-api: tsc failed:\n${tsc.stdout}${tsc.stderr}`);
