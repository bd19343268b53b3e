/**
 * Where memory devices sit in guest physical memory, as libvirt reads it: the DIMM address of
 * a DIMM or NVDIMM (`<address type='dimm' slot='…' base='…'/>`), the guest address of a
 * virtio-mem or virtio-pmem device (`<target><address base='…'/>`, libvirt ≥ 9.4), the size
 * each maps into the guest, and the id libvirt gives the device on QEMU's command line.
 */
import { attr, childElements, firstChild, textOf, type XElement } from '../xml/tree.js';
import type { DomainModel, MemoryDevice } from './model.js';
import { kibOf } from './model.js';
import { SYSTEM_PAGE_KIB } from '../libvirt/arch.js';
import { parseUInt } from './values.js';
import { parseScaled } from './units.js';

/** A value libvirt reads from XML: present and parsed, present and refused, or absent. */
export type Read<T> = { el: XElement; text: string; value: T | null } | null;

export interface DevicePlacement {
  /** Position among the domain's `<memory>` devices (libvirt's def->mems order). */
  index: number;
  device: MemoryDevice;
  /** `<address type='dimm'>` of a DIMM or NVDIMM, or null. */
  dimm: { el: XElement; slot: Read<number>; base: Read<bigint> } | null;
  /** `<target><address base>` of a virtio-mem or virtio-pmem device, or null. */
  targetBase: Read<bigint>;
  /** virtio-mem `<block>` in KiB. */
  blockKiB: number | null;
  /** Bytes mapped into the guest (an NVDIMM's label is not), null when the size is unknown. */
  mappedBytes: bigint | null;
}

/**
 * A hexadecimal unsigned long long attribute as libvirt reads it (`virStrToLong_ullp`, base 16):
 * leading whitespace, an optional `0x`/`0X`, hex digits to the end; no sign, no overflow.
 */
export function parseHexULL(text: string): bigint | null {
  const m = /^[ \t\n\v\f\r]*(?:0[xX])?([0-9a-fA-F]+)$/.exec(text);
  if (!m) return null;
  const v = BigInt(`0x${m[1]}`);
  return v > 0xffffffffffffffffn ? null : v;
}

function readAttr<T>(el: XElement, name: string, parse: (s: string) => T | null): Read<T> {
  const a = attr(el, name);
  return a ? { el, text: a.value, value: parse(a.value) } : null;
}

function sizeKiBOf(el: XElement | undefined): number | null {
  if (!el) return null;
  const r = parseScaled(textOf(el), attr(el, 'unit')?.value ?? null, `./${el.name}`);
  return r.ok ? r.kib : null;
}

function mappedBytes(model: string | null, sizeKiB: number | null, el: XElement): bigint | null {
  if (sizeKiB === null) return null;
  let kib = BigInt(sizeKiB);
  if (model === 'nvdimm') {
    // The label area is mapped elsewhere: size minus the label rounded up to the alignment
    // (<alignsize>, else the system page size).
    const target = firstChild(el, 'target');
    const label = target ? firstChild(target, 'label') : undefined;
    const labelKiB = label ? sizeKiBOf(firstChild(label, 'size')) : null;
    const source = firstChild(el, 'source');
    const align = BigInt((source ? sizeKiBOf(firstChild(source, 'alignsize')) : null) || SYSTEM_PAGE_KIB);
    if (labelKiB) kib -= ((BigInt(labelKiB) + align - 1n) / align) * align;
  }
  return kib * 1024n;
}

export function memoryDevicePlacements(domain: DomainModel): DevicePlacement[] {
  return domain.memoryDevices.map((device, index) => {
    const { el, model } = device;
    const addressEl = childElements(el, 'address')[0];
    const dimm =
      (model === 'dimm' || model === 'nvdimm') && addressEl && attr(addressEl, 'type')?.value === 'dimm'
        ? { el: addressEl, slot: readAttr(addressEl, 'slot', parseUInt), base: readAttr(addressEl, 'base', parseHexULL) }
        : null;
    const target = firstChild(el, 'target');
    const targetAddress = target ? firstChild(target, 'address') : undefined;
    const targetBase = (model === 'virtio-mem' || model === 'virtio-pmem') && targetAddress ? readAttr(targetAddress, 'base', parseHexULL) : null;
    return {
      index,
      device,
      dimm,
      targetBase,
      blockKiB: target ? sizeKiBOf(firstChild(target, 'block')) : null,
      mappedBytes: mappedBytes(model, kibOf(device.size), el),
    };
  });
}

/** The guest address a device asks for (0 = none), as libvirt's conflict check takes it. */
export function requestedStart(p: DevicePlacement): bigint {
  return (p.dimm ? p.dimm.base?.value : p.targetBase?.value) ?? 0n;
}

/**
 * The id libvirt 9.0 gives a DIMM or NVDIMM on QEMU's command line: the model's prefix and the
 * slot (qemuDeviceMemoryGetAliasID), e.g. `dimm1`.
 */
export function dimmAlias(p: DevicePlacement): string | null {
  const slot = p.dimm?.slot?.value;
  if (slot === null || slot === undefined) return null;
  return `${p.device.model === 'nvdimm' ? 'nvdimm' : 'dimm'}${slot}`;
}

/** `0x…` as libvirt and QEMU print addresses (`%llx`). */
export function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}
