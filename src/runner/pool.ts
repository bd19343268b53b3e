/**
 * Worker threads for large runs: each worker lints the files it is handed with the same
 * LintJob (it loads configs, plugins and schemas itself), the main thread reads the files and
 * hands them out, and takes the results back in the order the files were given. Small runs
 * stay in one thread: starting a worker costs more than linting a few dozen files.
 */
import type { Worker } from 'node:worker_threads';
import type { FileLintResult } from '../engine/lint.js';
import type { LintItem, LintJob } from './linter.js';
import { receiveError, type SentError } from './errors.js';
import type { ItemSource, Outcome } from './lint.js';

/** 'auto': workers for large runs on a machine with 4 cores or more (see WORKER_MIN_FILES); 'off'; or exactly N workers. */
export type WorkerSetting = 'auto' | 'off' | number;

/**
 * Fewer files than this are linted in one thread. A worker starts in about 70 ms, warms up its
 * own compiled code, and its results cross threads as copies; and one thread already keeps about
 * 1.35 cores busy (V8 compiles and collects garbage on threads of its own). Measured on the bench
 * corpus on 2 cores: 10,000 files took 4.9 s in one thread and 5.8–6.2 s with two workers, 1,690
 * files 1.3 s against 1.6 s. So workers come from 2,000 files and only where there is room for
 * them: one per two cores, from 4 cores on (not measured on more than 2 cores).
 */
export const WORKER_MIN_FILES = 2000;

/** The script a worker runs: the launcher that started this process (set by the entry point). */
let launcher: string | null = null;
export function setWorkerLauncher(path: string | null): void {
  launcher = path;
}

/** How many workers a run of `files` files gets (0: lint in this thread). */
export function workerCount(setting: WorkerSetting, files: number): number {
  if (setting === 'off' || launcher === null || files < 2) return 0;
  if (typeof setting === 'number') return Math.max(0, Math.min(setting, files));
  const cores = process.getBuiltinModule('node:os').availableParallelism();
  if (cores < 4 || files < WORKER_MIN_FILES) return 0;
  return Math.min(Math.floor(cores / 2), Math.floor(files / 1000));
}

/** Set in a worker's environment: the launcher then runs the worker, not the command line. */
export const WORKER_ENV = 'KVMXML_WORKER_THREAD';

/** What a worker is started with (workerData). */
export interface WorkerStart {
  kvmxmlWorker: LintJob;
}

/** Main thread → worker: lint this item. */
export interface LintRequest {
  index: number;
  item: LintItem;
}

/** Worker → main thread. `stop`: an error that ends the run (bad config, …). */
export type LintReply = ({ result: FileLintResult } | { failed: SentError; filePath: string } | { stop: SentError }) & {
  index: number;
  /** Whether this worker's files so far asked for libvirt's schema. */
  schemaAsked?: boolean;
};

type Ready = LintReply | { index: number; readError: unknown };

/**
 * Lint `total` items (from `items`) in `workers` workers; `deliver` gets each outcome in item
 * order. An error that ends the run is thrown when its file's turn comes, as in one thread.
 */
export async function lintInPool(job: LintJob, items: ItemSource, total: number, workers: number, deliver: (outcome: Outcome, bytes: Uint8Array | null, index: number, schemaAsked: boolean) => void): Promise<void> {
  // A built-in module from the launcher's process, not import(): code run from V8's code cache has no import() (bin/kvmxml.js).
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const pool: Worker[] = [];
  const bytesOf = new Map<number, Uint8Array | null>();
  const ready = new Map<number, Ready>();
  // Each worker has at most two items in hand, so a slow file does not hold up the others.
  const inHand = new Map<Worker, number>();
  let nextToSend = 0;
  let nextToDeliver = 0;
  let stopped = false;
  let settle!: (e?: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    settle = (e?: unknown) => {
      if (stopped) return;
      stopped = true;
      if (e === undefined) res();
      else rej(e);
    };
  });

  const drain = (): void => {
    try {
      while (!stopped && ready.has(nextToDeliver)) {
        const reply = ready.get(nextToDeliver) as Ready;
        ready.delete(nextToDeliver);
        const bytes = bytesOf.get(nextToDeliver) ?? null;
        bytesOf.delete(nextToDeliver);
        if ('readError' in reply) throw reply.readError;
        if ('stop' in reply) throw receiveError(reply.stop);
        const asked = 'schemaAsked' in reply && reply.schemaAsked === true;
        if ('result' in reply) deliver({ ok: true, result: reply.result }, bytes, nextToDeliver, asked);
        else deliver({ ok: false, filePath: reply.filePath, error: receiveError(reply.failed) }, bytes, nextToDeliver, asked);
        nextToDeliver++;
      }
      if (nextToDeliver >= total) settle();
    } catch (e) {
      settle(e);
    }
  };

  const feed = (w: Worker): void => {
    while ((inHand.get(w) ?? 0) < 2 && nextToSend < total && !stopped) {
      const index = nextToSend++;
      inHand.set(w, (inHand.get(w) ?? 0) + 1);
      items.next(index).then(
        (item) => {
          if (stopped) return;
          bytesOf.set(index, item.bytes);
          w.postMessage({ index, item } satisfies LintRequest);
        },
        (readError: unknown) => {
          // An unreadable file ends the run when its turn comes.
          inHand.set(w, (inHand.get(w) ?? 1) - 1);
          ready.set(index, { index, readError });
          drain();
          feed(w);
        },
      );
    }
  };

  try {
    for (let i = 0; i < workers; i++) {
      const w = new Worker(launcher as string, { workerData: { kvmxmlWorker: job } satisfies WorkerStart, env: { ...process.env, [WORKER_ENV]: '1' } });
      pool.push(w);
      w.on('message', (reply: LintReply) => {
        inHand.set(w, (inHand.get(w) ?? 1) - 1);
        ready.set(reply.index, reply);
        drain();
        feed(w);
      });
      w.on('error', (e) => settle(e));
      w.on('exit', (code) => {
        if (nextToDeliver < total) settle(new Error(`a worker thread stopped (exit code ${code})`));
      });
      feed(w);
    }
    if (total === 0) settle();
    await done;
  } finally {
    stopped = true;
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
