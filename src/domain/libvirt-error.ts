/**
 * How libvirt prints an error: `virsh` puts a prefix chosen by the error code in front of
 * the message (spec §0.2). Findings quote the whole printed line so users can grep for it.
 */
export type LibvirtErrorCode =
  | 'xml-detail'
  | 'xml-error'
  | 'config-unsupported'
  | 'internal-error'
  | 'invalid-arg'
  | 'overflow'
  | 'operation-failed'
  | 'schema'
  | 'system';

const PREFIX: Record<LibvirtErrorCode, string> = {
  'xml-detail': '',
  'xml-error': 'XML error: ',
  'config-unsupported': 'unsupported configuration: ',
  'internal-error': 'internal error: ',
  'invalid-arg': 'invalid argument: ',
  overflow: 'numerical overflow: ',
  'operation-failed': 'operation failed: ',
  schema: 'XML document failed to validate against schema: ',
  system: '',
};

export interface LibvirtError {
  code: LibvirtErrorCode;
  /** The message without prefix, exactly as libvirt formats it. */
  text: string;
}

/** The line `virsh` prints after `error: `. */
export function renderLibvirtError(err: LibvirtError): string {
  return PREFIX[err.code] + err.text;
}

/** A QEMU start failure as libvirt 9.0 wraps it (the monitor variant; compare the QEMU part). */
export function qemuStartFailure(qemuLine: string): string {
  return `internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: ${qemuLine}`;
}
