#!/usr/bin/env node
// A CommonJS script (bin/package.json): it starts faster than an ES module.
// Starts the bundled CLI (dist/cli.cjs, built by scripts/build.mjs). Compiling the bundle is
// most of a start-up, so it is compiled through vm.Script with V8's code cache: the one the
// package ships (dist/cli.cache, made by the build's Node). Under a Node whose V8 rejects it,
// a cache of this user's is used instead ($XDG_CACHE_HOME or ~/.cache, kvmxml/, named by the
// build and the Node version), written after a run that had none. The installed package is
// never written to; a cache that cannot be read or written only makes a start slower.
// Built-in modules come from process.getBuiltinModule rather than `import`: an ES module view
// of node:fs alone makes Node load its streams, promises and watchers.
if (typeof process.getBuiltinModule !== 'function') {
  process.stderr.write(`kvmxml: needs Node.js 20.19 or later (this is ${process.version})\n`);
  process.exit(2);
}
const { accessSync, constants, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { createRequire } = process.getBuiltinModule('node:module');
const { dirname, join } = process.getBuiltinModule('node:path');
const { Script } = process.getBuiltinModule('node:vm');

const dist = join(__dirname, '..', 'dist');
const filename = join(dist, 'cli.cjs');
const shippedCache = join(dist, 'cli.cache');

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
function readCache(file) {
  try {
    const bytes = readFileSync(file);
    if (tag.startsWith('//') && bytes.subarray(0, tag.length).toString('latin1') === tag) return bytes.subarray(tag.length);
  } catch {
    // none there
  }
  return undefined;
}
function userCacheFile() {
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, '.cache') : '');
  if (!base) return null;
  const build = tag.slice(2).trim().replace(/[^\w.-]+/g, '-');
  return join(base, 'kvmxml', `cli-${build}-node${process.version}-${process.arch}.cache`);
}
// The name the compiled code reports itself by (in a KVMXML_DEBUG trace). It is the same
// wherever kvmxml is installed: V8 keeps the name a code cache was made under, so a real path
// here would show the path of the machine that built the package.
const scriptName = 'kvmxml/dist/cli.cjs';
const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
const compile = (cachedData) => new Script(wrapped, { filename: scriptName, cachedData });

(async () => {
  // The build names the file the shipped cache is written to (KVMXML_CODE_CACHE_OUT).
  let writeTo = process.env.KVMXML_CODE_CACHE_OUT || null;
  let script;
  if (writeTo) script = compile(undefined);
  else {
    const shipped = readCache(shippedCache);
    if (shipped !== undefined) script = compile(shipped);
    if (script === undefined || script.cachedDataRejected) {
      const own = userCacheFile();
      const data = own ? readCache(own) : undefined;
      if (data !== undefined) script = compile(data);
      script ??= compile(undefined);
      if (data === undefined || script.cachedDataRejected) writeTo = own;
    }
  }
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

  if (writeTo) {
    const tmp = `${writeTo}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(writeTo), { recursive: true });
      accessSync(dirname(writeTo), constants.W_OK);
      writeFileSync(tmp, Buffer.concat([Buffer.from(tag, 'latin1'), script.createCachedData()]), { flag: 'wx' });
      renameSync(tmp, writeTo);
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing was written
      }
    }
  }
})();
