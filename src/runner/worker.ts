/**
 * A worker thread of a large run (src/runner/pool.ts): lints each item it is sent with its
 * run's LintJob and sends the result back. Errors go back as data (src/runner/errors.ts).
 */
import { parentPort } from 'node:worker_threads';
import { FileLinter, type LintJob } from './linter.js';
import { sendError } from './errors.js';
import { stopsTheRun } from './lint.js';
import type { LintReply, LintRequest } from './pool.js';

export async function runWorker(job: LintJob): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runWorker: not in a worker thread');
  const linter = new FileLinter(job);
  const ready: Promise<unknown> = linter.preload().catch((e: unknown) => e);
  // One item at a time, in the order they arrive.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (req: LintRequest) => {
    queue = queue.then(async () => {
      let reply: LintReply;
      const preloadError = await ready;
      try {
        if (preloadError) throw preloadError;
        reply = { index: req.index, result: await linter.lint(req.item) };
      } catch (e) {
        reply = stopsTheRun(e) ? { index: req.index, stop: sendError(e) } : { index: req.index, failed: sendError(e), filePath: req.item.filePath };
      }
      port.postMessage({ ...reply, schemaAsked: linter.schemas.asked });
    });
  });
}
