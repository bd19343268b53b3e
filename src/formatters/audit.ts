/**
 * `kvmxml audit`'s report: lint's findings per domain in any format, and with stylish each
 * stopped domain's start verdict on the host (json: one object per domain).
 */
import type { AuditedDomain } from '../runner/audit.js';
import { formatCheckStylish } from './check.js';
import { loadFormatter, type FormatContext, type FormatName } from './index.js';

/** The report: lint's findings per domain, and each stopped domain's start verdict on the host. */
export async function formatAudit(domains: AuditedDomain[], format: FormatName, ctx: FormatContext): Promise<string> {
  const lint = domains.map((d) => d.lint);
  const checks = domains.flatMap((d) => (d.check ? [d.check] : []));
  if (format === 'json') {
    return (
      JSON.stringify(
        domains.map((d) => ({
          domain: d.name,
          verdict: d.running ? 'running' : d.check!.verdict,
          ...(d.check ? { reasons: d.check.reasons, demand: d.check.demand, ...(d.check.together ? { together: d.check.together } : {}) } : {}),
          ...d.lint,
        })),
      ) + '\n'
    );
  }
  const report = (await loadFormatter(format))(lint, ctx);
  if (format !== 'stylish') return report;
  let out = report;
  if (domains.length === 0) return `${report}kvmxml: audit: libvirt has no domains defined\n`;
  out += `${report ? '\n' : ''}Start on this host:\n`;
  out += formatCheckStylish(checks, ctx).replace(/^(?=.)/gm, '  ');
  for (const d of domains) if (d.running) out += `  ${d.name}: running (not start-checked: its memory is already taken from the host)\n`;
  return out;
}

