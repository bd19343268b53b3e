/** Finds and loads the config that applies to each file, once per config file. */
import { dirname, resolve } from 'node:path';
import { findConfigFile, loadConfigFile, type LoadedConfig } from '../engine/config.js';
import type { Rule } from '../engine/types.js';

export class ConfigResolver {
  private fileCache = new Map<string, string | null>();
  private loaded = new Map<string, LoadedConfig>();
  constructor(
    private readonly enabled: boolean,
    private readonly known: Map<string, Rule>,
  ) {}

  async for(filePath: string): Promise<LoadedConfig | null> {
    if (!this.enabled) return null;
    const path = findConfigFile(dirname(resolve(filePath)), this.fileCache);
    if (!path) return null;
    let cfg = this.loaded.get(path);
    if (!cfg) {
      cfg = await loadConfigFile(path, this.known);
      this.loaded.set(path, cfg);
    }
    return cfg;
  }
}
