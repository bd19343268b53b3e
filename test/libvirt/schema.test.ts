/**
 * libvirt-schema against the lab libvirt's own schemas (9.0's on the host, 11.3's in the lab's
 * chroot), judged as that profile: files flagged exactly when xmllint --relaxng rejects them, on
 * the project's domain files and on that version's own test domains, and the profile's
 * memory-area table equal to the RNG (helpers/schema-agreement.ts). .ci/libvirt.sh fetches each
 * version's test domains (scripts/libvirt-test-domains.sh --libvirt VERSION).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { schemaAgreement } from '../helpers/schema-agreement.js';
import { LAB_LIBVIRT, LAB_SCRIPT } from './lab.js';

const schemaDir = spawnSync('bash', [LAB_SCRIPT, 'schemas'], { encoding: 'utf8' }).stdout.trim();

schemaAgreement({
  schemaDir,
  profile: LAB_LIBVIRT,
  corpus: join(homedir(), '.cache', 'kvmxml', `libvirt-${LAB_LIBVIRT}.0-test-domains`),
  corpusHow: `scripts/libvirt-test-domains.sh --libvirt ${LAB_LIBVIRT}`,
  missing: existsSync(join(schemaDir, 'domain.rng')) ? null : `no libvirt ${LAB_LIBVIRT} schema at ${schemaDir || '(the lab script named none)'}`,
});
