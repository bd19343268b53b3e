/**
 * Entry of the bundle (dist/cli.cjs). bin/kvmxml.js compiles the bundle with V8's code cache
 * and calls `start`; code compiled that way has no `import()` of its own, so the launcher hands
 * in one for plugin modules.
 */
import { setModuleImporter } from '../engine/config.js';
import { reportInternalError, run } from './main.js';

export async function start(importModule?: (specifier: string) => Promise<unknown>): Promise<void> {
  if (importModule) setModuleImporter(importModule);
  // What escapes the run (an error event nobody listens to) is one line too, never a trace.
  const escaped = (e: unknown) => {
    reportInternalError(e);
    process.exitCode = 2;
  };
  process.on('uncaughtException', escaped);
  process.on('unhandledRejection', escaped);
  await run();
}
