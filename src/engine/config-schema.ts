/** The JSON schema of kvmxml.config.json, built from the rules' metadata. */
import type { RuleMeta } from './types.js';

const severity = { enum: ['off', 'warn', 'error'], description: 'off, warn (exit 0) or error (exit 1)' };

function ruleEntrySchema(meta: RuleMeta | null): Record<string, unknown> {
  const options = meta?.schema ?? { type: 'object' };
  return {
    ...(meta ? { description: `${meta.description} (stage: ${meta.stage}${meta.fixable ? ', fixable' : ''}; default: ${meta.severity})` } : {}),
    oneOf: [severity, { type: 'array', items: [severity, options], minItems: 1, maxItems: meta && !meta.schema ? 1 : 2, additionalItems: false }],
  };
}

/** A fatal rule is not configurable: the schema names it only to refuse it, saying why. */
function fatalRuleSchema(meta: RuleMeta): Record<string, unknown> {
  return { description: `${notConfigurable(meta.id)}.`, not: {} };
}

export function notConfigurable(id: string): string {
  return `rule '${id}' cannot be configured: a document libvirt cannot parse is always an error`;
}

export function buildConfigSchema(metas: RuleMeta[]): Record<string, unknown> {
  const rules = {
    type: 'object',
    description: 'Rule severities and options, by rule id',
    properties: Object.fromEntries(metas.map((m) => [m.id, m.fatal ? fatalRuleSchema(m) : ruleEntrySchema(m)])),
    // Rules from plugins are checked once the plugins are loaded.
    additionalProperties: ruleEntrySchema(null),
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://kvmxml.dev/schemas/kvmxml.config.schema.json',
    title: 'kvmxml configuration',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      root: { type: 'boolean', description: 'Stop looking for configuration in parent directories (the nearest file always wins)' },
      reportUnusedDisableDirectives: { enum: ['off', 'warn', 'error'], description: 'Report kvmxml-disable comments that suppress nothing (default: warn; --report-unused-disable-directives wins)' },
      rules,
      schema: {
        description: "libvirt's RNG schema directory (holding domain.rng) for the libvirt-schema rule, relative to this file; true for the installed libvirt's (/usr/share/libvirt/schemas)",
        oneOf: [{ type: 'string', minLength: 1 }, { const: true }],
      },
      libvirt: {
        description: 'Whose behaviour and words kvmxml reproduces: 9.0 (libvirt 9.0 + QEMU 7.2, Debian 12; the default) or 11.3 (libvirt 11.3 + QEMU 10.0, Debian 13); --libvirt wins',
        enum: ['9.0', '11.3'],
      },
      plugins: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Rule packages or paths; each exports `rules`: [{ meta, check }]' },
      overrides: {
        type: 'array',
        description: 'Rule settings for files matching globs, relative to this config file',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['files', 'rules'],
          properties: { files: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }, rules },
        },
      },
    },
  };
}
