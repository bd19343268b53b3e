/**
 * A worker thread of a large run (src/runner/pool.ts): reads and lints each chunk of files it
 * is sent, with its run's LintJob, and sends the chunk's outcomes back in one message. Errors
 * go back as data (src/runner/errors.ts).
 */
import { parentPort } from 'node:worker_threads';
import { FileLinter, type LintJob } from './linter.js';
import { sendError } from './errors.js';
import { lintChunk } from './lint.js';
import type { ChunkReply, ChunkRequest, FileReply } from './pool.js';

export async function runWorker(job: LintJob): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runWorker: not in a worker thread');
  const linter = new FileLinter(job);
  const ready: Promise<unknown> = linter.preload().catch((e: unknown) => e);
  // One chunk at a time, in the order they arrive.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (req: ChunkRequest) => {
    queue = queue.then(async () => {
      const preloadError = await ready;
      const replies: FileReply[] = preloadError ? [{ stop: sendError(preloadError) }] : await lintChunk(linter, req);
      port.postMessage({ start: req.start, replies, schemaAsked: linter.schemas.asked } satisfies ChunkReply);
    });
  });
}
