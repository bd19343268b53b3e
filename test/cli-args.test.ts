/**
 * The command line's paths: a run of paths ending the command line bypasses yargs (it is slow
 * per positional), and must mean exactly what yargs would have made of it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitTrailingPaths } from '../src/cli/args.js';
import { ROOT } from './helpers/fixtures.js';
import { BIN, runCli } from './helpers/run-cli.js';

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
    const paths = ['/a/b.xml', '/a/.../b', '/a/./', '/./a', '/../a', '/a/..b/.c/d', '/.', '/a//', '/a/b.xml/.', '/a/b.xml/..', '/a//b.xml', '/a/./b.xml', '/a/../b.xml', '/a/b/', '/a/..', '/a/.', '/..', '/', '/.x/..y/b.xml', '/a/...', '/a/.b', 'rel.xml', './rel.xml', '../rel.xml', '', '/a/b.xml/', '/a/b\n/../c'];
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

describe('many files named in one directory are found in its listing', () => {
  it('tell files, directories, links, other files and missing names apart as stat does', async () => {
    const { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, rmSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const { tmpdir } = await import('node:os');
    const { expandPaths, readInput } = await import('../src/cli/files.js');
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-listed-'));
    try {
      // More named files than the listing threshold, so the directory is listed.
      const files = Array.from({ length: 20 }, (_, i) => join(d, `f${String(i).padStart(2, '0')}.xml`));
      for (const f of files) writeFileSync(f, `<domain>${f}</domain>`);
      mkdirSync(join(d, 'sub.xml'));
      writeFileSync(join(d, 'sub.xml', 'inner.xml'), '<domain/>');
      symlinkSync(files[0] as string, join(d, 'link.xml'));
      symlinkSync(join(d, 'sub.xml'), join(d, 'dirlink.xml'));
      execFileSync('mkfifo', [join(d, 'pipe.xml')]);
      const named = [...files, join(d, 'link.xml'), join(d, 'sub.xml'), join(d, 'dirlink.xml'), join(d, 'pipe.xml'), `${d}/./f00.xml`, files[1] as string];
      const got = await expandPaths(named);
      // Directories are walked, links followed, a repeated file kept once, a FIFO kept (it is read when linted).
      expect(got).toEqual([...files, join(d, 'link.xml'), join(d, 'sub.xml', 'inner.xml'), join(d, 'dirlink.xml', 'inner.xml'), join(d, 'pipe.xml')]);
      for (const f of files.slice(2)) {
        const r = readInput(f);
        expect(r.ok && Buffer.from(r.bytes).toString('utf8')).toBe(`<domain>${f}</domain>`);
      }
      // A name the listing does not hold is looked up as a path named alone is, and refused the same way.
      await expect(expandPaths([...files, join(d, 'missing.xml')])).rejects.toThrow(`cannot read '${join(d, 'missing.xml')}': no such file or directory`);
      await expect(expandPaths([...files, `${join(d, 'f03.xml')}/`])).rejects.toThrow(`cannot read '${join(d, 'f03.xml')}/': not a directory`);
      // Names under a file: the listing fails, and the first lookup says why.
      const under = Array.from({ length: 20 }, (_, i) => join(files[0] as string, `g${i}.xml`));
      await expect(expandPaths(under)).rejects.toThrow(`cannot read '${under[0]}': not a directory`);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('in a directory that may be searched but not listed, are looked up one by one', async () => {
    const { mkdtempSync, writeFileSync, mkdirSync, chmodSync, rmSync } = await import('node:fs');
    const { spawnSync } = await import('node:child_process');
    const { tmpdir } = await import('node:os');
    const d = mkdtempSync(join(tmpdir(), 'kvmxml-unlisted-'));
    const sub = join(d, 'x');
    mkdirSync(sub);
    const files = Array.from({ length: 20 }, (_, i) => join(sub, `f${i}.xml`));
    for (const f of files) writeFileSync(f, '<domain/>', { mode: 0o644 });
    chmodSync(d, 0o755);
    chmodSync(sub, 0o311); // search, not read: stat works, a listing is refused
    try {
      // root lists any directory whatever its mode: the CLI then runs as nobody.
      const asRoot = process.getuid?.() === 0;
      const cmd = asRoot ? ['runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'lint', '--format', 'json', ...files]] as const : [process.execPath, [BIN, 'lint', '--format', 'json', ...files]] as const;
      const r = spawnSync(cmd[0], [...cmd[1]], { cwd: tmpdir(), encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect((JSON.parse(r.stdout) as { filePath: string }[]).map((x) => x.filePath)).toEqual(files);
    } finally {
      chmodSync(sub, 0o755);
      rmSync(d, { recursive: true, force: true });
    }
  });
});
