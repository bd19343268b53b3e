/**
 * Output of `kvmxml check`: a verdict per VM with its reasons and the page demand table
 * (stylish, json), or the reasons as findings in lint's machine formats (sarif, github, junit),
 * so CI annotates start failures the way it annotates lint findings.
 */
import { describeProfile, PROFILES } from '../libvirt/profile.js';
import { relative } from 'node:path';
import { formatKiB } from '../domain/units.js';
import type { FileLintResult } from '../engine/lint.js';
import type { RuleMeta } from '../engine/types.js';
import { PREDICTION_RULE_ID, type CheckResult } from '../predict/check.js';
import type { DemandRow } from '../predict/predict.js';

export const PREDICTION_META: RuleMeta = {
  id: PREDICTION_RULE_ID,
  description: 'The VM would not start on that host (huge page pools and mounts, host NUMA nodes, KVM), in libvirt\'s and QEMU\'s words; a warning where the host description cannot tell',
  severity: 'error',
  stage: 'start',
  fixable: false,
};

/** Each verdict's reasons as lint findings: errors for `fails`, warnings for `unknown`. */
export function checkAsLint(results: CheckResult[]): FileLintResult[] {
  return results.map((r) => {
    const messages = r.reasons.map(({ suggestion, ...m }) => ({ ...m, message: suggestion ? `${m.message} (${suggestion})` : m.message }));
    if (r.together?.verdict === 'fails' && r.verdict !== 'fails') {
      for (const { suggestion, ...m } of r.together.reasons) messages.push({ ...m, message: `started after the VMs before it: ${m.message}${suggestion ? ` (${suggestion})` : ''}` });
    }
    const errorCount = messages.filter((m) => m.severity === 2).length;
    return { filePath: r.filePath, messages, errorCount, warningCount: messages.length - errorCount, fixableErrorCount: 0, fixableWarningCount: 0, ...(r.skipped ? { skipped: r.skipped } : {}) };
  });
}

export function formatCheckJson(results: CheckResult[]): string {
  return JSON.stringify(
    results.map((r) => ({
      filePath: r.filePath,
      ...(r.libvirt ? { libvirt: r.libvirt } : {}),
      verdict: r.verdict,
      reasons: r.reasons,
      demand: r.demand,
      ...(r.unchecked.length ? { unchecked: r.unchecked } : {}),
      ...(r.together ? { together: r.together } : {}),
      ...(r.skipped ? { skipped: r.skipped } : {}),
    })),
  );
}

/** The colours of verdict output (`check`, `fit`), plain without colour. */
export function verdictPaints(color: boolean) {
  const paint = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const red = paint('31');
  const green = paint('32');
  const yellow = paint('33');
  const dim = paint('2');
  const verdict = (v: string) => (v === 'starts' ? green('starts') : v === 'fails' ? red('fails') : yellow('unknown'));
  return { red, green, yellow, dim, verdict };
}

/** The page demand table: page size, host node, pages needed and available, one row each. */
export function demandTable(demand: readonly DemandRow[], dim: (s: string) => string): string {
  if (!demand.length) return '';
  const rows = demand.map((d) => [
    formatKiB(d.pageSizeKiB),
    d.hostNode === null ? 'any' : String(d.hostNode),
    String(d.needed),
    d.available === null ? '?' : d.availableHigh !== undefined ? `${d.available}-${d.availableHigh}` : String(d.available),
  ]);
  const head = ['page size', 'host node', 'needed', 'available'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd() + '\n';
  return dim(line(head)) + rows.map(line).join('');
}

export function formatCheckStylish(results: CheckResult[], opts: { color: boolean; cwd: string }): string {
  const { red, green, yellow, dim, verdict: verdictText } = verdictPaints(opts.color);
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
    out += demandTable(r.demand, dim);
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
  const profiles = [...new Set(results.map((r) => r.libvirt).filter((p) => p !== undefined))].map((id) => describeProfile(PROFILES[id]));
  if (out && profiles.length) out += `${dim(`Judged as ${profiles.join(' and ')} (--libvirt chooses).`)}\n`;
  return out;
}
