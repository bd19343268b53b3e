/**
 * A host input (snapshot JSON, `virsh capabilities` XML, `virsh freepages` text) that cannot
 * be used. `message` is one plain line that starts with the file name, e.g.
 * `snapshot.json: /hugepages/0/free: must be integer`. The CLI prints it and exits with 2.
 */
export class HostInputError extends Error {
  override readonly name = 'HostInputError';
  /** The file the error is about, as the caller named it. */
  readonly file: string;

  constructor(file: string, detail: string) {
    super(oneLine(`${file}: ${detail}`));
    this.file = file;
  }
}

/** Collapse whitespace runs containing line breaks so a message stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Show a piece of file content in a message: quoted, escaped, shortened. */
export function quoteContent(text: string, max = 40): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // JSON escapes C0 controls; DEL, C1 controls and U+FFFD (undecodable bytes) are escaped too.
  return JSON.stringify(cut).replace(/[\u007f-\u009f\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
