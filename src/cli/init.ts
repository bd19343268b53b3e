/**
 * `kvmxml init`: write a starter kvmxml.config.json in the current directory, with every rule
 * at its default severity and `$schema` pointing at the schema shipped in the package (so
 * editors complete and check it). Never overwrites: an existing file is exit 2.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CONFIG_FILE, type ConfigFile, type RuleEntry } from '../engine/config.js';
import type { Rule } from '../engine/types.js';
import { UsageError } from './files.js';
import { stdout } from './stdio.js';

export const SCHEMA_REF = './node_modules/kvmxml/schemas/kvmxml.config.schema.json';

export function starterConfig(rules: Rule[]): ConfigFile {
  const entries: Record<string, RuleEntry> = {};
  for (const r of [...rules].sort((a, b) => a.meta.id.localeCompare(b.meta.id))) {
    const sev = r.meta.severity;
    entries[r.meta.id] = r.meta.defaultOptions && r.meta.schema ? [sev, r.meta.defaultOptions] : sev;
  }
  return { $schema: SCHEMA_REF, rules: entries };
}

export function runInit(rules: Rule[], dir: string = process.cwd(), out: { write(text: string): unknown } = stdout): number {
  const path = join(dir, CONFIG_FILE);
  const text = JSON.stringify(starterConfig(rules), null, 2) + '\n';
  try {
    // 'wx': create only; an existing file (or one created meanwhile) is never replaced.
    writeFileSync(path, text, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${relative(process.cwd(), path) || path} already exists; not overwriting it (remove it first to start over)`);
    throw new UsageError(`cannot write '${path}': ${code ?? (e as Error).message}`);
  }
  out.write(`kvmxml: wrote ${relative(process.cwd(), path) || path} with ${Object.keys(starterConfig(rules).rules ?? {}).length} rules at their default severity\n`);
  return 0;
}
