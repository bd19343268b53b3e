/**
 * What the guest's architecture decides in libvirt and QEMU for memory: the system page size, the
 * huge page sizes an x86_64 host can offer, and the alignment libvirt applies at start
 * (`qemuDomainAlignMemorySizes`, R4.4). The one copy of each; rules, the derived views and the
 * predictor ask here.
 */
import { attr, firstChild } from '../xml/tree.js';
import type { DomainModel } from '../domain/model.js';

/** The system page size (KiB) of x86_64 (and of the TCG guests kvmxml models). A `<page>` of this size means ordinary memory (R1.10). */
export const SYSTEM_PAGE_KIB = 4;

/** Huge page sizes an x86_64 host can offer (KiB): 2 MiB and, with `pdpe1gb`, 1 GiB. */
export const X86_64_HUGEPAGE_SIZES_KIB: readonly number[] = [2048, 1048576];

/** Alignment granularity in KiB libvirt applies at start: guest memory and cells, and memory modules (DIMM, virtio-mem). */
export interface MemoryAlignment {
  memory: number;
  module: number;
}

/** x86 (and every architecture but ppc64): 1 MiB for memory and cells, 2 MiB for modules. */
export const X86_MEMORY_ALIGNMENT: MemoryAlignment = { memory: 1024, module: 2048 };

/** ppc64: everything to 256 MiB. */
const PPC64_MEMORY_ALIGNMENT: MemoryAlignment = { memory: 256 * 1024, module: 256 * 1024 };

/** `<os><type arch>` as written, or null. */
export function guestArch(domain: DomainModel): string | null {
  const os = firstChild(domain.root, 'os');
  const type = os ? firstChild(os, 'type') : undefined;
  return type ? (attr(type, 'arch')?.value ?? null) : null;
}

/** Alignment granularity for the guest's architecture (R4.4). */
export function memoryAlignment(domain: DomainModel): MemoryAlignment {
  return (guestArch(domain) ?? '').startsWith('ppc64') ? PPC64_MEMORY_ALIGNMENT : X86_MEMORY_ALIGNMENT;
}

/**
 * Whether the domain can only run on a host of another architecture than x86_64: a KVM guest whose
 * `<os><type arch>` is not an x86 one. (A TCG guest of any arch runs on an x86_64 host and uses its
 * page sizes.)
 */
export function needsNonX86Host(domain: DomainModel): boolean {
  const arch = guestArch(domain);
  return domain.type === 'kvm' && arch !== null && !['x86_64', 'i686'].includes(arch);
}
