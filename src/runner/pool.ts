/**
 * Worker threads for large runs. The files are cut into chunks of consecutive files; the main
 * thread and the workers take the next chunk whenever they are free, so a slow file or a slow
 * thread holds up no one. A worker reads and lints its chunk with the same LintJob (it loads
 * configs, plugins and schemas itself) and sends the chunk's outcomes back in one message; the
 * main thread lints chunks too, between handing them out. Outcomes are delivered in the order
 * the files were given, and an error that ends the run is thrown when its file's turn comes,
 * as in one thread. Small runs stay in one thread: a worker costs a start and a warm-up of its
 * own.
 */
import type { Worker } from 'node:worker_threads';
import type { FileLintResult } from '../engine/lint.js';
import type { LintItem, LintJob } from './linter.js';
import { receiveError, type SentError } from './errors.js';

/** 'auto': workers for large runs on a machine with 4 cores or more (see WORKER_MIN_FILES); 'off'; or exactly N workers besides the main thread. */
export type WorkerSetting = 'auto' | 'off' | number;

/**
 * Fewer files than this are linted in one thread: a worker starts in about 70 ms and warms up
 * its own compiled code. And one thread already keeps about 1.5 cores busy (V8 compiles and
 * collects garbage on threads of its own): on 2 cores (hyperfine), the bench corpus took 495 ms in one
 * thread and 532 ms with a worker beside it (1,690 files), 1.65 s against 1.88 s (10,000). So
 * workers come only where there is room for them: a thread per two cores, from 4 cores on.
 */
export const WORKER_MIN_FILES = 400;

/** Files per chunk: large enough that handing one out costs little, small enough that the last ones end together. */
export const CHUNK_FILES = 24;

/** The script a worker runs: the launcher that started this process (set by the entry point). */
let launcher: string | null = null;
export function setWorkerLauncher(path: string | null): void {
  launcher = path;
}

/** How many workers a run of `files` files gets besides the main thread (0: lint in this thread only). */
export function workerCount(setting: WorkerSetting, files: number): number {
  if (setting === 'off' || launcher === null || files < 2) return 0;
  const chunks = Math.ceil(files / CHUNK_FILES);
  if (typeof setting === 'number') return Math.max(0, Math.min(setting, chunks - 1));
  const cores = process.getBuiltinModule('node:os').availableParallelism();
  if (cores < 4 || files < WORKER_MIN_FILES) return 0;
  return Math.min(Math.floor(cores / 2) - 1, chunks - 1);
}

/** Set in a worker's environment: the launcher then runs the worker, not the command line. */
export const WORKER_ENV = 'KVMXML_WORKER_THREAD';

/** What a worker is started with (workerData). */
export interface WorkerStart {
  kvmxmlWorker: LintJob;
}

/** One file of a chunk: a path to read (as given), or an item already read (standard input). */
export type ChunkEntry = { path: string } | { item: LintItem };

/** Main thread → worker: lint these files, the first of them being file `start` of the run. */
export interface ChunkRequest {
  start: number;
  entries: ChunkEntry[];
}

/** One file's outcome. `stop`: an error that ends the run (an unreadable file, a bad config…). */
export type FileReply = { result: FileLintResult; bytes?: Uint8Array } | { failed: SentError; filePath: string } | { stop: SentError };

/** Worker → main thread: a chunk's outcomes, in its order. */
export interface ChunkReply {
  start: number;
  replies: FileReply[];
  /** Whether this worker's files so far asked for libvirt's schema. */
  schemaAsked: boolean;
}

/** What the main thread lints its own chunks with (the same as a worker does). */
export type LintChunk = (request: ChunkRequest) => Promise<FileReply[]>;

/**
 * Lint `entries` over the main thread (`lintHere`) and `workers` workers; `deliver` gets each
 * file's outcome in order, with its bytes when the job fixes. Rejects with the first error that
 * ends the run, once every file before it has been delivered.
 */
export async function lintInPool(
  job: LintJob,
  entries: ChunkEntry[],
  workers: number,
  lintHere: LintChunk,
  deliver: (reply: FileReply, index: number) => void,
  schemaAsked: () => void,
): Promise<void> {
  // A built-in module from the launcher's process, not import(): code run from V8's code cache has no import() (bin/kvmxml.js).
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const total = entries.length;
  const ready = new Map<number, FileReply>();
  let nextChunk = 0;
  let nextToDeliver = 0;
  let failure: { error: unknown } | null = null;
  const finished = (): boolean => failure !== null || nextToDeliver >= total;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };

  const takeChunk = (): ChunkRequest | null => {
    if (finished() || nextChunk * CHUNK_FILES >= total) return null;
    const start = nextChunk++ * CHUNK_FILES;
    return { start, entries: entries.slice(start, start + CHUNK_FILES) };
  };
  const accept = (start: number, replies: FileReply[]): void => {
    replies.forEach((r, i) => ready.set(start + i, r));
    try {
      while (failure === null && ready.has(nextToDeliver)) {
        const reply = ready.get(nextToDeliver) as FileReply;
        ready.delete(nextToDeliver);
        if ('stop' in reply) throw receiveError(reply.stop);
        deliver(reply, nextToDeliver);
        nextToDeliver++;
      }
    } catch (e) {
      failure = { error: e };
    }
    poke();
  };
  const fail = (e: unknown): void => {
    failure ??= { error: e };
    poke();
  };

  const pool: Worker[] = [];
  try {
    for (let i = 0; i < workers; i++) {
      const w = new Worker(launcher as string, { workerData: { kvmxmlWorker: job } satisfies WorkerStart, env: { ...process.env, [WORKER_ENV]: '1' } });
      pool.push(w);
      // Each worker has two chunks in hand, so it never waits for the main thread to finish one of its own.
      let inHand = 0;
      const feed = (): void => {
        for (let c = inHand < 2 ? takeChunk() : null; c !== null; c = inHand < 2 ? takeChunk() : null) {
          inHand++;
          w.postMessage(c);
        }
      };
      w.on('message', (reply: ChunkReply) => {
        inHand--;
        if (reply.schemaAsked) schemaAsked();
        accept(reply.start, reply.replies);
        feed();
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!finished()) fail(new Error(`a worker thread stopped (exit code ${code})`));
      });
      feed();
    }
    // The main thread lints a chunk, then lets the workers' messages in (they are handled between chunks).
    for (;;) {
      await new Promise<void>((res) => setImmediate(res));
      const chunk = takeChunk();
      if (chunk === null) break;
      accept(chunk.start, await lintHere(chunk));
    }
    while (!finished()) await new Promise<void>((res) => (wake = res));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
}
