/**
 * The progress line of a large run: on a terminal only, on standard error, rewritten in place
 * (carriage return, no cursor codes) and erased before the report is printed. Never with a
 * machine-readable format, on a pipe or into a file, and not for small runs.
 */
import { MACHINE_FORMATS, type FormatName } from '../formatters/index.js';

/** Fewer files than this finish before a progress line would help. */
export const PROGRESS_MIN_FILES = 100;
const INTERVAL_MS = 100;

export interface ProgressCounts {
  errors: number;
  warnings: number;
}

export class Progress {
  private shown = 0;
  private last = 0;
  private readonly start = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
  ) {}

  /** `done` files of `total` are finished; redraws at most every INTERVAL_MS (and at the end). */
  update(done: number, counts: ProgressCounts, current: string): void {
    const now = Date.now();
    if (this.shown > 0 && now - this.last < INTERVAL_MS && done < this.total) return;
    this.last = now;
    const pct = Math.floor((done * 100) / this.total);
    const secs = ((now - this.start) / 1000).toFixed(1);
    const head = `kvmxml: ${done}/${this.total} files (${pct}%), ${counts.errors} error${counts.errors === 1 ? '' : 's'}, ${counts.warnings} warning${counts.warnings === 1 ? '' : 's'}, ${secs}s`;
    // Never wrap: a wrapped line cannot be rewritten with a carriage return. The file name gives
    // way first (its end is the informative part), then the counts.
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const room = width - head.length - 2;
    let text = room >= 8 ? `${head}  ${current.length > room ? '…' + current.slice(current.length - room + 1) : current}` : head;
    if (text.length > width) text = text.slice(0, width - 1) + '…';
    this.stream.write('\r' + text.padEnd(this.shown, ' '));
    this.shown = text.length;
  }

  /** Erase the line, leaving the cursor at the start of it. */
  clear(): void {
    if (this.shown === 0) return;
    this.stream.write('\r' + ' '.repeat(this.shown) + '\r');
    this.shown = 0;
  }
}

/** A progress line for `total` files when it belongs on `stream`, else null. */
export function startProgress(stream: NodeJS.WriteStream, total: number, format: FormatName): Progress | null {
  if (!stream.isTTY || MACHINE_FORMATS.includes(format) || total < PROGRESS_MIN_FILES) return null;
  return new Progress(stream, total);
}
