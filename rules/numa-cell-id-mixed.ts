import type { Rule } from '../src/engine/types.js';
import { escapeAttr } from '../src/xml/edit.js';
import { anyDriver } from '../src/engine/drivers.js';

export const rule: Rule = {
  meta: {
    id: 'numa-cell-id-mixed',
    description: 'Give every guest NUMA cell an id when some cells have one',
    severity: 'warn',
    stage: 'style',
    fixable: true,
    needs: ['numa'],
    drivers: anyDriver('virDomainNumaDefFormatXML (src/conf/numa_conf.c), which writes every id'),
    docs: 'rules/numa-cell-id-mixed.md',
  },
  check(ctx) {
    const cells = ctx.domain.cells;
    if (!cells.some((c) => c.idAttr) || cells.every((c) => c.idAttr)) return;
    for (const c of cells) {
      if (c.idAttr) continue;
      const id = String(c.index);
      ctx.report({
        node: c.el,
        message: `cell without id among cells with ids: libvirt gives it its position, ${id}, as id; write id='${id}' so the numbering is visible (libvirt's documentation advises against mixing cells with and without id)`,
        fix: (fixer) => {
          const q = c.el.attributes[0]?.quote ?? fixer.quote;
          const at = c.el.startTag.start + 1 + c.el.name.length;
          // libvirt writes id first.
          return fixer.replaceRange({ start: at, end: at }, ` id=${q}${escapeAttr(id, q)}${q}`);
        },
      });
    }
  },
};
