#!/usr/bin/env node
// A CommonJS script (bin/package.json): it starts faster than an ES module.
// Starts the bundled CLI (dist/cli.cjs, built by scripts/build.mjs). Compiling the bundle is
// most of a start-up, so it is compiled through vm.Script with V8's code cache
// (dist/cli.cache). A missing or rejected cache (another Node version, other V8 flags) only
// makes that start slower: the cache is then written afresh after the run, where dist/ is
// writable, and nothing fails if it cannot be.
// Built-in modules come from process.getBuiltinModule rather than `import`: an ES module view
// of node:fs alone makes Node load its streams, promises and watchers.
if (typeof process.getBuiltinModule !== 'function') {
  process.stderr.write(`kvmxml: needs Node.js 20.19 or later (this is ${process.version})\n`);
  process.exit(2);
}
const { accessSync, constants, readFileSync, renameSync, unlinkSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { createRequire } = process.getBuiltinModule('node:module');
const { join } = process.getBuiltinModule('node:path');
const { Script } = process.getBuiltinModule('node:vm');

const dist = join(__dirname, '..', 'dist');
const filename = join(dist, 'cli.cjs');
const cacheFile = join(dist, 'cli.cache');

let source;
try {
  source = readFileSync(filename, 'latin1'); // esbuild writes ASCII only
} catch (e) {
  process.stderr.write(`kvmxml: cannot read ${filename} (${e.code ?? e.message}); build it with: npm run build\n`);
  process.exit(2);
}
// The bundle's first line names its build; the cache starts with the same line, so a cache
// never outlives the bundle it was made from.
const tag = source.slice(0, source.indexOf('\n') + 1);
let cachedData;
try {
  const bytes = readFileSync(cacheFile);
  if (tag.startsWith('//') && bytes.subarray(0, tag.length).toString('latin1') === tag) cachedData = bytes.subarray(tag.length);
} catch {
  // no cache yet
}

// The name the compiled code reports itself by (in a KVMXML_DEBUG trace). It is the same
// wherever kvmxml is installed: V8 keeps the name a code cache was made under, so a real path
// here would show the path of the machine that built the package.
const scriptName = 'kvmxml/dist/cli.cjs';

(async () => {
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: scriptName, cachedData });
  const module = { exports: {} };
  try {
    script.runInThisContext()(module.exports, createRequire(filename), module, filename, dist);
    // Code compiled from a cache has no import() of its own: plugins are imported from here.
    await module.exports.start((specifier) => import(specifier));
  } catch (e) {
    // main.ts reports its own errors; this is for a broken bundle. Never a stack trace for users.
    process.stderr.write(`kvmxml: internal error: ${String(e?.message ?? e).split('\n')[0]}\n`);
    if (process.env.KVMXML_DEBUG || process.argv.includes('--debug')) process.stderr.write(`${e?.stack ?? ''}\n`);
    process.exit(2);
  }

  if (cachedData === undefined || script.cachedDataRejected) {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      accessSync(dist, constants.W_OK);
      writeFileSync(tmp, Buffer.concat([Buffer.from(tag, 'latin1'), script.createCachedData()]), { flag: 'wx' });
      renameSync(tmp, cacheFile);
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing was written
      }
    }
  }
})();
