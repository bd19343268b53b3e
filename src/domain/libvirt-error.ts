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
  | 'no-name'
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
  // VIR_ERR_NO_NAME with no detail: the code's own words are the whole message
  'no-name': '',
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
