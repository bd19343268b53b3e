import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { resolveNumatune, vcpuPlacementAuto } from '../src/domain/numa.js';
import type { Rule } from '../src/engine/types.js';
import { attr, firstChild } from '../src/xml/tree.js';
import { cgroupDrivers } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

const SAID = renderLibvirtError(libvirt.numadFailed());

export const rule: Rule = {
  meta: {
    id: 'numatune-auto-placement',
    description: "Automatic NUMA placement needs numad on the host when the guest starts",
    severity: 'warn',
    stage: 'start',
    fixable: false,
    drivers: cgroupDrivers('virNumaGetAutoPlacementAdvice (src/util/virnuma.c), which the QEMU driver (qemuProcessPrepareDomainNUMAPlacement) and the LXC driver (virLXCProcessStart) ask at start'),
    docs: 'rules/numatune-auto-placement.md',
  },
  check(ctx) {
    const nt = resolveNumatune(ctx.domain);
    const vcpu = firstChild(ctx.domain.root, 'vcpu');
    const vcpuAuto = vcpuPlacementAuto(ctx.domain) && vcpu ? attr(vcpu, 'placement') : undefined;
    const memAuto = nt.specified && nt.placement === 'auto';
    if (!memAuto && !vcpuAuto) return;
    const mem = ctx.domain.numatune?.memory;
    const node = memAuto && mem?.placement?.value === 'auto' ? mem.placement : (vcpuAuto ?? mem?.el ?? ctx.domain.root);
    let what: string;
    if (memAuto && vcpuAuto) what = nt.autoFromVcpu ? "<vcpu placement='auto'> makes vCPU and memory placement automatic" : "vCPU and memory placement are automatic";
    else if (memAuto) what = "memory placement is automatic";
    else what = "<vcpu placement='auto'> makes vCPU placement automatic";
    const numad = ctx.host?.numad;
    const host = !ctx.host ? '' : numad === false ? ' (the host described has no numad: the start fails there)' : numad === true ? ' (the host described has numad)' : ' (the host description does not show whether numad is installed)';
    ctx.report({
      node,
      message: `${what}: libvirt runs numad for the host nodes every time the guest starts, and the start fails where numad is not installed${host}; install numad on every host that runs this guest, or use static placement: no placement='auto' on <vcpu> or <numatune><memory>, and the host nodes in <numatune><memory nodeset='…'/> (libvirt: ${SAID})`,
    });
  },
};
