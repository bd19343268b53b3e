/**
 * Where kvmxml is installed, its version, and the doc page of each rule: read for the formatters
 * that link findings to their documentation (json, sarif: handed in as FormatContext.docs, the
 * formatters read no files) and by `kvmxml explain`. Loaded only with them: a plain lint never
 * reads package.json or a doc page.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuleMeta } from '../engine/types.js';
import type { RuleDocs } from '../formatters/index.js';

let root: string | null | undefined;

/** The package root: the nearest directory above this module with kvmxml's package.json. */
export function packageRoot(): string | null {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'kvmxml') return (root = dir);
      } catch {
        /* not ours; keep looking */
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return (root = null);
    dir = parent;
  }
}

let pkg: { version?: string; homepage?: string } | undefined;
function packageJson(): { version?: string; homepage?: string } {
  if (pkg) return pkg;
  const r = packageRoot();
  try {
    pkg = r ? (JSON.parse(readFileSync(join(r, 'package.json'), 'utf8')) as typeof pkg & object) : {};
  } catch {
    pkg = {};
  }
  return pkg;
}

export function packageVersion(): string {
  return packageJson().version ?? '0.0.0';
}

const URL_RE = /^[a-z][a-z0-9+.-]*:/i;

/** The file of a rule's doc page, when it is a path inside this package and exists. */
export function docPath(meta: RuleMeta): string | null {
  if (!meta.docs || URL_RE.test(meta.docs)) return null;
  const r = packageRoot();
  if (!r) return null;
  const p = resolve(r, meta.docs);
  return existsSync(p) ? p : null;
}

/**
 * A URL for a rule's doc page, or null: the rule's own http(s) URL when `docs` is one, else the
 * page under the package's declared `homepage` (package.json) when it declares one. Never a
 * path into the installed package: a file: URL names one machine's node_modules, which a CI
 * log or a code-scanning alert read elsewhere cannot open. The help text itself travels in the
 * output instead (SARIF `help`, `kvmxml explain`).
 */
export function docsUrl(meta: RuleMeta | undefined): string | null {
  if (!meta?.docs) return null;
  if (URL_RE.test(meta.docs)) return /^https?:/i.test(meta.docs) ? meta.docs : null;
  const home = packageJson().homepage;
  if (!home || !/^https?:/i.test(home)) return null;
  try {
    return new URL(meta.docs, home.endsWith('/') ? home : `${home}/`).href;
  } catch {
    return null;
  }
}

/** The Markdown text of a rule's doc page, or null. */
export function docText(meta: RuleMeta): string | null {
  const p = docPath(meta);
  if (!p) return null;
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
}

/** What the formatters get to name each rule's documentation (FormatContext.docs); package.json is read when first asked. */
export function packageDocs(): RuleDocs {
  return {
    url: docsUrl,
    text: docText,
    get version() {
      return packageVersion();
    },
  };
}

