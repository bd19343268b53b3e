/**
 * Which libvirt drivers a rule's check belongs to. libvirt splits its checks between the
 * driver-independent XML layer (src/conf: parsing, post-parse, virDomainDefValidate), which runs
 * for every `<domain type>`, and each driver's own validation and start code (src/qemu, src/lxc,
 * …), which runs only for the types that driver handles. A rule (or one finding) names the types
 * it holds for; the engine applies that here, in one place, so no rule tests the type itself.
 */
import type { RuleDrivers } from './types.js';

/** The `<domain type>` values the QEMU driver handles (virQEMUCaps: TCG, KVM, macOS HVF). */
export const QEMU_TYPES = ['qemu', 'kvm', 'hvf'] as const;

/** Every `<domain type>` libvirt 9.0 knows (virDomainVirtType). */
export const DOMAIN_TYPES = ['none', 'qemu', 'kqemu', 'kvm', 'xen', 'lxc', 'uml', 'openvz', 'test', 'vmware', 'hyperv', 'vbox', 'phyp', 'parallels', 'bhyve', 'vz', 'hvf'] as const;

/** libvirt's XML layer (src/conf): the check runs whatever driver the domain goes to. */
export function anyDriver(by: string): RuleDrivers {
  return { types: 'any', by };
}

/** The QEMU driver (src/qemu) or QEMU itself: types qemu, kvm and hvf. */
export function qemuDriver(by: string): RuleDrivers {
  return { types: QEMU_TYPES, by };
}

/** The drivers that put a guest in Linux cgroups and ask numad: QEMU (not on macOS) and LXC. */
export const CGROUP_TYPES = ['qemu', 'kvm', 'lxc'] as const;

export function cgroupDrivers(by: string): RuleDrivers {
  return { types: CGROUP_TYPES, by };
}

/** A driver's name for people: "the QEMU driver (qemu, kvm, hvf)". */
export function describeDrivers(d: RuleDrivers): string {
  if (d.types === 'any') return 'every driver (libvirt’s domain XML layer)';
  if (d.types === QEMU_TYPES) return `the QEMU driver (type ${QEMU_TYPES.join(', ')})`;
  if (d.types === CGROUP_TYPES) return `the QEMU and LXC drivers on Linux (type ${CGROUP_TYPES.join(', ')})`;
  return `type ${d.types.join(', ')}`;
}

/**
 * Whether a check holds for a domain of this type. A missing or unknown type runs every check:
 * libvirt refuses such a definition before any driver sees it, and kvmxml cannot tell which
 * driver was meant.
 */
export function appliesTo(d: RuleDrivers | undefined, type: string | null): boolean {
  if (!d || d.types === 'any' || type === null) return true;
  if (!(DOMAIN_TYPES as readonly string[]).includes(type)) return true;
  return d.types.includes(type);
}

/** A few words for tables and listings: any, QEMU, QEMU+LXC, kvm. */
export function driversShort(d: RuleDrivers | undefined): string {
  if (!d || d.types === 'any') return 'any';
  if (d.types === QEMU_TYPES) return 'QEMU';
  if (d.types === CGROUP_TYPES) return 'QEMU+LXC';
  return d.types.join(',');
}

/** The line a rule's doc page carries under its header (test/drivers.test.ts keeps them in step). */
export function driversLine(d: RuleDrivers): string {
  return `**Drivers:** ${describeDrivers(d)}; checked by ${d.by}.`;
}
