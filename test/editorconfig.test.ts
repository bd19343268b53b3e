/**
 * The committed files follow .editorconfig, read as editors read it: the sections whose glob
 * matches a file apply in order, a later one overriding an earlier one, and `unset` removes a
 * property. Checked: charset (utf-8, so valid UTF-8 without a BOM), end_of_line (lf),
 * insert_final_newline, trim_trailing_whitespace and indent_style. indent_size is what an
 * editor uses for a new line and is not checked (a JSDoc line starts ` * `).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

type Properties = Record<string, string>;
interface Section { glob: string; matches: (path: string) => boolean; properties: Properties }

/** The sections of an .editorconfig at the repository's root, in order. */
function parseEditorconfig(text: string): { root: boolean; sections: Section[] } {
  let root = false;
  const sections: Section[] = [];
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      const glob = header[1] as string;
      // A glob without a slash matches a file's name in any folder; one with a slash, its path.
      const isMatch = picomatch(glob.includes('/') ? glob.replace(/^\//, '') : `**/${glob}`, { dot: true });
      sections.push({ glob, matches: (p) => isMatch(p), properties: {} });
      continue;
    }
    const pair = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!pair) throw new Error(`.editorconfig:${n + 1}: not a section or a property: ${raw}`);
    const [key, value] = [(pair[1] as string).toLowerCase(), (pair[2] as string).toLowerCase()];
    const section = sections.at(-1);
    if (section) section.properties[key] = value;
    else if (key === 'root') root = value === 'true';
    else throw new Error(`.editorconfig:${n + 1}: ${key} before any section`);
  }
  return { root, sections };
}

function propertiesOf(sections: Section[], path: string): Properties {
  const out: Properties = {};
  for (const s of sections) {
    if (!s.matches(path)) continue;
    for (const [k, v] of Object.entries(s.properties)) {
      if (v === 'unset') delete out[k];
      else out[k] = v;
    }
  }
  return out;
}

/** What in `bytes` breaks `props`, one line each, with the line number where there is one. */
function violations(bytes: Buffer, props: Properties): string[] {
  const found: string[] = [];
  if (props.charset === 'utf-8') {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) found.push('starts with a byte order mark');
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      found.push('is not valid UTF-8');
      return found;
    }
  }
  const text = bytes.toString('utf8');
  if (props.end_of_line === 'lf' && text.includes('\r')) found.push(`line ${text.slice(0, text.indexOf('\r')).split('\n').length}: a carriage return`);
  if (props.insert_final_newline === 'true' && text !== '' && !text.endsWith('\n')) found.push('no newline at the end');
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}`;
    if (props.trim_trailing_whitespace === 'true' && /[ \t]\r?$/.test(line)) found.push(`${where}: trailing whitespace`);
    if (props.indent_style === 'space' && line.startsWith('\t')) found.push(`${where}: indented with a tab`);
    if (props.indent_style === 'tab' && line.startsWith(' ')) found.push(`${where}: indented with spaces`);
  }
  return found;
}

const CONFIG = parseEditorconfig(readFileSync(join(ROOT, '.editorconfig'), 'utf8'));

describe('.editorconfig', () => {
  it('is the root one and sets the style for every file: UTF-8, LF, two spaces, a final newline', () => {
    expect(CONFIG.root).toBe(true);
    expect(propertiesOf(CONFIG.sections, 'src/xml/scan.ts')).toEqual({
      charset: 'utf-8',
      end_of_line: 'lf',
      indent_style: 'space',
      indent_size: '2',
      insert_final_newline: 'true',
      trim_trailing_whitespace: 'true',
    });
  });

  it('leaves the bytes of test inputs alone, and the tab-indented shell script tab-indented', () => {
    expect(propertiesOf(CONFIG.sections, 'fixtures/rules/hugepage-nodeset-dropped/crlf-tabs.fail.xml')).toEqual({});
    expect(propertiesOf(CONFIG.sections, 'scripts/capture-host.sh')).toMatchObject({ indent_style: 'tab', end_of_line: 'lf' });
    expect(propertiesOf(CONFIG.sections, 'scripts/capture-host.sh').indent_size).toBeUndefined();
  });

  it('finds what a file breaks, to the line', () => {
    const all = propertiesOf(CONFIG.sections, 'README.md');
    expect(violations(Buffer.from('a\r\nb \n\tc'), all)).toEqual(['line 1: a carriage return', 'no newline at the end', 'line 2: trailing whitespace', 'line 3: indented with a tab']);
    expect(violations(Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x0a]), all)).toEqual(['starts with a byte order mark']);
    expect(violations(Buffer.from([0x61, 0xff, 0x0a]), all)).toEqual(['is not valid UTF-8']);
    expect(violations(Buffer.from('  two spaces\n'), { indent_style: 'tab' })).toEqual(['line 1: indented with spaces']);
    expect(violations(Buffer.from('a\r\nb \n\tc'), {})).toEqual([]);
  });

  it('every committed file follows it', () => {
    const r = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = r.stdout.split('\0').filter((f) => f !== '');
    expect(files).toContain('package.json');
    const broken: string[] = [];
    for (const f of files) {
      const props = propertiesOf(CONFIG.sections, f);
      if (Object.keys(props).length === 0) continue;
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(ROOT, f));
      } catch {
        continue; // deleted in the work tree, not yet committed
      }
      for (const v of violations(bytes, props)) broken.push(`${f}: ${v}`);
    }
    expect(broken).toEqual([]);
  });
});
