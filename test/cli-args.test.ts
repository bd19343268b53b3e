/**
 * The command line's paths: a run of paths ending the command line bypasses yargs (it is slow
 * per positional), and must mean exactly what yargs would have made of it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitTrailingPaths } from '../src/cli/args.js';
import { ROOT } from './helpers/fixtures.js';
import { runCli } from './helpers/run-cli.js';

describe('splitTrailingPaths', () => {
  it('keeps the command and the first path for yargs, the rest in the tail', () => {
    expect(splitTrailingPaths(['lint', 'a.xml', 'b.xml', 'c.xml'])).toEqual({ head: ['lint', 'a.xml'], tail: ['b.xml', 'c.xml'] });
  });
  it('leaves the token after an option to yargs, and the path after that', () => {
    expect(splitTrailingPaths(['lint', '--format', 'json', 'a.xml', 'b.xml'])).toEqual({ head: ['lint', '--format', 'json', 'a.xml'], tail: ['b.xml'] });
    expect(splitTrailingPaths(['fix', '-qf', 'json', 'a.xml', 'b.xml', 'c.xml'])).toEqual({ head: ['fix', '-qf', 'json', 'a.xml'], tail: ['b.xml', 'c.xml'] });
    expect(splitTrailingPaths(['lint', '--quiet', 'false', 'a.xml', 'b.xml'])).toEqual({ head: ['lint', '--quiet', 'false', 'a.xml'], tail: ['b.xml'] });
  });
  it('needs no such margin after an option written with =', () => {
    expect(splitTrailingPaths(['check', '--host=h.json', 'a.xml', 'b.xml'])).toEqual({ head: ['check', '--host=h.json', 'a.xml'], tail: ['b.xml'] });
  });
  it('only splits the paths that end the command line', () => {
    expect(splitTrailingPaths(['lint', 'a.xml', 'b.xml', '--quiet'])).toEqual({ head: ['lint', 'a.xml', 'b.xml', '--quiet'], tail: [] });
    expect(splitTrailingPaths(['lint', 'a.xml', '--quiet', 'b.xml', 'c.xml', 'd.xml'])).toEqual({ head: ['lint', 'a.xml', '--quiet', 'b.xml', 'c.xml'], tail: ['d.xml'] });
  });
  it('leaves commands without paths, and options before the command, to yargs', () => {
    expect(splitTrailingPaths(['explain', 'a', 'b', 'c']).tail).toEqual([]);
    expect(splitTrailingPaths(['--debug', 'lint', 'a.xml', 'b.xml', 'c.xml']).tail).toEqual([]);
    expect(splitTrailingPaths(['lint']).tail).toEqual([]);
  });
});

describe('many paths on the command line', () => {
  const dir = join(ROOT, 'fixtures', 'examples');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => join(dir, f));
  const names = (stdout: string) => (JSON.parse(stdout) as { filePath: string }[]).map((r) => r.filePath);

  it('are all linted, in order, wherever the options stand', () => {
    expect(files.length).toBeGreaterThan(3);
    const variants = [
      ['lint', '--format', 'json', ...files],
      ['lint', ...files, '--format', 'json'],
      ['lint', files[0] as string, '-f', 'json', ...files.slice(1)],
      ['lint', '--quiet', 'false', '--format=json', ...files],
    ];
    for (const args of variants) {
      const r = runCli(args);
      expect(r.stderr).toBe('');
      expect(names(r.stdout)).toEqual(files);
    }
  });
  it('keep - as standard input among them', () => {
    const r = runCli(['lint', '--format', 'json', '--stdin-filename', 'in.xml', files[0] as string, files[1] as string, '-'], { input: '<domain' });
    expect(names(r.stdout)).toEqual([files[0], files[1], join(ROOT, 'in.xml')]);
  });
});

describe('absolutePath', () => {
  it('is path.resolve, for paths already normal and for the rest', async () => {
    const { resolve } = await import('node:path');
    const { absolutePath } = await import('../src/cli/files.js');
    const paths = ['/a/b.xml', '/a//b.xml', '/a/./b.xml', '/a/../b.xml', '/a/b/', '/a/..', '/a/.', '/..', '/', '/.x/..y/b.xml', '/a/...', '/a/.b', 'rel.xml', './rel.xml', '../rel.xml', '', '/a/b.xml/', '/a/b\n/../c'];
    for (const p of paths) expect(absolutePath(p), JSON.stringify(p)).toBe(resolve(p));
  });
});

describe('files named on the command line are read as they are when read', () => {
  it('read to their end when they grew after expandPaths saw them, short when they shrank, refused when now a directory', async () => {
    const { mkdtempSync, writeFileSync, rmSync, mkdirSync, appendFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { expandPaths, readInput, UsageError } = await import('../src/cli/files.js');
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-read-'));
    const grew = join(d, 'grew.xml');
    const shrank = join(d, 'shrank.xml');
    const dir = join(d, 'dir.xml');
    const big = 'x'.repeat(200_000);
    writeFileSync(grew, '<domain/>');
    writeFileSync(shrank, big);
    writeFileSync(dir, '<domain/>');
    expect(await expandPaths([grew, shrank, dir])).toEqual([grew, shrank, dir]);
    appendFileSync(grew, big);
    writeFileSync(shrank, '<a/>');
    rmSync(dir);
    mkdirSync(dir);
    const text = (r: ReturnType<typeof readInput>) => (r.ok ? Buffer.from(r.bytes).toString('utf8') : null);
    expect(text(readInput(grew))).toBe(`<domain/>${big}`);
    expect(text(readInput(shrank))).toBe('<a/>');
    expect(() => readInput(dir)).toThrow(UsageError);
    expect(() => readInput(dir)).toThrow(`cannot read '${dir}': is a directory`);
  });
});
