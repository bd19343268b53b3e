/**
 * Standard output, standard error and report files. Writes are synchronous and by file
 * descriptor, so a failed write is an exception at the write, not an 'error' event (and a
 * stack trace) after it. A reader that went away (EPIPE: `kvmxml rules | head -1`) is not an
 * error: nothing more is written there and the run ends quietly with its own exit code. Any
 * other failure (ENOSPC: `> /dev/full`) is one line and exit 2.
 * Colour is decided here too, by file descriptor: creating process.stdout or process.stderr
 * costs a noticeable part of a one-file run that prints nothing.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { describeErrno, UsageError } from './files.js';

/** Where a report goes: standard output, standard error, or a file (`-` is standard output). */
export type Sink = 1 | 2 | string;

export function sinkFor(outputFile: string | undefined, fallback: 1 | 2 = 1): Sink {
  if (outputFile === undefined) return fallback;
  return outputFile === '-' ? 1 : outputFile;
}

/** True when the sink is a file, so no terminal niceties (colour, clean-run summary) belong in it. */
export function isFileSink(sink: Sink): sink is string {
  return typeof sink === 'string';
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Write all of `data` to `fd`, waiting out a non-blocking descriptor that is full (EAGAIN). */
function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(sleeper, 0, 0, 5);
    }
  }
}

function streamName(fd: 1 | 2): string {
  return fd === 1 ? 'standard output' : 'standard error';
}

/** Descriptors whose reader went away (or, for standard error, that cannot be written at all). */
const gone = new Set<number>();

/** Write to standard output or standard error. */
export function writeFd(fd: 1 | 2, text: string | Uint8Array): void {
  if (text.length === 0 || gone.has(fd)) return;
  try {
    writeAll(fd, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  } catch (e) {
    // Standard error failing leaves no one to tell; the exit code still says how the run went.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE' || fd === 2) {
      gone.add(fd);
      return;
    }
    throw new UsageError(`cannot write ${streamName(fd)}: ${describeErrno(e)}`);
  }
}

export const stdout = { write: (text: string): boolean => (writeFd(1, text), true) };
export const stderr = { write: (text: string): boolean => (writeFd(2, text), true) };

/** Write a whole report to a sink; a file is created or truncated. */
export function writeSink(sink: Sink, text: string | Uint8Array): void {
  if (!isFileSink(sink)) {
    writeFd(sink, text);
    return;
  }
  let fd: number | null = null;
  try {
    fd = openSync(sink, 'w', 0o666);
    writeAll(fd, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
    closeSync(fd);
    fd = null;
  } catch (e) {
    if (fd !== null) closeSync(fd);
    throw new UsageError(`cannot write '${sink}': ${describeErrno(e)}`);
  }
}

/**
 * Colour on a descriptor. `--color`/`--no-color` win; then FORCE_COLOR (0 or false: off,
 * anything else: on, even on a pipe); then NO_COLOR (any non-empty value: off); then
 * TERM=dumb (off); else only on a terminal.
 */
export function useColor(fd: 1 | 2, flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isatty(fd);
}
