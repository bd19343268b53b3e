/**
 * Reading a host snapshot file back: JSON parse with line:column on errors, schema-version
 * check, ajv validation (ajv and the schema are loaded lazily, so a CLI run without a host
 * does not pay for them), and `loadHostInput`, which also accepts what admins already have:
 * `virsh capabilities` XML and `virsh freepages --all` text.
 */
import { readFile } from 'node:fs/promises';
import { HostInputError, quoteContent } from './errors.js';
import { HOST_SNAPSHOT_SCHEMA_VERSION, type HostSnapshot } from './snapshot.js';
import { mergeSnapshots, snapshotFromCapabilities, snapshotFromFreepages } from './virsh.js';

type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

let validatorPromise: Promise<Validator> | undefined;

/** Compile the schema once, on first use. */
function getValidator(): Promise<Validator> {
  validatorPromise ??= (async () => {
    const [ajvModule, schemaModule] = await Promise.all([
      import('ajv'),
      import('../../schemas/host-snapshot.schema.json', { with: { type: 'json' } }),
    ]);
    // ajv is CommonJS: its class is module.exports, also exposed as `.default`.
    const mod = ajvModule as unknown as { default: AjvClass & { default?: AjvClass } };
    const Ajv = mod.default.default ?? mod.default;
    const ajv = new Ajv({ allErrors: false, allowUnionTypes: true, strict: true, logger: false });
    return ajv.compile(schemaModule.default) as Validator;
  })();
  return validatorPromise;
}

type AjvClass = new (opts: Record<string, unknown>) => { compile(schema: unknown): unknown };

/** Read a file as text; a missing or unreadable file is a HostInputError. */
async function readInput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EACCES' || e.code === 'EPERM'
          ? 'permission denied'
          : e.code === 'EISDIR'
            ? 'is a directory'
            : (e.code ?? e.message);
    throw new HostInputError(path, `cannot read (${reason})`);
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/** JSON.parse with a one-line, positioned error. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const raw = (err as Error).message;
    const pos = /at position (\d+)/.exec(raw);
    const offset = pos ? Number(pos[1]) : /end of JSON input/.test(raw) ? text.length : null;
    const reason = raw
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/\s*(?:in JSON )?at position \d+/, '')
      .replace(/, ("(?:[^"\\]|\\.)*") is not valid JSON$/, ' near $1')
      .replace(/^Unexpected end of JSON input$/, 'unexpected end of input')
      .replace(/^./, (c) => c.toLowerCase());
    if (offset === null) throw new HostInputError(file, `not valid JSON: ${reason}`);
    const { line, column } = lineColumn(text, offset);
    throw new HostInputError(file, `not valid JSON at line ${line} column ${column}: ${reason}`);
  }
}

/** Turn ajv's first error into `path: reason` in plain words. */
function describeAjvError(e: AjvError): string {
  const at = e.instancePath === '' ? '/' : e.instancePath;
  switch (e.keyword) {
    case 'type': {
      const t = e.params.type;
      const types = Array.isArray(t) ? t : String(t).split(',');
      return `${at}: must be ${types.join(' or ')}`;
    }
    case 'required':
      return `${at}: missing required property "${String(e.params.missingProperty)}"`;
    case 'additionalProperties':
      return `${at}: unknown property "${String(e.params.additionalProperty)}"`;
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      return `${at}: must be one of ${allowed.join(', ')}`;
    }
    case 'const':
      return `${at}: must be ${JSON.stringify(e.params.allowedValue)}`;
    case 'pattern':
      if (at === '/takenAt') return `${at}: must be an ISO 8601 date and time such as 2024-05-01T12:00:00Z`;
      return `${at}: ${e.message ?? 'does not match the expected pattern'}`;
    default:
      return `${at}: ${e.message ?? `fails ${e.keyword}`}`;
  }
}

/** Checks JSON Schema cannot express: page sizes and node ids are unique keys. */
function checkKeys(s: HostSnapshot): string | null {
  const dup = <T>(items: T[] | null, key: (t: T) => number, path: string, what: string): string | null => {
    if (!items) return null;
    const seen = new Set<number>();
    for (const [i, item] of items.entries()) {
      const k = key(item);
      if (seen.has(k)) return `${path}/${i}: ${what} ${k} appears twice`;
      seen.add(k);
    }
    return null;
  };
  return (
    dup(s.hugepages, (p) => p.sizeKiB, '/hugepages', 'page size') ??
    dup(s.nodes, (n) => n.id, '/nodes', 'node id') ??
    (s.nodes ?? []).reduce<string | null>(
      (found, n, i) => found ?? dup(n.hugepages, (p) => p.sizeKiB, `/nodes/${i}/hugepages`, 'page size'),
      null,
    )
  );
}

