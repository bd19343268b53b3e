// One parse per document: the scanner's verdict now includes what xmldom refuses in a document
// the scanner accepts (names, namespaces), so xmldom no longer parses every document. These
// tests hold the new verdicts to the old ones: the scanner first, then xmldom's first
// objection, computed here exactly as parseXml did before (xmldom run on every document).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { parseXml, xmldomPositionAt } from '../src/xml/document.js';
import { scanXml } from '../src/xml/scan.js';

interface Verdict {
  line: number;
  column: number;
  message: string;
  hint?: string;
}

/** The verdict of the two-parser pipeline (scanner, then xmldom on every document). */
function twoParsers(text: string): Verdict | null {
  const parsed = parseXml(text);
  const scan = scanXml(text);
  if (scan.error || (scan.encoding && !/^utf-?8$/i.test(scan.encoding))) {
    // Scanner verdicts are untouched by the change; parseXml reports them as before.
    return parsed.ok ? null : strip(parsed.problem);
  }
  let problem: Verdict | null = null;
  try {
    new DOMParser({
      onError: (_level, msg, ctx) => {
        if (problem) return;
        const loc = (ctx as { locator?: { lineNumber?: number; columnNumber?: number } } | undefined)?.locator;
        problem = { line: loc?.lineNumber ?? 1, column: loc?.columnNumber ?? 1, message: clean(String(msg)) };
      },
    }).parseFromString(text.replace(/^\uFEFF/, ''), 'text/xml');
  } catch (e) {
    problem ??= { line: 1, column: 1, message: clean(e instanceof Error ? e.message : String(e)) };
  }
  return problem;
}

