import type { Rule } from '../src/engine/types.js';

export const rule: Rule = {
  meta: {
    id: 'ept-unavailable',
    description: "type='kvm' on a host whose KVM runs without EPT/NPT (second-level address translation): shadow paging, slower memory access",
    severity: 'warn',
    stage: 'runtime',
    fixable: false,
    drivers: { types: ['kvm'], by: "KVM itself: only type='kvm' runs on /dev/kvm (qemuBuildAccelCommandLine, src/qemu/qemu_command.c)" },
    needsHost: true,
    docs: 'rules/ept-unavailable.md',
  },
  check(ctx) {
    const host = ctx.host;
    if (!host || ctx.domain.type !== 'kvm') return;
    const typeAttr = ctx.domain.root.attributes.find((a) => a.name === 'type') ?? ctx.domain.root;
    let why: string | null = null;
    if (host.kvm.eptEnabled === false) why = 'kvm_intel is loaded with ept=N (/sys/module/kvm_intel/parameters/ept)';
    else if (host.kvm.nptEnabled === false) why = 'kvm_amd is loaded with npt=N (/sys/module/kvm_amd/parameters/npt)';
    else if (host.cpu.vmx === true && host.cpu.ept === false && host.kvm.eptEnabled !== true) why = "the host CPU has VT-x but no EPT (no 'ept' in /proc/cpuinfo)";
    else if (host.cpu.svm === true && host.cpu.npt === false && host.kvm.nptEnabled !== true) why = "the host CPU has AMD-V but no NPT (no 'npt' in /proc/cpuinfo)";
    if (!why) return;
    ctx.report({
      node: typeAttr,
      message: `this KVM guest will run on shadow page tables: ${why}; libvirt does not check this and the guest starts, but every guest page-table change traps to the host, which slows memory-heavy and fork-heavy workloads; enable EPT/NPT (module parameter, firmware setting) or expect the cost`,
    });
  },
};
