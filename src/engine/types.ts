/**
 * The rule API. A rule is a module exporting `meta` and `check`; `check` reads the domain model
 * (and the host snapshot, when one is given) and reports findings through the context. Rules
 * never read files, parse text or print.
 */
import type { DomainModel } from '../domain/model.js';
import type { HostSnapshot } from '../host/snapshot.js';
import type { Profile, ProfileId } from '../libvirt/profile.js';
import type { LibvirtSchema } from '../schema/validator.js';
import type { XmlDocument } from '../xml/document.js';
import type { Fixer, TextEdit } from '../xml/edit.js';
import type { Range, XAttr, XElement, XText } from '../xml/tree.js';

/** Where libvirt or QEMU would react (DESIGN.md, spec §0.1). */
export type Stage = 'parse' | 'schema' | 'define' | 'start' | 'runtime' | 'style';
export const STAGES: readonly Stage[] = ['parse', 'schema', 'define', 'start', 'runtime', 'style'];

export type SeverityName = 'off' | 'warn' | 'error';

/** The domain types (drivers) a check holds for, and where libvirt makes it (src/engine/drivers.ts). */
export interface RuleDrivers {
  /** `<domain type>` values, or 'any' for libvirt's driver-independent XML layer. */
  types: 'any' | readonly string[];
  /** The libvirt (or QEMU) function that makes the check, with its source file. */
  by: string;
}

/**
 * Parts of a domain a rule can need (see RuleMeta.needs): `<memoryBacking>`, `<memtune>`,
 * `<numatune>`, `<cpu><numa>` (the guest NUMA cells) and `<memory>` devices.
 */
export type DomainPart = 'memoryBacking' | 'memtune' | 'numatune' | 'numa' | 'memoryDevices';

export interface RuleMeta {
  /** kebab-case, unique. */
  id: string;
  /** One line: what the rule finds. */
  description: string;
  severity: 'warn' | 'error';
  stage: Stage;
  fixable: boolean;
  /**
   * Which drivers the check belongs to. Built-in rules all say; a rule without it runs for every
   * domain type.
   */
  drivers?: RuleDrivers;
  /** Rules that need a host snapshot run only with --host. */
  needsHost?: boolean;
  /**
   * The parts of a domain the check looks at, when it can find nothing in a domain that has none
   * of them: the rule then runs only on a domain with at least one (absent: on every domain).
   * Most domains have none of these parts, and a run skips the rules about them.
   */
  needs?: readonly DomainPart[];
  /** The profiles (libvirt + QEMU pairs) the check holds for; absent = every profile. */
  profiles?: ProfileId[];
  /** Rules that need libvirt's RNG schema run only with --schema (or config `schema`). */
  needsSchema?: boolean;
  /** JSON schema of the rule's options object, if it takes any. */
  schema?: Record<string, unknown>;
  /** Default options. */
  defaultOptions?: Record<string, unknown>;
  /** Path of the doc page relative to the package root, or a URL. */
  docs?: string;
  /**
   * Reported by the engine for a document libvirt cannot parse: always an error, so neither a
   * config file nor `--rule` may name it (ESLint's fatal parse errors work the same way).
   */
  fatal?: boolean;
}

export type FixFunction = (fixer: Fixer) => TextEdit | TextEdit[] | null | undefined;

export interface Report {
  /** What the finding points at. */
  node: XElement | XAttr | XText | Range;
  message: string;
  /** Overrides the rule's stage for this finding (a rule may span stages). */
  stage?: Stage;
  /** Overrides the rule's drivers for this finding (a rule may gather checks from several layers). */
  drivers?: RuleDrivers;
  fix?: FixFunction;
  suggestions?: { desc: string; fix: FixFunction }[];
}

/** A finding an earlier rule made in this document (rules run in registry order). */
export interface EarlierFinding {
  ruleId: string;
  range: Range;
}

export interface RuleContext {
  readonly doc: XmlDocument;
  readonly domain: DomainModel;
  readonly host: HostSnapshot | null;
  /** Whose behaviour and words to reproduce (--libvirt). */
  readonly profile: Profile;
  /** libvirt's compiled RNG schema, with --schema; null otherwise. */
  readonly schema: LibvirtSchema | null;
  /** What the rules before this one reported in this document. */
  readonly earlier: readonly EarlierFinding[];
  readonly options: Record<string, unknown>;
  readonly filePath: string;
  report(r: Report): void;
  /** XPath over the document (xmldom DOM), for rules that prefer queries. Loaded on first use. */
  select(expression: string): XElement[];
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}

/** One finding, in ESLint's JSON message shape plus `stage`. */
export interface LintMessage {
  ruleId: string | null;
  severity: 1 | 2;
  message: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  fix?: { range: [number, number]; text: string };
  suggestions?: { desc: string; fix: { range: [number, number]; text: string } }[];
  stage: Stage;
  fatal?: boolean;
}

export interface LintResult {
  filePath: string;
  messages: LintMessage[];
  errorCount: number;
  warningCount: number;
  fixableErrorCount: number;
  fixableWarningCount: number;
  /** The fixed text, when fixing changed anything. */
  output?: string;
  /** The profile the file was judged by (--libvirt). */
  libvirt?: ProfileId;
}
