/**
 * Finds and loads the config that applies to each file, once per config file: the nearest
 * kvmxml.config.json above the file, the one file given with `-c, --config FILE` (for every
 * file), or none with `--no-config`.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { findConfigFile, loadConfigFile, type LoadedConfig } from '../engine/config.js';
import type { Rule } from '../engine/types.js';

/** `--config FILE`, `--no-config` (false), or neither (undefined: look for the nearest file). */
export type ConfigSetting = string | boolean | undefined;

export class ConfigResolver {
  private fileCache = new Map<string, string | null>();
  private loaded = new Map<string, LoadedConfig>();
  private readonly explicit: string | null;
  constructor(
    private readonly setting: ConfigSetting,
    private readonly known: Map<string, Rule>,
  ) {
    this.explicit = typeof setting === 'string' ? resolve(setting) : null;
  }

  /** Load a config named on the command line now, so a bad one stops the run before any file. */
  async preload(): Promise<void> {
    if (this.explicit) await this.load(this.explicit);
  }

  async for(filePath: string): Promise<LoadedConfig | null> {
    if (this.setting === false) return null;
    // The runner hands in absolute paths: resolving them again per file would show in a large run.
    const path = this.explicit ?? findConfigFile(dirname(isAbsolute(filePath) ? filePath : resolve(filePath)), this.fileCache);
    return path ? this.load(path) : null;
  }

  private async load(path: string): Promise<LoadedConfig> {
    let cfg = this.loaded.get(path);
    if (!cfg) {
      cfg = await loadConfigFile(path, this.known);
      this.loaded.set(path, cfg);
    }
    return cfg;
  }
}
