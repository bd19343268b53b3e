/**
 * Fixes against real libvirt (DESIGN.md: "a fixed file re-parses and is accepted by virsh
 * define"): every `.fixed.xml` rule fixture that kvmxml finds no define-time error in defines
 * (and one it still finds one in fails with that message: some fixtures keep a problem no fix
 * can settle); and where the fix is style only (the rule's stage is `style`) and libvirt accepts
 * the original too, libvirt stores exactly the same definition before and after the fix.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { lintText } from '../../src/engine/lint.js';
import { PROFILES } from '../../src/libvirt/profile.js';
import { allActive, ruleFixtureDirs } from '../helpers/fixtures.js';
import { quotable } from '../helpers/lab-host.js';
import { virshErrorMessage } from './corpus.js';
import { LAB_LIBVIRT, defineFile, virsh } from './lab.js';

const status = inject('kvmxmlLab');
// kvmxml's verdicts and messages as the lab's libvirt would give them (its profile)
const skip = !status?.available;
const kvm = status?.machine?.kvm ?? false;
const dir = mkdtempSync(join(tmpdir(), 'kvmxml-fixes-'));
const NAME = 'kvmxml-fix-check';
/** The virt type of the root element, as written (either quote). */
const KVM_DOMAIN = /(<domain\b[^>]*?\stype\s*=\s*['"])kvm(['"])/;

const pairs = ruleFixtureDirs().flatMap((d) =>
  d.failing
    .map((fail) => ({ ruleId: d.ruleId, fail, fixed: fail.replace(/\.xml$/, '.fixed.xml') }))
    .filter((p) => existsSync(p.fixed)),
);

/** Define `xml` under the lab name; the stored definition (without name and uuid) or libvirt's error. */
async function defineAndDump(xml: string): Promise<{ ok: true; dump: string } | { ok: false; error: string }> {
  const renamed = /<name>[^<]*<\/name>/.test(xml) ? xml.replace(/<name>[^<]*<\/name>/, `<name>${NAME}</name>`) : xml.replace(/(<domain\b[^>]*>)/, `$1<name>${NAME}</name>`);
  const file = join(dir, 'domain.xml');
  writeFileSync(file, renamed);
  await virsh('undefine', NAME);
  const def = await defineFile(file);
  if (def.code !== 0) return { ok: false, error: virshErrorMessage(def.stderr) };
  const dump = await virsh('dumpxml', '--inactive', NAME);
  await virsh('undefine', NAME);
  return { ok: true, dump: dump.stdout.replace(/<uuid>[^<]*<\/uuid>\n?/, '') };
}

describe.skipIf(skip)('fixes on real libvirt', () => {
  afterAll(async () => {
    await virsh('undefine', NAME);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has fixed fixtures', () => expect(pairs.length).toBeGreaterThan(20));
  for (const p of pairs) {
    const style = rules.find((r) => r.meta.id === p.ruleId)?.meta.stage === 'style';
    const text = readFileSync(p.fixed, 'utf8');
    const asQemu = !kvm && KVM_DOMAIN.test(text);
    const forThisMachine = (xml: string) => (asQemu ? xml.replace(KVM_DOMAIN, '$1qemu$2') : xml);
    const title = `${p.ruleId}/${basename(p.fixed)}${asQemu ? " (as type='qemu': no KVM here)" : ''}: virsh define agrees with kvmxml${style ? ', and stores what the original stores' : ''}`;
    it(title, async () => {
      const fixed = await defineAndDump(forThisMachine(text));
      const early = lintText(text, { filePath: 'test.xml', rules: allActive(), profile: PROFILES[LAB_LIBVIRT] }).messages.filter((m) => m.severity === 2 && (m.stage === 'parse' || m.stage === 'define'));
      if (early.length === 0) expect(fixed.ok ? '' : fixed.error, 'virsh define of the fixed file').toBe('');
      else {
        expect(fixed.ok, `kvmxml still reports ${early.map((m) => m.ruleId).join(', ')}`).toBe(false);
        if (!fixed.ok) expect(early.some((m) => m.message.includes(quotable(fixed.error))), `a finding quoting ${fixed.error}`).toBe(true);
      }
      if (!style || !fixed.ok) return;
      const original = await defineAndDump(forThisMachine(readFileSync(p.fail, 'utf8')));
      if (original.ok) expect(fixed.dump).toBe(original.dump);
    });
  }
});
