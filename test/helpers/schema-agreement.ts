/**
 * libvirt-schema against libvirt's own validator, for one schema directory and the profile it
 * belongs to: a file is flagged exactly when `xmllint --relaxng domain.rng` rejects it — by
 * libvirt-schema, or by the memory-area rule that SCHEMA_EXPLAINED_BY hands the element to — and
 * the profile's memory-area schema table agrees with the RNG it stands for. The plain suite runs
 * it on the installed schemas (9.0); the real-libvirt suite on each lab version's own.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { explainedAreas, memoryArea, type ElementSpec } from '../../src/domain/schema-table.js';
import type { LintMessage } from '../../src/engine/types.js';
import { PROFILES, type ProfileId } from '../../src/libvirt/profile.js';
import { checkNames } from '../../src/schema/diagnose.js';
import type { LibvirtSchema } from '../../src/schema/validator.js';
import { parseXml, type XmlDocument } from '../../src/xml/document.js';
import { allActive, lintFile, ROOT } from './fixtures.js';
import { testSchema, xmllintMissing, xmllintRejects } from './schema.js';

export function xmlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...xmlFilesUnder(p));
    else if (e.name.endsWith('.xml')) out.push(p);
  }
  return out.sort();
}

/** Well-formed <domain> documents among `files`, parsed. */
export function domains(files: string[]): Map<string, XmlDocument> {
  const out = new Map<string, XmlDocument>();
  for (const f of files) {
    const parsed = parseXml(readFileSync(f, 'utf8'));
    if (parsed.ok && parsed.doc.root.name === 'domain') out.set(f, parsed.doc);
  }
  return out;
}

function offsetOf(doc: XmlDocument, m: LintMessage): number {
  return (doc.lineStarts[m.line - 1] ?? 0) + m.column - 1 + (m.line === 1 && doc.bom ? 1 : 0);
}

/** Findings of the rules SCHEMA_EXPLAINED_BY names, inside the areas it names them for. */
function explaining(doc: XmlDocument, messages: LintMessage[]): LintMessage[] {
  const areas = explainedAreas(doc.root);
  return messages.filter((m) =>
    areas.some(({ el, rules }) => m.ruleId !== null && rules.includes(m.ruleId) && offsetOf(doc, m) >= el.range.start && offsetOf(doc, m) < el.range.end),
  );
}

/**
 * Where kvmxml (judging as `profile`) and xmllint disagree. A file xmllint rejects must get a
 * libvirt-schema finding or one from a rule it leaves the element to; a file xmllint accepts must
 * get neither a libvirt-schema finding nor a schema-stage finding of those rules (stage schema
 * claims that `virsh define --validate` rejects the file).
 */
export function disagreements(schema: LibvirtSchema, schemaDir: string, profile: ProfileId, docs: Map<string, XmlDocument>): string[] {
  const rejected = xmllintRejects([...docs.keys()], schemaDir);
  const out: string[] = [];
  for (const [file, doc] of docs) {
    const name = relative(ROOT, file);
    const r = lintFile(file, allActive(), false, null, schema, PROFILES[profile]);
    const own = r.messages.filter((m) => m.ruleId === 'libvirt-schema');
    const others = explaining(doc, r.messages);
    if (rejected.has(file)) {
      // A fatal finding (a <domain> in a namespace) ends the lint before any schema check.
      if (own.length === 0 && others.length === 0 && !r.messages.some((m) => m.fatal)) out.push(`${name}: xmllint rejects it, kvmxml says nothing`);
      continue;
    }
    if (own.length > 0) out.push(`${name}: xmllint accepts it, libvirt-schema says ${own[0]?.message}`);
    for (const m of others) if (m.stage === 'schema') out.push(`${name}: xmllint accepts it, ${m.ruleId} says the schema rejects it: ${m.message}`);
    // The name check never objects to a document libxml2 accepts.
    for (const v of checkNames(schema.grammar, doc.root)) out.push(`${name}: valid, but the name check says ${v.message}`);
  }
  return out;
}

