/**
 * GitHub Actions workflow commands: one `::error` or `::warning` line per finding, which GitHub
 * shows as an annotation on the file and line:
 *   ::error file={name},line={line},col={col},endLine={endLine},endColumn={endColumn},title={ruleId}::{message}
 * Escaping as @actions/core does it: `%`, CR and LF in the message; also `:` and `,` in properties.
 * File names are relative to the repository root, where GitHub looks for them. When there are
 * findings, a last `::notice` names the libvirt they were judged for, as the stylish summary does.
 */
import { describeProfile, PROFILES } from '../libvirt/profile.js';
import type { Formatter } from './index.js';
import { reportName } from './paths.js';

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}


export const format: Formatter = (results, ctx) => {
  let out = '';
  for (const r of results) {
    const file = reportName(r.filePath, ctx);
    for (const m of r.messages) {
      const props: [string, string | number | undefined][] = [
        ['file', file],
        ['line', m.line],
        ['col', m.column],
        ['endLine', m.endLine],
        ['endColumn', m.endColumn],
        ['title', m.ruleId ?? 'kvmxml'],
      ];
      const list = props
        .filter((p): p is [string, string | number] => p[1] !== undefined)
        .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
        .join(',');
      out += `::${m.severity === 2 ? 'error' : 'warning'} ${list}::${escapeData(m.message)}\n`;
    }
  }
  const profiles = [...new Set(results.map((r) => r.libvirt).filter((p) => p !== undefined))].map((id) => describeProfile(PROFILES[id]));
  if (out && profiles.length) out += `::notice title=kvmxml::${escapeData(`Judged as ${profiles.join(' and ')} (--libvirt chooses)`)}\n`;
  return out;
};
