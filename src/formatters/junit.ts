/**
 * JUnit XML for CI test reports (GitLab, Jenkins, Azure…): one test suite; a test case per
 * error-level finding, each with exactly one <failure> (GitLab's parser reads one per test
 * case), named by file, position and rule; a file without errors is one passing test case.
 * Warnings do not fail anything; they are listed in the <system-out> of the file's first test
 * case. A file that was not linted (not a domain definition) is <skipped>. File names are
 * relative to the repository root.
 */
import type { LintMessage } from '../engine/types.js';
import type { Formatter } from './index.js';
import { reportName } from './paths.js';

/** Text safe in XML 1.0 content and attribute values. */
export function xmlEscape(s: string): string {
  return s
    // Characters XML 1.0 does not allow at all (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/F).
    // eslint-disable-next-line no-control-regex -- matching the control characters is the point
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

const line = (file: string, m: LintMessage) => `${file}:${m.line}:${m.column}: ${m.severity === 2 ? 'error' : 'warning'}: ${m.message} (${m.ruleId ?? 'kvmxml'} [${m.stage}])`;

export const format: Formatter = (results, ctx) => {
  let cases = '';
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const r of results) {
    const file = reportName(r.filePath, ctx);
    const errors = r.messages.filter((m) => m.severity === 2);
    const warnings = r.messages.filter((m) => m.severity !== 2);
    const out = warnings.length > 0 ? `      <system-out>${textEscape(warnings.map((m) => line(file, m)).join('\n'))}</system-out>\n` : '';
    const testcase = (name: string, body: string) => {
      tests++;
      const attrs = `classname="${xmlEscape(file)}" name="${xmlEscape(name)}" file="${xmlEscape(file)}"`;
      cases += body ? `    <testcase ${attrs}>\n${body}    </testcase>\n` : `    <testcase ${attrs}/>\n`;
    };
    if (r.skipped) {
      skipped++;
      testcase(file, `      <skipped message="${xmlEscape(r.skipped)}"/>\n${out}`);
      continue;
    }
    if (errors.length === 0) {
      testcase(file, out);
      continue;
    }
    errors.forEach((m, i) => {
      failures++;
      const failure = `      <failure message="${xmlEscape(m.message)}" type="${xmlEscape(m.ruleId ?? 'kvmxml')}">${textEscape(line(file, m))}</failure>\n`;
      testcase(`${file}:${m.line}:${m.column} ${m.ruleId ?? 'kvmxml'}`, failure + (i === 0 ? out : ''));
    });
  }
  const counts = `tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}"`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="kvmxml" ${counts}>\n` +
    `  <testsuite name="kvmxml" ${counts}>\n` +
    profilesXml(results) +
    cases +
    '  </testsuite>\n' +
    '</testsuites>\n'
  );
};

/** The profiles (libvirt + QEMU) the files were judged by, as testsuite properties. */
function profilesXml(results: { libvirt?: string }[]): string {
  const ids = [...new Set(results.map((r) => r.libvirt).filter((p) => p !== undefined))];
  return ids.length ? `    <properties>\n${ids.map((p) => `      <property name="libvirt" value="${p}"/>\n`).join('')}    </properties>\n` : '';
}