/**
 * Validate parsed JSON as a HostSnapshot. `file` names the input in the error.
 * Throws HostInputError for a newer schema version or the first schema violation.
 */
export async function validateSnapshot(data: unknown, file: string): Promise<HostSnapshot> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const found = data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`;
    throw new HostInputError(file, `expected a JSON object (a kvmxml host snapshot), found ${found}`);
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version === 'number' && Number.isInteger(version) && version > HOST_SNAPSHOT_SCHEMA_VERSION) {
    throw new HostInputError(
      file,
      `schema version ${version} is newer than this kvmxml understands (${HOST_SNAPSHOT_SCHEMA_VERSION})`,
    );
  }
  const validate = await getValidator();
  if (!validate(data)) {
    const first = validate.errors?.[0];
    throw new HostInputError(file, first ? describeAjvError(first) : 'does not match the host snapshot schema');
  }
  const snapshot = withLaterFacts(data as HostSnapshot);
  const keyProblem = checkKeys(snapshot);
  if (keyProblem) throw new HostInputError(file, keyProblem);
  return snapshot;
}

/** Facts added to schema version 1 after it was first written: absent in older files means unknown. */
function withLaterFacts(s: HostSnapshot): HostSnapshot {
  const memory = { ...s.memory, swapTotalKiB: s.memory.swapTotalKiB ?? null, swapFreeKiB: s.memory.swapFreeKiB ?? null };
  return { ...s, memory, onlineCpus: s.onlineCpus ?? null, numad: s.numad ?? null };
}

/** Read and validate a snapshot JSON file (as written by `kvmxml snapshot`). */
export async function loadSnapshot(path: string): Promise<HostSnapshot> {
  const text = stripBom(await readInput(path));
  return validateSnapshot(parseJson(text, path), path);
}

/** The input formats `loadHostInput` recognises. */
export type HostInputFormat = 'snapshot-json' | 'virsh-capabilities' | 'virsh-freepages';

/** Tell the format of a host input from its content; null when it is none of them. */
export function detectHostInputFormat(text: string): HostInputFormat | null {
  const body = stripBom(text).trimStart();
  if (body.startsWith('{') || body.startsWith('[')) return 'snapshot-json';
  if (body.startsWith('<')) return 'virsh-capabilities';
  if (/^\s*\d+KiB:\s*-?\d+\s*$/m.test(body) || /^\S+\s+\d+:\s*$/m.test(body)) return 'virsh-freepages';
  return null;
}

/** Build a snapshot from the content of a host input file, whatever its format. */
export async function parseHostInput(text: string, file: string): Promise<HostSnapshot> {
  const body = stripBom(text);
  // Binary content (a NUL, or bytes that are not UTF-8) is never echoed into a message.
  // eslint-disable-next-line no-control-regex -- looking for a NUL is the point
  if (/[\u0000\ufffd]/.test(body.slice(0, 8192))) {
    throw new HostInputError(file, 'not a host description: binary data (expected kvmxml snapshot JSON, `virsh capabilities` XML or `virsh freepages --all` text)');
  }
  switch (detectHostInputFormat(body)) {
    case 'snapshot-json':
      return validateSnapshot(parseJson(body, file), file);
    case 'virsh-capabilities':
      return snapshotFromCapabilities(body, file);
    case 'virsh-freepages':
      return snapshotFromFreepages(body, file);
    default: {
      const first = body.trimStart().split('\n')[0] ?? '';
      throw new HostInputError(
        file,
        `not a host description (expected kvmxml snapshot JSON, \`virsh capabilities\` XML or \`virsh freepages --all\` text), starts with ${quoteContent(first)}`,
      );
    }
  }
}

/**
 * Read a host input: a snapshot JSON, `virsh capabilities` XML or `virsh freepages --all`
 * text, told apart by content. What the input cannot tell is null (unknown).
 */
export async function loadHostInput(path: string): Promise<HostSnapshot> {
  return parseHostInput(await readInput(path), path);
}

/**
 * Read several host inputs describing the same host (e.g. `virsh capabilities` for the pool
 * sizes plus `virsh freepages --all` for the free counts) and merge them, earlier files first.
 */
export async function loadHostInputs(paths: readonly string[], readStdin?: () => Uint8Array): Promise<HostSnapshot> {
  const snapshots = await Promise.all(
    paths.map((p) => (p === '-' && readStdin ? parseHostInput(Buffer.from(readStdin()).toString('utf8'), 'standard input') : loadHostInput(p))),
  );
  return mergeSnapshots(...snapshots);
}
