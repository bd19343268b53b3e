/**
 * libvirt's installed RNG schemas for the tests that need them (Debian's libvirt0 ships them;
 * .ci/run installs it). Without them those tests are skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSchema, type LibvirtSchema } from '../../src/schema/validator.js';

export const SCHEMA_DIR = process.env.KVMXML_SCHEMA_DIR ?? '/usr/share/libvirt/schemas';

/** Why the schema tests cannot run here, or null. */
export const schemaMissing: string | null = existsSync(join(SCHEMA_DIR, 'domain.rng'))
  ? null
  : `no libvirt schema at ${SCHEMA_DIR} (apt-get install libvirt0, or set KVMXML_SCHEMA_DIR)`;

/** Why xmllint cannot be compared with, or null. */
export const xmllintMissing: string | null = spawnSync('xmllint', ['--version']).status === 0 ? null : 'no xmllint (apt-get install libxml2-utils)';

const schemas = new Map<string, Promise<LibvirtSchema>>();
/** libvirt's schema in `dir` (the installed one by default), compiled once per test process. */
export function testSchema(dir = SCHEMA_DIR): Promise<LibvirtSchema> {
  let s = schemas.get(dir);
  if (!s) {
    s = loadSchema(dir);
    schemas.set(dir, s);
  }
  return s;
}

/** The files among `files` that `xmllint --noout --relaxng DIR/domain.rng` rejects (one process). */
export function xmllintRejects(files: string[], dir = SCHEMA_DIR): Set<string> {
  const r = spawnSync('xmllint', ['--noout', '--relaxng', join(dir, 'domain.rng'), ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const out = new Set<string>();
  for (const line of r.stderr.split('\n')) {
    const m = /^(.*) fails to validate$/.exec(line);
    if (m) out.add(m[1] as string);
  }
  return out;
}
