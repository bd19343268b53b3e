#!/usr/bin/env node
// A CommonJS script (bin/package.json): it starts faster than an ES module.
// Starts the bundled CLI (dist/cli.cjs, built by scripts/build.mjs). The bundle holds what a
// lint runs; libraries it runs only now and then (xmldom, xpath, ajv, diff, picomatch, ignore,
// the config validator) are files of their own in dist/lib/, loaded on first use. Compiling is
// most of a start-up, so each file is compiled through vm.Script with V8's code cache: the one
// the package ships beside it (<name>.cache, made by the build's Node). Under a Node whose V8
// rejects it, or for a file the package ships none for, a cache of this user's is used instead
// ($XDG_CACHE_HOME or ~/.cache, kvmxml/, named by the file's build and the Node version),
// written after a run that had none or had one V8 refused. The installed package is never
// written to; a cache that cannot be read or written only makes a start slower.
// Built-in modules come from process.getBuiltinModule rather than `import`: an ES module view
// of node:fs alone makes Node load its streams, promises and watchers.
if (typeof process.getBuiltinModule !== 'function') {
  process.stderr.write(`kvmxml: needs Node.js 20.19 or later (this is ${process.version})\n`);
  process.exit(2);
}
// On a machine of two cores, Node's pool of four V8 worker threads (its default, whatever the
// machine) outnumbers the cores: the optimising compiler's and the collector's threads crowd out
// the one that lints. With --v8-pool-size=1 a lint of 1,690 files took 10-22% less time on such
// machines, one of 10,000 files 8-19%; on one core (taskset) it made no difference. Node sizes the
// pool when it starts and cannot change it later, so a run that will lint many files starts Node
// again, once, with a pool of one thread, and passes on its signals and its exit. The second
// start costs a Node start and more (45-100 ms), so only long runs pay it. Paired runs, restart
// against none, on two machines of two cores: one (Node starts in ~40 ms) 1,000 files 0.98x,
// 1,690 files 0.95x, 10,000 files 0.91x; the other (~55 ms) 1,690 files 1.11x, 2,500 files 1.05x,
// 5,000 files 0.96-1.06x, 7,500 files 1.00x, 10,000 files 0.98x. A run of a few files never
// restarts; with --v8-pool-size given (or in NODE_OPTIONS) kvmxml leaves the pool alone.
// (Here rather than in a module of its own: a first require() costs a one-file run ~2.5 ms.)
/** Runs of at least this many files restart (about where the restart starts to pay). */
const MANY_FILES = 5000;
const COMMANDS = new Set(['lint', 'fix', 'check']);
const RESTARTED = 'KVMXML_V8_POOL_RESTARTED';

/** The .xml files under `dir` (as a walk would find them, roughly), counted up to `limit`. */
function countXml(fs, dir, limit) {
  let n = 0;
  const pending = [dir];
  while (pending.length > 0 && n < limit) {
    const at = pending.pop();
    let entries;
    try {
      entries = fs.readdirSync(at, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'node_modules') pending.push(`${at}/${e.name}`);
      } else if (e.name.toLowerCase().endsWith('.xml') && ++n >= limit) break;
    }
  }
  return n;
}

/** Whether the command line asks to lint, fix or check at least MANY_FILES files. */
function manyFiles(fs, args) {
  if (!COMMANDS.has(args[0])) return false;
  const rest = args.slice(1);
  if (rest.length >= MANY_FILES) return true;
  let n = 0;
  for (const a of rest) {
    if (a.startsWith('-')) continue;
    // A file named on the command line counts without a stat: a stat of each of 1,690 named
    // files cost the run ~10 ms. (A directory named *.xml is counted as one file; only this
    // heuristic depends on the count.)
    if (a.length > 4 && a.slice(-4).toLowerCase() === '.xml') {
      if (++n >= MANY_FILES) return true;
      continue;
    }
    const st = fs.statSync(a, { throwIfNoEntry: false });
    if (st?.isDirectory()) n += countXml(fs, a, MANY_FILES - n);
    else n++;
    if (n >= MANY_FILES) return true;
  }
  return false;
}

/**
 * Start this run again under a one-thread V8 pool when it pays (see above). Returns true when
 * the new process has the run: this one then only waits for it, passes signals on and ends as it
 * ends.
 */
