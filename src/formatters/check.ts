/** Output of `kvmxml check`: a verdict per VM with its reasons and the page demand table. */
import { relative } from 'node:path';
import { formatKiB } from '../domain/units.js';
import type { CheckResult } from '../predict/check.js';

export function formatCheckJson(results: CheckResult[]): string {
  return JSON.stringify(
    results.map((r) => ({
      filePath: r.filePath,
      verdict: r.verdict,
      reasons: r.reasons,
      demand: r.demand,
      ...(r.unchecked.length ? { unchecked: r.unchecked } : {}),
      ...(r.together ? { together: r.together } : {}),
      ...(r.skipped ? { skipped: r.skipped } : {}),
    })),
  );
}

export function formatCheckStylish(results: CheckResult[], opts: { color: boolean; cwd: string }): string {
  const paint = (code: string) => (s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const red = paint('31');
  const green = paint('32');
  const yellow = paint('33');
  const dim = paint('2');
  const verdictText = (v: string) => (v === 'starts' ? green('starts') : v === 'fails' ? red('fails') : yellow('unknown'));
  let out = '';
  for (const r of results) {
    const name = relative(opts.cwd, r.filePath) || r.filePath;
    if (r.skipped) {
      out += `${name}: skipped (${r.skipped})\n`;
      continue;
    }
    out += `${name}: ${verdictText(r.verdict)}${r.unchecked.length ? ` (assuming what the host description cannot show: ${r.unchecked.length === 1 ? 'one file or socket' : `${r.unchecked.length} files, sockets or helpers`})` : ''}\n`;
    for (const u of r.unchecked) out += `  ${dim(`${u.line}:${u.column}`)}  not checked: ${u.message}\n`;
    for (const m of r.reasons) {
      out += `  ${dim(`${m.line}:${m.column}`)}  ${m.message}  ${dim(`${m.ruleId ?? ''} [${m.stage}]`)}\n`;
      if (m.suggestion) out += `        ${dim('→')} ${m.suggestion}\n`;
    }
    if (r.demand.length) {
      const rows = r.demand.map((d) => [
        formatKiB(d.pageSizeKiB),
        d.hostNode === null ? 'any' : String(d.hostNode),
        String(d.needed),
        d.available === null ? '?' : d.availableHigh !== undefined ? `${d.available}-${d.availableHigh}` : String(d.available),
      ]);
      const head = ['page size', 'host node', 'needed', 'available'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
      const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd() + '\n';
      out += dim(line(head));
      for (const row of rows) out += line(row);
    }
  }
  const batch = results.filter((r) => r.together);
  if (batch.length > 1) {
    const firstFail = batch.find((r) => r.together!.verdict === 'fails');
    if (!firstFail) out += `\nTogether, in the given order: ${batch.some((r) => r.together!.verdict === 'unknown') ? yellow('unknown') : green('all start')}\n`;
    else {
      const name = relative(opts.cwd, firstFail.filePath) || firstFail.filePath;
      out += `\nTogether, in the given order: ${red(`${name} is the first that fails`)}\n`;
      for (const m of firstFail.together!.reasons) {
        out += `  ${m.message}\n`;
        if (m.suggestion) out += `    ${dim('→')} ${m.suggestion}\n`;
      }
    }
  }
  return out;
}
