/**
 * ESLint's JSON shape (DESIGN.md): one object per file. Each message also carries `stage` and,
 * when its rule has a doc page, `docs`: the page's URL.
 */
import type { RuleMeta } from '../engine/types.js';
import type { Formatter } from './index.js';

export const format: Formatter = (results, ctx) => {
  const urls = new Map<string, string | null>();
  const urlOf = (id: string | null): string | null => {
    if (id === null) return null;
    if (!urls.has(id)) urls.set(id, ctx.docs?.url(ctx.rules.get(id) as RuleMeta | undefined) ?? null);
    return urls.get(id) ?? null;
  };
  return JSON.stringify(
    results.map((r) => ({
      filePath: r.filePath,
      messages: r.messages.map((m) => {
        const docs = urlOf(m.ruleId);
        return docs ? { ...m, docs } : m;
      }),
      errorCount: r.errorCount,
      warningCount: r.warningCount,
      fixableErrorCount: r.fixableErrorCount,
      fixableWarningCount: r.fixableWarningCount,
      ...(r.libvirt !== undefined ? { libvirt: r.libvirt } : {}),
      ...(r.output !== undefined ? { output: r.output } : {}),
    })),
  );
};
