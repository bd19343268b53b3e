/**
 * libvirt's own schema check: `domain.rng` (and what it includes) from a libvirt schema
 * directory, compiled once per process with libxml2's RelaxNG validator (libxml2-wasm, the
 * validator `virsh define --validate` and virt-xml-validate use), and the words libxml2 says
 * about a document. libxml2-wasm is loaded only when a schema is asked for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importModule } from '../engine/config.js';
import { readGrammar, type Grammar } from './rng.js';
// Types only: libxml2-wasm itself is loaded on first use (loadLibxml2).
import type * as Libxml2Module from 'libxml2-wasm';
import type * as NodeIoModule from 'libxml2-wasm/lib/nodejs.mjs';

/** One message from libxml2's validator. */
export interface SchemaError {
  /** libxml2's words, without the trailing newline. */
  message: string;
  /** libxml2's line (0 when it gives none). */
  line: number;
  /** XPath of the node libxml2 blames (`/domain/devices`), when it names one. */
  xpath: string | null;
}

export interface LibvirtSchema {
  /** The schema directory, absolute. */
  dir: string;
  /** The grammar as written, for saying what the schema expects where (read on first use). */
  readonly grammar: Grammar;
  /** libxml2's verdict on a whole document: no errors means valid. */
  validate(text: string): SchemaError[];
}

/** Why no schema could be used: what it would need, for a one-time note. */
export class SchemaUnavailable extends Error {}

type Libxml2 = typeof Libxml2Module;
type NodeIo = typeof NodeIoModule;

let libxml2: Promise<{ lib: Libxml2; io: NodeIo }> | null = null;
function loadLibxml2(): Promise<{ lib: Libxml2; io: NodeIo }> {
  libxml2 ??= (async () => {
    const lib = (await importModule('libxml2-wasm')) as Libxml2;
    const io = (await importModule('libxml2-wasm/lib/nodejs.mjs')) as NodeIo;
    // domain.rng names the files it includes by relative path; libxml2 reads them through this.
    lib.xmlRegisterInputProvider(io.fsInputProviders);
    return { lib, io };
  })();
  return libxml2;
}

const compiled = new Map<string, Promise<LibvirtSchema>>();

/** The schema in `dir` (compiled on first use, then shared by every file of the run). */
export function loadSchema(dir: string): Promise<LibvirtSchema> {
  const abs = resolve(dir);
  let p = compiled.get(abs);
  if (!p) {
    p = compile(abs);
    compiled.set(abs, p);
  }
  return p;
}

async function compile(dir: string): Promise<LibvirtSchema> {
  const rngPath = join(dir, 'domain.rng');
  if (!existsSync(rngPath)) {
    throw new SchemaUnavailable(
      `no libvirt schema in ${dir} (domain.rng not found): install libvirt's schemas (Debian and Ubuntu: apt-get install libvirt0; Fedora: libvirt-libs) or point --schema at a directory holding domain.rng`,
    );
  }
  const { lib } = await loadLibxml2();
  let validator: InstanceType<Libxml2['RelaxNGValidator']>;
  try {
    const rng = lib.XmlDocument.fromBuffer(readFileSync(rngPath), { url: rngPath });
    validator = lib.RelaxNGValidator.fromDoc(rng);
  } catch (e) {
    const detail = e instanceof lib.XmlLibError ? e.details.map((d) => d.message.trim()).join('; ') : (e as Error).message;
    throw new SchemaUnavailable(`${rngPath}: libxml2 cannot compile libvirt's schema: ${detail.split('\n')[0]}`);
  }
  // Read only for an invalid document: most runs never need it.
  let grammar: Grammar | null = null;
  return {
    dir,
    get grammar() {
      grammar ??= readGrammar(rngPath);
      return grammar;
    },
    validate(text) {
      let doc: InstanceType<Libxml2['XmlDocument']>;
      try {
        // kvmxml's own parser already refuses what libvirt's libxml2 refuses for depth; this build's
        // libxml2 stops one level earlier (a 257-deep document that libvirt defines), so no limit here
        doc = lib.XmlDocument.fromString(text, { url: 'domain.xml', option: lib.ParseOption.XML_PARSE_HUGE });
      } catch (e) {
        // Not well-formed for libxml2: the parse rule reports it; nothing to validate.
        if (e instanceof lib.XmlParseError) return [];
        throw e;
      }
      try {
        validator.validate(doc);
        return [];
      } catch (e) {
        if (!(e instanceof lib.XmlValidateError)) throw e;
        return e.details.map((d) => ({ message: d.message.trim(), line: d.line, xpath: d.xpath ?? null }));
      } finally {
        doc.dispose();
      }
    },
  };
}
