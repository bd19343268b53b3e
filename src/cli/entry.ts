/**
 * Entry of the bundle (dist/cli.cjs). bin/kvmxml.js compiles the bundle with V8's code cache
 * and calls `start`; code compiled that way has no `import()` of its own, so the launcher hands
 * in one for plugin modules. A worker thread of a large run (src/runner/pool.ts) starts the
 * same launcher, and `start` then runs the worker instead of the command line.
 */
import { realpathSync } from 'node:fs';
import { setModuleImporter } from '../engine/config.js';
import { setWorkerLauncher, WORKER_ENV, type WorkerStart } from '../runner/pool.js';
import { reportInternalError, run } from './main.js';

export async function start(importModule?: (specifier: string) => Promise<unknown>): Promise<void> {
  if (importModule) setModuleImporter(importModule);
  // Only a worker's environment names it (node:worker_threads is not loaded for a plain run).
  if (process.env[WORKER_ENV] === '1') {
    const { isMainThread, workerData } = process.getBuiltinModule('node:worker_threads');
    if (!isMainThread && (workerData as WorkerStart | null)?.kvmxmlWorker) {
      const { runWorker } = await import('../runner/worker.js');
      await runWorker((workerData as WorkerStart).kvmxmlWorker);
      return;
    }
  }
  setWorkerLauncher(launcherPath());
  // What escapes the run (an error event nobody listens to) is one line too, never a trace.
  const escaped = (e: unknown) => {
    reportInternalError(e);
    process.exitCode = 2;
  };
  process.on('uncaughtException', escaped);
  process.on('unhandledRejection', escaped);
  await run();
}

/** The launcher script this process was started with (bin/kvmxml.js), which workers start too. */
function launcherPath(): string | null {
  const script = process.argv[1];
  if (!script) return null;
  try {
    return realpathSync(script);
  } catch {
    return null;
  }
}