function restartWithSmallPool(script) {
  const env = process.env;
  if (env[RESTARTED] || env.KVMXML_CODE_CACHE_OUT || process.platform !== 'linux') return false;
  if (process.execArgv.some((a) => a.startsWith('--v8-pool-size')) || (env.NODE_OPTIONS ?? '').includes('--v8-pool-size')) return false;
  // The cheap checks first: a one-file run pays a few microseconds for all of them.
  let many;
  try {
    many = manyFiles(process.getBuiltinModule('node:fs'), process.argv.slice(2));
  } catch {
    return false;
  }
  if (!many || process.getBuiltinModule('node:os').availableParallelism() !== 2) return false;
  const { spawn } = process.getBuiltinModule('node:child_process');
  let child;
  try {
    child = spawn(process.execPath, [...process.execArgv, '--v8-pool-size=1', script, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...env, [RESTARTED]: '1' } });
  } catch {
    return false;
  }
  if (env.KVMXML_DEBUG || process.argv.includes('--debug')) process.stderr.write(`kvmxml: restarted with --v8-pool-size=1 (${MANY_FILES} files or more, 2 cores)\n`);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  const forward = (signal) => {
    try {
      child.kill(signal);
    } catch {
      // it has ended
    }
  };
  for (const s of signals) process.on(s, forward);
  child.on('error', (e) => {
    process.stderr.write(`kvmxml: cannot start Node again (${e.code ?? e.message}); NODE_OPTIONS=--v8-pool-size=4 lints in this process\n`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) {
      process.kill(process.pid, signal);
      // A signal Node survives (one it ignores or handles itself): end as a shell reports it.
      process.exit(128 + (process.getBuiltinModule('node:os').constants.signals[signal] ?? 0));
    }
    process.exit(code ?? 2);
  });
  return true;
}

if (!restartWithSmallPool(__filename)) main();