function clean(msg: string): string {
  return msg.replace(/^\[xmldom \w+\]\s*/, '').split('\n')[0]?.replace(/\s*@#\[line:.*$/, '').trim() ?? msg;
}

function strip(p: { line: number; column: number; message: string; hint?: string }): Verdict {
  return p.hint === undefined ? { line: p.line, column: p.column, message: p.message } : { line: p.line, column: p.column, message: p.message, hint: p.hint };
}

function onePass(text: string): Verdict | null {
  const parsed = parseXml(text);
  return parsed.ok ? null : strip(parsed.problem);
}

const NS = `xmlns:q='urn:q'`;
const cases: Record<string, string> = {
  'unbound element prefix': `<domain><a:b/></domain>`,
  'unbound prefix on the root': `<a:domain/>`,
  'unbound attribute prefix': `<domain a:b='1'/>`,
  'bound prefixes': `<domain ${NS}><q:x q:y='1'/></domain>`,
  'prefix bound on the element itself': `<q:domain ${NS}/>`,
  'prefix out of scope after its element': `<domain><m ${NS}><q:x/></m><q:y/></domain>`,
  'prefix in scope in a nested element': `<domain><m ${NS}><n><q:x/></n></m></domain>`,
  'prefix undeclared with an empty URI': `<domain ${NS}><m xmlns:q=''><q:x/></m></domain>`,
  'empty prefix declaration unused': `<domain xmlns:p=''/>`,
  'xml prefix': `<domain xml:lang='en'><xml:x/></domain>`,
  'xml prefix rebound': `<domain xmlns:xml='urn:x'/>`,
  'xml prefix rebound and used': `<domain xmlns:xml='urn:x'><xml:x/></domain>`,
  'xmlns prefix bound': `<domain xmlns:xmlns='urn:x'/>`,
  'xmlns prefix on an element': `<domain><xmlns:x/></domain>`,
  'element named xmlns': `<domain><xmlns/></domain>`,
  'default namespace': `<domain xmlns='http://libvirt.org/schemas/domain/qemu/1.0'/>`,
  'default namespace emptied': `<domain xmlns='urn:a'><x xmlns=''/></domain>`,
  'default namespace is the XMLNS one': `<domain xmlns='http://www.w3.org/2000/xmlns/'/>`,
  'default XMLNS namespace on a child': `<domain><x xmlns='http://www.w3.org/2000/xmlns/'/></domain>`,
  'default XML namespace': `<domain xmlns='http://www.w3.org/XML/1998/namespace'/>`,
  'prefix bound to the XMLNS namespace, used': `<domain xmlns:z='http://www.w3.org/2000/xmlns/'><z:a/></domain>`,
  'attribute prefix bound to the XMLNS namespace': `<domain xmlns:z='http://www.w3.org/2000/xmlns/' z:a='1'/>`,
  'same expanded attribute name twice': `<domain xmlns:a='u' xmlns:b='u' a:q='1' b:q='2'/>`,
  'trailing colon': `<domain><a:/></domain>`,
  'leading colon': `<domain><:a/></domain>`,
  'two colons': `<domain ${NS}><q:b:c/></domain>`,
  'attribute with two colons': `<domain ${NS} q:b:c='1'/>`,
  'attribute with a leading colon': `<domain :b='1'/>`,
  'attribute xmlns: without a name': `<domain xmlns:='u'/>`,
  'name with U+00D7': `<domain><a\u00D7/></domain>`,
  'name starting with a combining mark': `<domain><\u0300a/></domain>`,
  'name with U+00F7': `<domain><a\u00F7b/></domain>`,
  'attribute name with U+00D7': `<domain a\u00D7='1'/>`,
  'name with Greek and CJK letters': `<domain><\u03B1\u4E00\u00B7-x/></domain>`,
  'name with a plane-1 letter': `<domain><\u{10400}x/></domain>`,
  'name with U+037E': `<domain><a\u037E/></domain>`,
  'tag name error before the attribute error': `<domain><a\u00D7 b\u00D7='1'/></domain>`,
  'name error before a namespace error': `<domain><a:b c\u00D7='1'/></domain>`,
  'element namespace before attribute namespace': `<domain><xmlns:x q:y='1'/></domain>`,
  'first of two elements': `<domain>\n  <a:x/>\n  <b\u00D7/>\n</domain>`,
  'scanner error after a namespace error wins': `<domain><a:x/><b></domain>`,
  'U+FFFD in text': `<domain><name>a\uFFFDb</name></domain>`,
  'U+FFFD in an attribute': `<domain a='\uFFFD'/>`,
  'PI with a space before its target': `<domain><? foo?></domain>`,
  'PI without a target': `<domain><??></domain>`,
  'PI': `<domain><?foo bar?></domain>`,
  'PI without space': `<domain><?foo"x"?></domain>`,
  'PI after the root': `<domain/><?foo?>`,
  'XML declaration': `<?xml version='1.0' encoding='UTF-8'?>\n<domain/>`,
  'XML declaration, double quotes, standalone': `<?xml version="1.0" encoding="utf-8" standalone="yes" ?>\n<domain/>`,
  'XML declaration with another attribute': `<?xml version='1.0' foo='x'?><domain/>`,
  'XML declaration without a version': `<?xml encoding='utf-8'?><domain/>`,
  'XML declaration with a bad standalone': `<?xml version='1.0' standalone='maybe'?><domain/>`,
  'XML declaration with version 2.0': `<?xml version='2.0'?><domain/>`,
  'XML declaration, encoding before version': `<?xml encoding='UTF-8' version='1.0'?><domain/>`,
  'DOCTYPE': `<!DOCTYPE domain><domain/>`,
  'DOCTYPE with a system id': `<!DOCTYPE domain SYSTEM "x.dtd"><domain/>`,
  'DOCTYPE with an internal subset': `<!DOCTYPE domain [ <!ELEMENT domain ANY> ]><domain/>`,
  'empty DOCTYPE': `<!DOCTYPE><domain/>`,
  'DOCTYPE PUBLIC without a system id': `<!DOCTYPE domain PUBLIC "x"><domain/>`,
  'DOCTYPE with junk': `<!DOCTYPE domain FOO><domain/>`,
  'two DOCTYPEs': `<!DOCTYPE a><!DOCTYPE a><domain/>`,
  'comment ending --->': `<domain><!-- a ---></domain>`,
  'comment ending - -->': `<domain><!-- a- --></domain>`,
  'comment before the root ending --->': `<!-- a ---><domain/>`,
  'end tag with a space': `<domain></domain >`,
  'end tag with a line break': `<domain></domain\n>`,
  'greater-than in text': `<domain>a>b</domain>`,
  'references': `<domain a='&lt;&#x41;&#65;'>&amp;&#60;&#xFFFD;</domain>`,
  'spaces around =': `<domain a = '1'/>`,
  'a CDATA section': `<domain><![CDATA[<x>]]></domain>`,
  'an empty element name start': `<domain><a:b></a:b></domain>`,
  'matched prefixed end tag': `<domain ${NS}><q:b>t</q:b></domain>`,
};

// Where a namespace error is placed: xmldom's lines and columns, whatever the line ends.
const positioned: Record<string, string> = {
  'LF lines': `<domain>\n  <devices>\n    <a:x/>\n  </devices>\n</domain>\n`,
  'CRLF lines': `<domain>\r\n  <devices>\r\n    <a:x/>\r\n  </devices>\r\n</domain>\r\n`,
  'CR lines': `<domain>\r  <devices>\r    <a:x/>\r  </devices>\r</domain>\r`,
  'U+2028 and U+0085 in text before it': `<domain>\n  <name>a\u2028b\u0085c\u2029d\r\u0085e</name>\n  <a:x/>\n</domain>`,
  'a BOM, first line': `\uFEFF<domain><a:x/></domain>`,
  'a BOM, second line': `\uFEFF<domain>\n <a:x/></domain>`,
  'tabs and wide characters before it': `<domain><name>\t\u00E9\u4E00\u{1F600}</name><a:x/></domain>`,
  'attribute error on a later line of the tag': `<domain>\n  <x\n    a:b='1'/>\n</domain>`,
};

describe('one parse: the same documents refused, with the same messages and positions', () => {
  for (const [name, text] of Object.entries({ ...cases, ...positioned })) {
    it(name, () => {
      expect(onePass(text)).toEqual(twoParsers(text));
    });
  }

  it('refuses what xmldom refuses, in its words, where it says (spot checks)', () => {
    expect(onePass(positioned['CRLF lines'] as string)).toEqual({ line: 3, column: 5, message: 'Error constructing the DOM: NamespaceError: prefix is non-null and namespace is null' });
    expect(onePass(positioned['CR lines'] as string)).toEqual({ line: 3, column: 5, message: 'Error constructing the DOM: NamespaceError: prefix is non-null and namespace is null' });
    expect(onePass(cases['attribute with two colons'] as string)).toEqual({ line: 1, column: 1, message: 'element parse error: Error: invalid attribute:q:b:c' });
    expect(onePass(cases['name with U+00D7'] as string)).toEqual({ line: 1, column: 9, message: 'element parse error: Error: invalid tagName:a\u00D7' });
    expect(onePass(cases['bound prefixes'] as string)).toBeNull();
  });

  it('agrees on every fixture of the repository, and on each with an unbound prefix put into it', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir)) {
        const p = join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (e.endsWith('.xml')) files.push(p);
      }
    };
    walk(join(import.meta.dirname, '..', 'fixtures'));
    expect(files.length).toBeGreaterThan(300);
    let refused = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect({ f, v: onePass(text) }).toEqual({ f, v: twoParsers(text) });
      // The same file with a prefixed element and a prefixed attribute in its last element.
      const at = text.lastIndexOf('</');
      if (at > 0) {
        for (const inserted of [`<u:x/>`, `<x u:a='1'/>`, `<x xmlns:u='urn:u'><u:y/></x>`]) {
          const mutated = text.slice(0, at) + inserted + text.slice(at);
          const v = twoParsers(mutated);
          if (v) refused++;
          expect({ f, inserted, v: onePass(mutated) }).toEqual({ f, inserted, v });
        }
      }
    }
    expect(refused).toBeGreaterThan(files.length);
  });
});

