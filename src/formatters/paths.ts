/** How machine formats name a file: relative to the repository root when below it, else as given. */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { FormatContext } from './index.js';

export function reportName(filePath: string, ctx: Pick<FormatContext, 'cwd' | 'root'>): string {
  if (filePath === '<stdin>') return filePath;
  const abs = resolve(ctx.cwd, filePath);
  const rel = relative(ctx.root ?? ctx.cwd, abs);
  const name = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
  return name.split(sep).join('/');
}