function main() {
  const { accessSync, constants, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } = process.getBuiltinModule('node:fs');
  const { dirname, join } = process.getBuiltinModule('node:path');
  const { Script } = process.getBuiltinModule('node:vm');

  const dist = join(__dirname, '..', 'dist');
  const filename = join(dist, 'cli.cjs');
  // What the bundle requires, besides its dist/lib/ files (loaded below), is a Node module or a
  // package's name, which this script's require resolves as one made for dist/ would; the build
  // refuses any other relative path. (createRequire: node:module, with what it loads in turn,
  // cost every start ~0.4 ms.)
  const nodeRequire = require;
  // The build names the directory the shipped caches are made in (KVMXML_CODE_CACHE_OUT).
  const cacheOut = process.env.KVMXML_CODE_CACHE_OUT || null;

  /** Each file compiled in this run, with where its cache is to be written after the run (or null). */
  const compiled = [];

  function readCache(file, tag) {
    try {
      const bytes = readFileSync(file);
      if (tag.startsWith('//') && bytes.subarray(0, tag.length).toString('latin1') === tag) return bytes.subarray(tag.length);
    } catch {
      // none there
    }
    return undefined;
  }
  function userCacheFile(name, tag) {
    const base = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, '.cache') : '');
    if (!base) return null;
    const build = tag.slice(2).trim().replace(/[^\w.-]+/g, '-');
    // V8 refuses a cache made under other flags, and a run of many files changes one part way
    // (src/runner/lint.ts, which then sets KVMXML_V8_TIERED): what such a run writes, and what
    // the worker threads it starts read, is kept apart from what every other run reads.
    const flags = process.env.KVMXML_V8_TIERED ? '-tiered' : '';
    return join(base, 'kvmxml', `${name}-${build}-node${process.version}-${process.arch}${flags}.cache`);
  }

  /**
   * Compile one file of dist/ (`name`: cli, or lib/<library>). The build writes each as the text
   * of a CommonJS module function, after a first line naming its build; its cache starts with
   * the same line, so a cache never outlives the file it was made from.
   */
  function compile(name) {
    const file = join(dist, `${name}.cjs`);
    const source = readFileSync(file, 'latin1'); // esbuild writes ASCII only
    const tag = source.slice(0, source.indexOf('\n') + 1);
    // The name the compiled code reports itself by (in a KVMXML_DEBUG trace). It is the same
    // wherever kvmxml is installed: V8 keeps the name a code cache was made under, so a real
    // path here would show the path of the machine that built the package.
    const options = { filename: `kvmxml/dist/${name}.cjs` };
    let script;
    let writeTo = null;
    /** The name of this user's cache of the file, when this run is to write it (see writeCaches). */
    let writeOwn = null;
    if (cacheOut) {
      // The build's runs add up: each starts from the cache the runs before it made, and its
      // own holds what they compiled and what it compiled.
      writeTo = join(cacheOut, `${name}.cache`);
      const before = readCache(writeTo, tag);
      if (before !== undefined) script = new Script(source, { ...options, cachedData: before });
      if (script === undefined || script.cachedDataRejected) script = new Script(source, options);
    } else {
      const shipped = readCache(join(dist, `${name}.cache`), tag);
      if (shipped !== undefined) script = new Script(source, { ...options, cachedData: shipped });
      if (script === undefined || script.cachedDataRejected) {
        const ownName = name.replace(/\//g, '-');
        const own = userCacheFile(ownName, tag);
        const data = own ? readCache(own, tag) : undefined;
        // A script whose cache V8 refused is compiled all the same, and is used as it is.
        if (data !== undefined) script = new Script(source, { ...options, cachedData: data });
        else script ??= new Script(source, options);
        // A cache of this user's that V8 refuses is replaced, not kept to be refused again.
        if (own && (data === undefined || script.cachedDataRejected)) writeOwn = ownName;
      }
    }
    compiled.push({ script, tag, writeTo, writeOwn });
    return { script, file };
  }

  /** Run a compiled file as a CommonJS module; its require loads dist/lib/ files the same way. */
  function run({ script, file }) {
    const module = { exports: {} };
    script.runInThisContext()(module.exports, bundleRequire, module, file, dirname(file));
    return module.exports;
  }
  const libs = new Map();
  function bundleRequire(id) {
    const lib = /^\.\/(lib\/[\w-]+)\.cjs$/.exec(id);
    if (!lib) return nodeRequire(id);
    let exports = libs.get(lib[1]);
    if (exports === undefined) {
      exports = run(compile(lib[1]));
      libs.set(lib[1], exports);
    }
    return exports;
  }
  Object.assign(bundleRequire, nodeRequire);

  function writeCaches() {
    for (const { script, tag, writeTo: built, writeOwn } of compiled) {
      // A user cache is named when written: the run may have changed V8's flags (userCacheFile).
      const writeTo = built ?? (writeOwn ? userCacheFile(writeOwn, tag) : null);
      if (!writeTo) continue;
      const data = Buffer.concat([Buffer.from(tag, 'latin1'), script.createCachedData()]);
      if (cacheOut) {
        writeFileSync(writeTo, data);
        continue;
      }
      const tmp = `${writeTo}.${process.pid}.tmp`;
      try {
        mkdirSync(dirname(writeTo), { recursive: true });
        accessSync(dirname(writeTo), constants.W_OK);
        writeFileSync(tmp, data, { flag: 'wx' });
        renameSync(tmp, writeTo);
      } catch {
        try {
          unlinkSync(tmp);
        } catch {
          // nothing was written
        }
      }
    }
  }

  (async () => {
    let cli;
    try {
      cli = compile('cli');
    } catch (e) {
      if (e?.code) process.stderr.write(`kvmxml: cannot read ${filename} (${e.code}); build it with: npm run build\n`);
      else process.stderr.write(`kvmxml: internal error: ${String(e?.message ?? e).split('\n')[0]}\n`);
      process.exit(2);
    }
    try {
      // Code compiled from a cache has no import() of its own: plugins are imported from here.
      await run(cli).start((specifier) => import(specifier));
    } catch (e) {
      // main.ts reports its own errors; this is for a broken bundle. Never a stack trace for users.
      process.stderr.write(`kvmxml: internal error: ${String(e?.message ?? e).split('\n')[0]}\n`);
      if (process.env.KVMXML_DEBUG || process.argv.includes('--debug')) process.stderr.write(`${e?.stack ?? ''}\n`);
      process.exit(2);
    }
    writeCaches();
    // The run is over. Unless something is still under way (a write a pipe has not taken yet, a
    // timer a plugin set) besides closing a file read, end the process now: left to itself, Node
    // first tears down the whole heap, a few milliseconds of a one-file run.
    if (typeof process.getActiveResourcesInfo === 'function' && process.getActiveResourcesInfo().every((r) => r === 'CloseReq')) process.exit();
  })();
}
