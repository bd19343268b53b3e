import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

export const rule: Rule = {
  meta: {
    id: 'numatune-duplicate',
    description: 'A domain may have only one <numatune>',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['numatune'],
    drivers: anyDriver('virDomainNumatuneParseXML (src/conf/numa_conf.c)'),
    docs: 'rules/numatune-duplicate.md',
  },
  check(ctx) {
    const nt = ctx.domain.numatune;
    if (!nt || nt.all.length < 2) return;
    const line = ctx.doc.positionAt(nt.el.startTag.start).line;
    const said = renderLibvirtError(libvirt.onlyOneNumatune());
    for (const el of nt.all.slice(1)) {
      ctx.report({
        node: el,
        message: `second <numatune>: move its <memory>/<memnode> settings into the one on line ${line} and remove this one (libvirt: ${said})`,
      });
    }
  },
};
