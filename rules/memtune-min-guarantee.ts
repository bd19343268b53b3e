import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { formatKiB } from '../src/domain/units.js';
import type { Rule } from '../src/engine/types.js';
import { removeLimit } from '../src/domain/schema-table.js';
import { qemuDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

export const rule: Rule = {
  meta: {
    id: 'memtune-min-guarantee',
    description: '<min_guarantee> with the QEMU driver (type qemu or kvm): libvirt refuses any non-zero value',
    severity: 'error',
    stage: 'define',
    fixable: true,
    needs: ['memtune'],
    drivers: qemuDriver('qemuValidateDomainDef (src/qemu/qemu_validate.c)'),
    docs: 'rules/memtune-min-guarantee.md',
  },
  check(ctx) {
    const v = ctx.domain.memtune?.limits.min_guarantee;
    if (!v || !v.result.ok || v.result.kib === 0) return;
    ctx.report({
      node: v.el,
      message: `<min_guarantee> (${formatKiB(v.result.kib)}) is not supported by the QEMU driver (only ESX and OpenVZ have it): remove it (to keep a QEMU guest's RAM resident, back it with huge pages or use <locked/>) (libvirt: ${renderLibvirtError(libvirt.minGuaranteeUnsupported())})`,
      fix: (fixer) => removeLimit(ctx.domain.memtune, fixer, 'min_guarantee', v.el),
    });
  },
};
