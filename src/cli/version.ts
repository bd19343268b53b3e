/**
 * The package version. The bundle has it fixed at build time (scripts/build.mjs), so neither
 * `--version` nor start-up has to look for a package.json; unbundled runs read ours.
 */
import { readFileSync } from 'node:fs';

declare const KVMXML_VERSION: string | undefined;

export const VERSION: string =
  typeof KVMXML_VERSION === 'string' ? KVMXML_VERSION : (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
