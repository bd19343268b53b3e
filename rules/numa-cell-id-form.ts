import type { Rule } from '../src/engine/types.js';
import { anyDriver } from '../src/engine/drivers.js';
import { isCanonicalUInt } from '../src/domain/values.js';

export const rule: Rule = {
  meta: {
    id: 'numa-cell-id-form',
    description: "Write a guest NUMA cell id as libvirt writes it back: plain digits (id='1', not '+1', ' 1' or '01')",
    severity: 'warn',
    stage: 'style',
    fixable: true,
    needs: ['numa'],
    drivers: anyDriver('virDomainNumaDefParseXML and virDomainNumaDefFormatXML (src/conf/numa_conf.c)'),
    docs: 'rules/numa-cell-id-form.md',
  },
  check(ctx) {
    for (const c of ctx.domain.cells) {
      const a = c.idAttr;
      if (!a || c.id === null || isCanonicalUInt(a.value)) continue;
      const id = String(c.id);
      ctx.report({
        node: a,
        message: `id='${a.value}' is cell ${id} to libvirt, which reads it as an unsigned number and writes it back as id='${id}' (with the cells in id order); write id='${id}' so the numbering reads the same in the file, in virsh dumpxml and to other tools`,
        fix: (fixer) => fixer.setAttrValue(a, id),
      });
    }
  },
};
