/**
 * `kvmxml init`: write a starter kvmxml.config.json in the current directory, with every rule
 * at its default severity and `$schema` pointing at the schema shipped in the package (so
 * editors complete and check it). Never overwrites: an existing file is exit 2.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { CONFIG_FILE, type ConfigFile, type RuleEntry } from '../engine/config.js';
import type { Rule } from '../engine/types.js';
import { packageRoot } from './package-info.js';
import { UsageError } from './files.js';
import { stdout } from './stdio.js';

const SCHEMA_IN_PACKAGE = join('schemas', 'kvmxml.config.schema.json');

/**
 * `$schema` as editors resolve it: relative to the config file. The kvmxml that a
 * `node_modules` at or above `dir` holds (what the project installs) wins; else the schema of
 * the running package, wherever it is installed.
 */
export function schemaRef(dir: string, packageDir: string | null): string | null {
  let target: string | null = null;
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', 'kvmxml', SCHEMA_IN_PACKAGE);
    if (existsSync(candidate)) {
      target = candidate;
      break;
    }
    if (dirname(d) === d) break;
  }
  if (!target && packageDir && existsSync(join(packageDir, SCHEMA_IN_PACKAGE))) target = join(packageDir, SCHEMA_IN_PACKAGE);
  if (!target) return null;
  const rel = relative(dir, target).split(sep).join('/');
  return rel.startsWith('../') ? rel : `./${rel}`;
}

export function starterConfig(rules: Rule[], schema: string | null = null): ConfigFile {
  const entries: Record<string, RuleEntry> = {};
  for (const r of [...rules].sort((a, b) => a.meta.id.localeCompare(b.meta.id))) {
    const sev = r.meta.severity;
    entries[r.meta.id] = r.meta.defaultOptions && r.meta.schema ? [sev, r.meta.defaultOptions] : sev;
  }
  return { ...(schema ? { $schema: schema } : {}), rules: entries };
}

export function runInit(rules: Rule[], dir: string = process.cwd(), out: { write(text: string): unknown } = stdout): number {
  const path = join(dir, CONFIG_FILE);
  const text = JSON.stringify(starterConfig(rules, schemaRef(dir, packageRoot())), null, 2) + '\n';
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
