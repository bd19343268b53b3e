/**
 * The guest physical address space QEMU 7.2 lays out for an x86 PC (hw/i386/pc.c,
 * pc_memory_init and pc_max_used_gpa) and the physical address bits of the guest CPU. QEMU
 * refuses to start when the highest address it needs is beyond what the CPU can address.
 *
 * Covered, because it was observed: TCG guests (`type='qemu'`) with QEMU's default CPU (qemu64:
 * 40 bits, AMD vendor, so the RAM above 4 GiB moves to 1 TiB once the layout crosses the AMD
 * HyperTransport window) on the i440fx machine (`pc`, 64-bit PCI hole 2 GiB). Anything else
 * (KVM, a CPU model, host-passthrough, <maxphysaddr>, q35) returns null: not known.
 */
import { attr, childElements, firstChild } from '../xml/tree.js';
import { kibOf, type DomainModel } from './model.js';
import { memoryTotals } from './memory.js';
import { parseXPathUInt } from './values.js';
import { X86_MEMORY_ALIGNMENT } from '../libvirt/arch.js';

const GiB = 1n << 30n;
/** TCG_PHYS_ADDR_BITS: what QEMU gives a TCG CPU without phys-bits. */
export const TCG_PHYS_BITS = 40;
/** Default max-ram-below-4g of the i440fx machine, and the gigabyte-aligned split above it. */
const LOWMEM_MAX = 0xe0000000n;
const LOWMEM_ALIGNED = 0xc0000000n;
/** I440FX_PCI_HOST_HOLE64_SIZE_DEFAULT. */
const I440FX_HOLE64 = 2n * GiB;
/** AMD_HT_START and AMD_ABOVE_1TB_START. */
const AMD_HT_START = 0xfd00000000n;
const AMD_ABOVE_1TB = 1n << 40n;

export interface AddressSpace {
  physBits: number;
  /** Highest guest physical address QEMU needs (pc_max_used_gpa). */
  maxUsed: bigint;
  /** 2^physBits − 1. */
  limit: bigint;
}

const roundUp = (v: bigint, to: bigint) => ((v + to - 1n) / to) * to;

/** An i440fx machine type QEMU 7.2 lays out this way: `pc`, or `pc-i440fx-7.1` and later. */
function isI440fx71(machine: string | undefined): boolean {
  if (machine === 'pc') return true;
  const m = /^pc-i440fx-(\d+)\.(\d+)$/.exec(machine ?? '');
  return m !== null && (Number(m[1]) > 7 || (Number(m[1]) === 7 && Number(m[2]) >= 1));
}

export function addressSpace(domain: DomainModel): AddressSpace | null {
  if (domain.type !== 'qemu') return null;
  const type = firstChild(firstChild(domain.root, 'os'), 'type');
  const arch = type ? attr(type, 'arch')?.value : undefined;
  if (!type || (arch !== undefined && arch !== 'x86_64') || !isI440fx71(attr(type, 'machine')?.value)) return null;
  // Only QEMU's default CPU: a <cpu> may carry guest NUMA cells, nothing that picks a model
  // (an element of another namespace picks nothing: libvirt does not read it).
  if (domain.cpu && (attr(domain.cpu, 'mode') || childElements(domain.cpu).some((c) => c.namespace === null && c.name !== 'numa'))) return null;
  // Initial memory: the cells, or <memory> less the memory devices.
  const totals = memoryTotals(domain);
  const totalKiB = domain.cells.length > 0 ? totals.cellsKiB : totals.initialKiB;
  if (totalKiB === null || totalKiB <= 0n) return null;
  // libvirt hands QEMU whole MiB (qemuDomainAlignMemorySizes; this layout is x86's).
  const align = BigInt(X86_MEMORY_ALIGNMENT.memory) * 1024n;
  const ram = roundUp(totalKiB * 1024n, align);
  const maxKiB = domain.maxMemory ? kibOf(domain.maxMemory) : null;
  const parsedSlots = parseXPathUInt(domain.maxMemorySlots?.value);
  if (domain.maxMemory && (maxKiB === null || parsedSlots === null)) return null;
  const slots = parsedSlots === 'absent' || parsedSlots === null ? 0 : parsedSlots;
  const maxram = maxKiB ? roundUp(BigInt(maxKiB) * 1024n, align) : ram;
  const lowmem = ram >= LOWMEM_MAX ? LOWMEM_ALIGNED : LOWMEM_MAX;
  const above = ram >= lowmem ? ram - lowmem : 0n;
  const maxUsedFrom = (start: bigint): bigint => {
    let hole64 = start + above;
    if (ram < maxram) hole64 = roundUp(hole64, GiB) + (maxram - ram) + GiB * BigInt(slots);
    return roundUp(hole64, GiB) + I440FX_HOLE64 - 1n;
  };
  const start = maxUsedFrom(4n * GiB) >= AMD_HT_START ? AMD_ABOVE_1TB : 4n * GiB;
  return { physBits: TCG_PHYS_BITS, maxUsed: maxUsedFrom(start), limit: (1n << BigInt(TCG_PHYS_BITS)) - 1n };
}