describe('which documents still get xmldom as a second opinion', () => {
  it('none of the common shapes: plain domains, namespaced metadata, an XML declaration', () => {
    const plain = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'rules', 'xml-well-formed', 'intended-form.pass.xml'), 'utf8');
    for (const text of [
      plain,
      `<?xml version='1.0' encoding='UTF-8'?>\n<domain><metadata><q:x xmlns:q='urn:q' q:a='1'/></metadata></domain>`,
      `<domain xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><qemu:commandline/></domain>`,
      `<domain><!-- a comment --></domain>`,
    ]) {
      expect(scanXml(text).secondOpinion).toBe(false);
    }
  });

  it('the constructs whose finer rules only xmldom applies', () => {
    for (const name of ['U+FFFD in text', 'PI', 'PI after the root', 'XML declaration with another attribute', 'DOCTYPE', 'comment ending --->', 'comment before the root ending --->']) {
      expect({ name, second: scanXml(cases[name] as string).secondOpinion }).toEqual({ name, second: true });
    }
  });
});

describe('xmldomPositionAt', () => {
  it('counts the line ends xmldom normalises, and not the BOM', () => {
    expect(xmldomPositionAt('a\r\nb', 3)).toEqual({ line: 2, column: 1 });
    expect(xmldomPositionAt('a\rb\u0085c\u2028d\u2029e', 8)).toEqual({ line: 5, column: 1 });
    expect(xmldomPositionAt('a\r\u0085b', 3)).toEqual({ line: 2, column: 1 });
    expect(xmldomPositionAt('\uFEFFab', 2)).toEqual({ line: 1, column: 2 });
  });
});

