/**
 * libvirt-schema against libvirt's own validator on the installed schemas (CI installs Debian
 * 12's libvirt0, libvirt 9.0; KVMXML_SCHEMA_DIR and KVMXML_SCHEMA_PROFILE name another pair):
 * see helpers/schema-agreement.ts. The real-libvirt suite runs the same on each lab version's
 * schemas (test/libvirt/schema.test.ts).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ProfileId } from '../src/libvirt/profile.js';
import { schemaAgreement } from './helpers/schema-agreement.js';
import { SCHEMA_DIR, schemaMissing } from './helpers/schema.js';

const profile = (process.env.KVMXML_SCHEMA_PROFILE ?? '9.0') as ProfileId;

schemaAgreement({
  schemaDir: SCHEMA_DIR,
  profile,
  // libvirt's tests/qemuxml2argvdata and qemuxml2xmloutdata domains
  corpus: process.env.KVMXML_LIBVIRT_CORPUS ?? join(homedir(), '.cache', 'kvmxml', `libvirt-${profile}.0-test-domains`),
  corpusHow: `scripts/libvirt-test-domains.sh --libvirt ${profile}`,
  missing: schemaMissing,
});
