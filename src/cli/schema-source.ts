/**
 * Which libvirt schema applies to a file (--schema wins over the config's `schema`), loaded
 * once per directory. The schema module (and libxml2-wasm) is imported only when one is asked
 * for. A schema that cannot be used is said once, on standard error; the other rules go on.
 */
import { isAbsolute, resolve } from 'node:path';
import type { LoadedConfig } from '../engine/config.js';
import type { LibvirtSchema } from '../schema/validator.js';

/** Where Debian's libvirt0 (and most distributions) install libvirt's schemas. */
export const INSTALLED_SCHEMA_DIR = '/usr/share/libvirt/schemas';

export class SchemaSource {
  private loaded = new Map<string, Promise<LibvirtSchema | null>>();
  /** `flag`: the --schema value ('' when given alone), undefined without --schema. */
  constructor(private readonly flag: string | undefined) {}

  /** Whether any file asked for a schema (--schema or a config's `schema`). */
  asked = false;

  /** The schema for a file under `cfg`, or null when none is asked for or it cannot be used. */
  for(cfg: LoadedConfig | null): Promise<LibvirtSchema | null> {
    const dir = this.dirFor(cfg);
    if (dir === null) return Promise.resolve(null);
    this.asked = true;
    let p = this.loaded.get(dir);
    if (!p) {
      p = load(dir);
      this.loaded.set(dir, p);
    }
    return p;
  }

  private dirFor(cfg: LoadedConfig | null): string | null {
    if (this.flag !== undefined) return resolve(this.flag || INSTALLED_SCHEMA_DIR);
    const c = cfg?.config.schema;
    if (c === undefined) return null;
    if (c === true) return INSTALLED_SCHEMA_DIR;
    return isAbsolute(c) ? c : resolve(cfg!.dir, c);
  }
}

async function load(dir: string): Promise<LibvirtSchema | null> {
  const { loadSchema, SchemaUnavailable } = await import('../schema/validator.js');
  try {
    return await loadSchema(dir);
  } catch (e) {
    if (!(e instanceof SchemaUnavailable)) throw e;
    process.stderr.write(`kvmxml: libvirt-schema: ${e.message}; the whole-document check is skipped, the other rules ran\n`);
    return null;
  }
}