describe('ctx.select: a DOM built on first use, answered with source elements', () => {
  it('finds the source elements, with their positions, and keeps one DOM per document', async () => {
    const { selectElements } = await import('../src/engine/select.js');
    const { domIndexOf } = await import('../src/xml/document.js');
    const text = `<domain>\n  <metadata><q:x xmlns:q='urn:q'/></metadata>\n  <memtune>\n    <hard_limit unit='KiB'>1</hard_limit>\n    <soft_limit>2</soft_limit>\n  </memtune>\n</domain>\n`;
    const parsed = parseXml(text);
    if (!parsed.ok) throw new Error(parsed.problem.message);
    const doc = parsed.doc;
    const found = selectElements(doc, '/domain/memtune/*');
    expect(found.map((e) => [e.name, doc.positionAt(e.range.start), e.attributes.map((a) => `${a.name}=${a.value}`)])).toEqual([
      ['hard_limit', { line: 4, column: 5 }, ['unit=KiB']],
      ['soft_limit', { line: 5, column: 5 }, []],
    ]);
    const index = domIndexOf(doc);
    expect(selectElements(doc, "//*[local-name()='x']").map((e) => e.name)).toEqual(['q:x']);
    expect(domIndexOf(doc)).toBe(index);
  });
});

describe('source tree nodes', () => {
  it('give ranges, raw values, quotes and attributes read again from the start tag', () => {
    const text = `<domain a="1 &amp; 2" b='x\ty'>\n  <e c='&#65;'/>text &lt; more<!-- c --><![CDATA[d]]><?p q?></domain>`;
    const parsed = parseXml(text);
    if (!parsed.ok) throw new Error(parsed.problem.message);
    const root = parsed.doc.root;
    expect(root.attributes.map((a) => [a.name, a.value, a.raw, a.quote, a.range, a.nameRange, a.valueRange])).toEqual([
      ['a', '1 & 2', '1 &amp; 2', '"', { start: 8, end: 21 }, { start: 8, end: 9 }, { start: 11, end: 20 }],
      ['b', 'x y', 'x\ty', "'", { start: 22, end: 29 }, { start: 22, end: 23 }, { start: 25, end: 28 }],
    ]);
    expect(root.attributes).toBe(root.attributes);
    expect(root.attributes[0]?.owner).toBe(root);
    expect([root.startTag, root.content, root.endTag, root.selfClosing]).toEqual([{ start: 0, end: 30 }, { start: 30, end: 91 }, { start: 91, end: 100 }, false]);
    const e = root.children[1];
    if (e?.kind !== 'element') throw new Error('expected <e>');
    expect([e.name, e.selfClosing, e.endTag, e.content, e.attributes[0]?.value, e.parent]).toEqual(['e', true, null, null, 'A', root]);
    expect(root.children.map((c) => [c.kind, c.kind === 'element' ? c.name : c.value, c.range])).toEqual([
      ['text', '\n  ', { start: 30, end: 33 }],
      ['element', 'e', { start: 33, end: 47 }],
      ['text', 'text < more', { start: 47, end: 61 }],
      ['comment', ' c ', { start: 61, end: 71 }],
      ['cdata', 'd', { start: 71, end: 84 }],
      ['pi', 'p q', { start: 84, end: 91 }],
    ]);
  });
});

describe('the lists a tree shares', () => {
  it('stay empty after every rule has read every rule fixture, fixes included', async () => {
    const { allActive, lintFile, RULE_FIXTURES } = await import('./helpers/fixtures.js');
    const active = allActive();
    for (const rule of readdirSync(RULE_FIXTURES)) {
      const dir = join(RULE_FIXTURES, rule);
      if (!statSync(dir).isDirectory()) continue;
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.xml'))) lintFile(join(dir, f), active, true);
    }
    const root = scanXml("<domain type='kvm'><name/><memory/></domain>").root!;
    const name = root.children[0]!;
    expect(name.kind === 'element' && name.children.length === 0 && name.attributes.length === 0).toBe(true);
  });
});
