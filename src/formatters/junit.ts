/**
 * JUnit XML for CI test reports (GitLab, Jenkins, Azure…): one test suite, one test case per
 * file, one <failure> per error-level finding. Warnings do not fail a test case; they are listed
 * in its <system-out>. A file that was not linted (not a domain definition) is <skipped>.
 */
import { isAbsolute, relative, sep } from 'node:path';
import type { LintMessage } from '../engine/types.js';
import type { Formatter } from './index.js';

/** Text safe in XML 1.0 content and attribute values. */
export function xmlEscape(s: string): string {
  return s
    // Characters XML 1.0 does not allow at all (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/F).
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

/** Like xmlEscape, but keeps line breaks as they are (element content). */
function textEscape(s: string): string {
  return xmlEscape(s).replace(/&#10;/g, '\n').replace(/&#9;/g, '\t');
}

function fileName(filePath: string, cwd: string): string {
  if (filePath === '<stdin>') return filePath;
  const rel = relative(cwd, filePath);
  const name = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : filePath;
  return name.split(sep).join('/');
}

const line = (file: string, m: LintMessage) => `${file}:${m.line}:${m.column}: ${m.severity === 2 ? 'error' : 'warning'}: ${m.message} (${m.ruleId ?? 'kvmxml'} [${m.stage}])`;

export const format: Formatter = (results, ctx) => {
  let cases = '';
  let failures = 0;
  let skipped = 0;
  for (const r of results) {
    const file = fileName(r.filePath, ctx.cwd);
    const attrs = `classname="kvmxml" name="${xmlEscape(file)}" file="${xmlEscape(file)}"`;
    const errors = r.messages.filter((m) => m.severity === 2);
    const warnings = r.messages.filter((m) => m.severity !== 2);
    if (errors.length > 0) failures++;
    let body = '';
    if (r.skipped) {
      skipped++;
      body += `      <skipped message="${xmlEscape(r.skipped)}"/>\n`;
    }
    for (const m of errors) {
      body += `      <failure message="${xmlEscape(m.message)}" type="${xmlEscape(m.ruleId ?? 'kvmxml')}">${textEscape(line(file, m))}</failure>\n`;
    }
    if (warnings.length > 0) body += `      <system-out>${textEscape(warnings.map((m) => line(file, m)).join('\n'))}</system-out>\n`;
    cases += body ? `    <testcase ${attrs}>\n${body}    </testcase>\n` : `    <testcase ${attrs}/>\n`;
  }
  const counts = `tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}"`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="kvmxml" ${counts}>\n` +
    `  <testsuite name="kvmxml" ${counts}>\n` +
    cases +
    '  </testsuite>\n' +
    '</testsuites>\n'
  );
};
