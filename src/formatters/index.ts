/** Output formats, each loaded only when asked for. */
import type { FileLintResult } from '../engine/lint.js';
import type { RuleMeta } from '../engine/types.js';

export interface FormatContext {
  color: boolean;
  cwd: string;
  rules: Map<string, RuleMeta>;
}

export type Formatter = (results: FileLintResult[], ctx: FormatContext) => string;

export const FORMATS = ['stylish', 'json'] as const;
export type FormatName = (typeof FORMATS)[number];

export async function loadFormatter(name: FormatName): Promise<Formatter> {
  switch (name) {
    case 'json':
      return (await import('./json.js')).format;
    case 'stylish':
    default:
      return (await import('./stylish.js')).format;
  }
}
