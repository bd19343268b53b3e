/** Human output in ESLint's "stylish" layout, with the libvirt stage of each finding. */
import { describeProfile, PROFILES } from '../libvirt/profile.js';
import { relative } from 'node:path';
import type { Formatter } from './index.js';

const paint = (on: boolean, code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export const format: Formatter = (results, ctx) => {
  const red = paint(ctx.color, '31');
  const yellow = paint(ctx.color, '33');
  const dim = paint(ctx.color, '2');
  const bold = paint(ctx.color, '1');
  const underline = paint(ctx.color, '4');
  let out = '';
  let errors = 0;
  let warnings = 0;
  let fixErr = 0;
  let fixWarn = 0;
  for (const r of results) {
    if (r.messages.length === 0) continue;
    errors += r.errorCount;
    warnings += r.warningCount;
    fixErr += r.fixableErrorCount;
    fixWarn += r.fixableWarningCount;
    const name = r.filePath === '<stdin>' ? r.filePath : relative(ctx.cwd, r.filePath) || r.filePath;
    out += `\n${underline(name)}\n`;
    const rows = r.messages.map((m) => [
      dim(`${m.line}:${m.column}`),
      m.severity === 2 ? red('error') : yellow('warning'),
      m.message,
      dim(`${m.ruleId ?? ''} [${m.stage}]`),
    ]);
    const w0 = Math.max(...r.messages.map((m) => `${m.line}:${m.column}`.length));
    const w1 = Math.max(...r.messages.map((m) => (m.severity === 2 ? 5 : 7)));
    r.messages.forEach((m, i) => {
      const row = rows[i] as string[];
      const pos = `${m.line}:${m.column}`;
      const sev = m.severity === 2 ? 'error' : 'warning';
      out += `  ${row[0]}${' '.repeat(w0 - pos.length)}  ${row[1]}${' '.repeat(w1 - sev.length)}  ${row[2]}  ${row[3]}\n`;
    });
  }
  const checked = results.filter((r) => !r.skipped).length;
  const withProblems = results.filter((r) => r.messages.length > 0).length;
  const total = errors + warnings;
  if (total === 0) {
    // Silent on success, as linters are; a terminal still gets a line saying what was checked.
    return ctx.tty && checked > 0 ? `${paint(ctx.color, '32')('✔')} ${checked} file${checked === 1 ? '' : 's'} checked, no problems\n` : '';
  }
  let summary = `✖ ${total} problem${total === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'})`;
  if (checked > 1) summary += ` in ${withProblems} of ${checked} files checked`;
  out += `\n${bold(errors ? red(summary) : yellow(summary))}\n`;
  if (fixErr + fixWarn > 0) {
    out += `  ${fixErr} error${fixErr === 1 ? '' : 's'} and ${fixWarn} warning${fixWarn === 1 ? '' : 's'} potentially fixable with \`kvmxml fix\`.\n`;
  }
  const profiles = [...new Set(results.map((r) => r.libvirt).filter((p) => p !== undefined))].map((id) => describeProfile(PROFILES[id]));
  if (profiles.length) out += `  Judged as ${profiles.join(' and ')} (--libvirt chooses).\n`;
  const firstRule = results.flatMap((r) => r.messages).find((m) => m.ruleId)?.ruleId;
  if (firstRule) out += `  ${dim(`Run \`kvmxml explain ${firstRule}\` (or any rule id) for what a rule checks and how to fix it.`)}\n`;
  return out;
};
