/** `kvmxml explain RULE`: print a rule's doc page (rules/<id>.md, shipped in the package). */
import { closest } from '../engine/config.js';
import { driversLine } from '../engine/drivers.js';
import type { RuleMeta } from '../engine/types.js';
import { docsUrl, docText } from '../formatters/package-info.js';
import { UsageError } from './files.js';
import { stdout } from './stdio.js';

export function explainRule(id: string, metas: RuleMeta[], out: { write(text: string): unknown } = stdout): number {
  const meta = metas.find((m) => m.id === id);
  if (!meta) {
    const guess = closest(id, metas.map((m) => m.id));
    throw new UsageError(`unknown rule '${id}'${guess ? ` (did you mean '${guess}'?)` : ''}; \`kvmxml rules\` lists them all`);
  }
  const doc = docText(meta);
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
