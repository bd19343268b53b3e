import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { resolveNumatune } from '../src/domain/numa.js';
import { isNumatuneMode, NUMATUNE_MODES } from '../src/domain/values.js';
import type { Rule } from '../src/engine/types.js';
import type { XAttr } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

/** The value libvirt would accept when only the letter case is wrong. */
function caseFix(a: XAttr, allowed: readonly string[]): string | null {
  const lower = a.value.trim().toLowerCase();
  return allowed.includes(lower) && lower !== a.value ? lower : null;
}

export const rule: Rule = {
  meta: {
    id: 'numatune-mode',
    description: '<numatune> mode and placement must be values libvirt knows (case matters)',
    severity: 'error',
    stage: 'define',
    fixable: true,
    needs: ['numatune'],
    drivers: anyDriver('virDomainNumatuneParseXML and virDomainNumatuneNodeParseXML (src/conf/numa_conf.c)'),
    docs: 'rules/numatune-mode.md',
  },
  check(ctx) {
    const nt = resolveNumatune(ctx.domain);
    const report = (a: XAttr, what: string, allowed: readonly string[], said: string): void => {
      const fixed = caseFix(a, allowed);
      const hint = a.value === 'bind' && allowed.includes('strict') ? " ('bind' is QEMU's name for strict)" : '';
      ctx.report({
        node: a,
        message: `${what} '${a.value}' is not one libvirt knows: use ${fixed ? `'${fixed}' (values are lower case)` : allowed.join(', ')}${hint} (libvirt: ${said})`,
        ...(fixed ? { fix: (fixer) => fixer.setAttrValue(a, fixed) } : {}),
      });
    };
    for (const e of nt.errors) {
      if (e.kind === 'mode') report(e.node as XAttr, 'mode', NUMATUNE_MODES, renderLibvirtError(e.error));
      // 'default' is accepted by the parser too, but nobody should be told to write it.
      if (e.kind === 'placement') report(e.node as XAttr, 'placement', ['static', 'auto'], renderLibvirtError(e.error));
    }
    for (const m of nt.memnodes) {
      const a = m.memnode.mode;
      if (!a || isNumatuneMode(a.value)) continue;
      const said = renderLibvirtError(libvirt.invalidEnum('mode', 'memnode', a.value));
      report(a, 'memnode mode', NUMATUNE_MODES, said);
    }
  },
};
