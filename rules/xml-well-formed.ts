import type { RuleMeta } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';

/**
 * Reported by the engine's parse stage, not by a check function: a document that is not
 * well-formed XML never reaches the rules (libvirt refuses it before any of its own checks).
 */
export const meta: RuleMeta = {
  id: 'xml-well-formed',
  description: 'The file must be well-formed UTF-8 XML; libvirt refuses anything else before looking at it',
  severity: 'error',
  stage: 'parse',
  fixable: false,
  drivers: anyDriver('virXMLParseHelper (src/util/virxml.c), before any driver'),
  docs: 'rules/xml-well-formed.md',
  fatal: true,
};
