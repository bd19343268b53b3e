/** `fix --dry-run`'s report for people: a unified diff per fixed file (paths relative to cwd). */
import type { FileLintResult } from '../engine/lint.js';

export async function formatDiff(results: FileLintResult[], originals: Map<string, Uint8Array>, cwd: string): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  let patch = '';
  for (const r of results) {
    if (r.output === undefined) continue;
    const before = Buffer.from(originals.get(r.filePath) ?? new Uint8Array()).toString('utf8');
    const name = r.filePath === '<stdin>' ? 'stdin' : r.filePath.startsWith(cwd + '/') ? r.filePath.slice(cwd.length + 1) : r.filePath;
    patch += createTwoFilesPatch(`a/${name}`, `b/${name}`, before, r.output);
  }
  return patch;
}
