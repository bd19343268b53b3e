/**
 * Entry of the bundle (dist/cli.cjs). bin/kvmxml.js compiles the bundle with V8's code cache
 * and calls `start`; code compiled that way has no `import()` of its own, so the launcher hands
 * in one for plugin modules.
 */
import { setModuleImporter } from '../engine/config.js';
import { run } from './main.js';

export async function start(importModule?: (specifier: string) => Promise<unknown>): Promise<void> {
  if (importModule) setModuleImporter(importModule);
  await run();
}
