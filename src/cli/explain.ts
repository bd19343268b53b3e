/** `kvmxml explain RULE`: print a rule's documentation (rules/<id>.md, shipped in the package, or a plugin's own page). */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { closest } from '../engine/config.js';
import { driversLine } from '../engine/drivers.js';
import type { RuleMeta } from '../engine/types.js';
import { docsUrl, docText } from './package-info.js';
import { UsageError } from './files.js';
import { stdout } from './stdio.js';

/**
 * `metas`: every rule there is (built-in, and the plugins' of the working directory's config);
 * `pluginDirs`: for a plugin rule, the directory its `meta.docs` path is relative to.
 */
export function explainRule(id: string, metas: RuleMeta[], out: { write(text: string): unknown } = stdout, pluginDirs: Map<string, string> = new Map()): number {
  const meta = metas.find((m) => m.id === id);
  if (!meta) {
    const guess = closest(id, metas.map((m) => m.id));
    throw new UsageError(`unknown rule '${id}'${guess ? ` (did you mean '${guess}'?)` : ''}; \`kvmxml rules\` lists them all`);
  }
  const base = pluginDirs.get(id);
  const page = base !== undefined ? pluginDocText(meta, base) : docText(meta);
  // The markers that tell the example test how to run a page's examples are not for readers.
  const doc = page?.replace(/^<!-- examples?(?:-context)?:[\s\S]*?-->\n/gm, '').replace(/\n{3,}/g, '\n\n');
  if (doc) {
    out.write(doc.endsWith('\n') ? doc : doc + '\n');
    return 0;
  }
  // No page shipped (a URL, or a rule without one): say what the metadata says.
  const url = docsUrl(meta);
  out.write(
    `# ${meta.id}\n\n**Stage:** ${meta.stage} · **Default:** ${meta.severity} · **Fixable:** ${meta.fixable ? 'yes' : 'no'}\n\n${meta.drivers ? `${driversLine(meta.drivers)}\n\n` : ''}${meta.description}\n` +
      (url ? `\nDocumentation: ${url}\n` : ''),
  );
  return 0;
}

/** A plugin rule's page: `meta.docs` as a path relative to the plugin. */
function pluginDocText(meta: RuleMeta, base: string): string | null {
  if (!meta.docs || /^[a-z][a-z0-9+.-]*:/i.test(meta.docs)) return null;
  const p = resolve(base, meta.docs);
  try {
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  } catch {
    return null;
  }
}
