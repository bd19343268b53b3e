/**
 * The public plugin API: the README's worked example, as a real plugin file importing from
 * 'kvmxml' (the package's `exports`), loaded through a config; it queries with ctx.select
 * (XPath), fixes, takes options, and `kvmxml explain` prints its page. A TypeScript plugin
 * type-checks against the declarations the package ships.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { runCli } from './helpers/run-cli.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const EXAMPLE = /```js\n(\/\/ my-rules\.mjs\n[\s\S]*?)```/.exec(README)?.[1];

const VM = `<domain type='kvm'>
  <name>balloon</name>
  <memory unit='KiB'>1048576</memory>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
  <devices>
    <memballoon model='virtio'/>
  </devices>
</domain>
`;
const FIXED = VM.replace("    <memballoon model='virtio'/>\n", "    <memballoon model='virtio'>\n      <stats period='10'/>\n    </memballoon>\n");

/** A project that installs kvmxml (a link to this checkout) and uses the README's plugin. */
function project(rules: Record<string, unknown> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'kvmxml-plugin-'));
  mkdirSync(join(d, 'node_modules'));
  symlinkSync(ROOT, join(d, 'node_modules', 'kvmxml'), 'dir');
  writeFileSync(join(d, 'my-rules.mjs'), EXAMPLE as string);
  writeFileSync(join(d, 'memballoon-stats.md'), '# memballoon-stats\n\nThe hosts read balloon statistics.\n');
  writeFileSync(join(d, 'kvmxml.config.json'), JSON.stringify({ plugins: ['./my-rules.mjs'], rules }));
  writeFileSync(join(d, 'vm.xml'), VM);
  return d;
}

describe("the README's plugin, loaded through the config", () => {
  it('is in the README', () => expect(EXAMPLE).toContain("from 'kvmxml'"));

  it('reports through XPath, to the column', () => {
    const r = runCli(['lint', '-f', 'json', 'vm.xml'], { cwd: project() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [file] = JSON.parse(r.stdout) as { messages: Record<string, unknown>[]; fixableWarningCount: number }[];
    const found = file!.messages.filter((m) => m.ruleId === 'memballoon-stats');
    expect(found).toEqual([
      {
        ruleId: 'memballoon-stats',
        severity: 1,
        message: "<memballoon> has no <stats>: the host sees no guest memory statistics (add <stats period='10'/>)",
        line: 8,
        column: 17,
        endLine: 8,
        endColumn: 31,
        stage: 'runtime',
        fix: { range: [VM.indexOf('<memballoon'), VM.indexOf('/>', VM.indexOf('<memballoon')) + 2], text: "<memballoon model='virtio'>\n      <stats period='10'/>\n    </memballoon>" },
      },
    ]);
  });

  it('fixes, and fixing again changes nothing', () => {
    const d = project();
    const r = runCli(['fix', 'vm.xml'], { cwd: d });
    expect(r.stderr).toBe('');
    expect(readFileSync(join(d, 'vm.xml'), 'utf8')).toBe(FIXED);
    runCli(['fix', 'vm.xml'], { cwd: d });
    expect(readFileSync(join(d, 'vm.xml'), 'utf8')).toBe(FIXED);
    expect(runCli(['lint', '-f', 'json', 'vm.xml'], { cwd: d }).stdout).not.toContain('memballoon-stats');
  });

  it('takes its options from the config, checked against its schema', () => {
    const r = runCli(['lint', 'vm.xml'], { cwd: project({ 'memballoon-stats': ['error', { period: 5 }] }) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("(add <stats period='5'/>)");
    const bad = runCli(['lint', 'vm.xml'], { cwd: project({ 'memballoon-stats': ['error', { period: 0 }] }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^kvmxml: .*kvmxml\.config\.json: invalid options for rule 'memballoon-stats' \(\/rules\/memballoon-stats\/1\): \/period: must be >= 1/);
  });

  it('kvmxml explain prints its page, relative to the plugin', () => {
    const d = project();
    const r = runCli(['explain', 'memballoon-stats'], { cwd: d });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('# memballoon-stats\n\nThe hosts read balloon statistics.\n');
    const typo = runCli(['explain', 'memballoon-stat'], { cwd: d });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("kvmxml: unknown rule 'memballoon-stat' (did you mean 'memballoon-stats'?); `kvmxml rules` lists them all\n");
    // Without the config, it is not a rule kvmxml knows.
    expect(runCli(['explain', '--no-config', 'memballoon-stats'], { cwd: d }).code).toBe(2);
  });

  it('a TypeScript plugin type-checks against the declarations the package exports', () => {
    const d = project();
    writeFileSync(
      join(d, 'rule.ts'),
      `import { childElements, defineRule, lintText, type Rule, type RuleContext } from 'kvmxml';
export const rule: Rule = defineRule({
  meta: { id: 'typed', description: 'typed', severity: 'error', stage: 'define', fixable: true },
  check(ctx: RuleContext) {
    for (const el of childElements(ctx.doc.root, 'name')) ctx.report({ node: el, message: 'x', fix: (f) => f.replaceText(el, 'y') });
  },
});
const n: number = lintText('<domain/>', { filePath: 'a.xml', rules: [{ rule, severity: 2, options: {} }] }).errorCount;
// @ts-expect-error: a stage that does not exist
defineRule({ meta: { id: 'bad', description: 'b', severity: 'warn', stage: 'boot', fixable: false }, check() {} });
export default n;
`,
    );
    writeFileSync(join(d, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: false, types: [] }, files: ['rule.ts'] }));
    writeFileSync(join(d, 'package.json'), JSON.stringify({ type: 'module' }));
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', d], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