/** Where `profile`'s memory-area table and the RNG differ, and how many places were compared. */
export function tableProblems(grammar: LibvirtSchema['grammar'], profile: ProfileId): { checked: number; problems: string[] } {
    const problems: string[] = [];
    let checked = 0;
    const walk = (spec: ElementSpec, path: string[]): void => {
      if (spec.content === 'unchecked') return;
      const at = path.slice(1).map((p) => `<${p}>`).join('');
      const info = grammar.infoAt(path);
      if (!info) {
        problems.push(`${at}: not in the RNG`);
        return;
      }
      checked++;
      const parent = grammar.infoAt(path.slice(0, -1));
      if (parent && parent.repeatable.has(spec.name) === spec.once) problems.push(`${at}: table once=${spec.once}, RNG ${spec.once ? 'repeatable' : 'at most once'}`);
      if (spec.partial) {
        for (const c of spec.children ?? []) if (!info.children.has(c.name)) problems.push(`${at}: <${c.name}> not a child in the RNG`);
      } else {
        const tableAttrs = Object.keys(spec.attrs);
        for (const a of tableAttrs) if (!info.attributes.has(a)) problems.push(`${at}: ${a}= not in the RNG`);
        for (const a of info.attributes.keys()) if (!tableAttrs.includes(a)) problems.push(`${at}: the RNG allows ${a}=, the table does not`);
        for (const [a, values] of Object.entries(spec.attrs)) {
          const rng = info.attributes.get(a)?.values;
          const want = rng ? [...rng].sort() : null;
          const have = values ? [...values].sort() : null;
          if (info.attributes.has(a) && JSON.stringify(want) !== JSON.stringify(have)) problems.push(`${at} ${a}=: table ${JSON.stringify(have)}, RNG ${JSON.stringify(want)}`);
        }
        const tableKids = (spec.children ?? []).map((c) => c.name);
        if (spec.content === 'elements') {
          for (const c of tableKids) if (!info.children.has(c)) problems.push(`${at}: <${c}> not a child in the RNG`);
          for (const c of info.children) if (!tableKids.includes(c)) problems.push(`${at}: the RNG allows <${c}>, the table does not`);
        } else if (info.children.size > 0) problems.push(`${at}: content '${spec.content}', but the RNG has children ${[...info.children].join(', ')}`);
      }
      for (const c of spec.children ?? []) walk(c, [...path, c.name]);
    };
    for (const c of memoryArea(profile).children) walk(c, ['domain', c.name]);
    return { checked, problems };
}

/**
 * The agreement tests for the schemas in `schemaDir`, judged as `profile`, with libvirt's own
 * test domains from `corpus` when that directory is there. `missing` says why they cannot run.
 */
export function schemaAgreement(opts: { schemaDir: string; profile: ProfileId; corpus: string; corpusHow: string; missing: string | null }): void {
  const { schemaDir, profile, corpus } = opts;
  const missing = opts.missing ?? xmllintMissing;
  const title = `libvirt ${profile}'s schema (${schemaDir})`;
  describe.skipIf(missing !== null)(`libvirt-schema agrees with xmllint --relaxng on ${title}${missing ? ` (skipped: ${missing})` : ''}`, () => {
    let schema: LibvirtSchema;
    beforeAll(async () => {
      schema = await testSchema(schemaDir);
    });

    it("on the project's own domain files (rule fixtures, examples, conformance cases)", () => {
      const docs = domains(xmlFilesUnder(join(ROOT, 'fixtures')));
      expect(docs.size).toBeGreaterThan(300);
      const rejected = xmllintRejects([...docs.keys()], schemaDir);
      // A varied set: plenty of both kinds.
      expect(rejected.size).toBeGreaterThan(30);
      expect(docs.size - rejected.size).toBeGreaterThan(100);
      expect(disagreements(schema, schemaDir, profile, docs)).toEqual([]);
    }, 120_000);

    const corpusThere = existsSync(corpus);
    it.skipIf(!corpusThere)(`on libvirt's own test domains${corpusThere ? ` (${corpus})` : ` (skipped: no ${corpus}; ${opts.corpusHow} fetches them)`}`, () => {
      const docs = domains(xmlFilesUnder(corpus));
      expect(docs.size).toBeGreaterThan(1000);
      expect(disagreements(schema, schemaDir, profile, docs)).toEqual([]);
    }, 300_000);
  });

  describe.skipIf(opts.missing !== null)(`the memory-area schema table of ${profile} agrees with ${title}${opts.missing ? ` (skipped: ${opts.missing})` : ''}`, () => {
    it('same elements, attributes, fixed values and repeats at every place of the memory area', async () => {
      const { grammar } = await testSchema(schemaDir);
      const { checked, problems } = tableProblems(grammar, profile);
      expect(checked).toBeGreaterThan(40);
      expect(problems).toEqual([]);
    });
  });
}
