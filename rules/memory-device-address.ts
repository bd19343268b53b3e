import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { dimmAlias, hex, memoryDevicePlacements, requestedStart, type DevicePlacement } from '../src/domain/memory-device-layout.js';
import { parseUInt } from '../src/domain/values.js';
import { anyDriver, qemuDriver } from '../src/engine/drivers.js';
import type { Rule, RuleContext } from '../src/engine/types.js';
import { libvirt, qemu, qemuStartFailure } from '../src/libvirt/messages.js';
import { SYSTEM_PAGE_KIB } from '../src/libvirt/arch.js';
import { textOf } from '../src/xml/tree.js';

const SYSTEM_PAGE_BYTES = SYSTEM_PAGE_KIB * 1024;

const CONF = anyDriver('virDomainMemoryDefValidate and virDomainMemoryDefCheckConflict (src/conf/domain_validate.c), libvirt ≥ 9.8');
const PARSER = anyDriver('virDomainDeviceDimmAddressParseXML (src/conf/domain_conf.c)');

/** Where the device is, for messages: `the dimm device on line 21`. */
function named(ctx: RuleContext, p: DevicePlacement): string {
  return `the ${p.device.model ?? 'memory'} device on line ${ctx.doc.positionAt(p.device.el.startTag.start).line}`;
}

export const rule: Rule = {
  meta: {
    id: 'memory-device-address',
    description: 'Memory device addresses libvirt or QEMU refuse: a DIMM slot without slot= or beyond <maxMemory slots>, a slot or base used twice, overlapping address ranges, virtio-mem/virtio-pmem addresses not aligned',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['memoryDevices'],
    drivers: qemuDriver('qemuDomainDefValidateMemoryHotplugDevice (src/qemu/qemu_domain.c; 9.0 also its qemuCheckMemoryDimmConflict), QEMU memory_device_get_free_addr at start (9.0)'),
    docs: 'rules/memory-device-address.md',
  },
  check(ctx) {
    const places = memoryDevicePlacements(ctx.domain);
    if (places.length === 0) return;
    checkDimmAddresses(ctx, places);
    if (ctx.profile.memoryDeviceRangesChecked) checkRanges(ctx, places);
    else check90Conflicts(ctx, places);
  },
};

/** slot= on a DIMM address: required, a number, below the slot count (every version). */
function checkDimmAddresses(ctx: RuleContext, places: DevicePlacement[]): void {
  const slotsText = ctx.domain.maxMemorySlots?.value;
  const slots = slotsText === undefined ? null : parseUInt(slotsText);
  for (const p of places) {
    if (!p.dimm) continue;
    const { slot } = p.dimm;
    if (!slot) {
      ctx.report({
        node: p.dimm.el,
        drivers: PARSER,
        message: `a DIMM address needs slot=: libvirt allocates slots only to devices without an address, so add slot='…' (a free slot below <maxMemory slots>) or remove the <address> and let libvirt choose (libvirt: ${renderLibvirtError(libvirt.missingAttribute('slot', 'address'))})`,
      });
    } else if (slot.value === null) {
      ctx.report({ node: p.dimm.el, drivers: PARSER, message: `slot='${slot.text}' is not a slot number (libvirt: ${renderLibvirtError(libvirt.invalidUInt('slot', 'address', slot.text))})` });
    } else if (slots !== null && slot.value >= slots) {
      ctx.report({
        node: p.dimm.el,
        message: `slot ${slot.value} does not exist: <maxMemory slots='${slotsText}'> gives slots 0 to ${slots - 1}; use a free one or raise slots (libvirt: ${renderLibvirtError(libvirt.deviceSlotExceedsSlots(slot.value, slots))})`,
      });
    }
  }
}

const sameSlot = (a: DevicePlacement, b: DevicePlacement): boolean =>
  a.dimm?.slot?.value != null && a.dimm.slot.value === b.dimm?.slot?.value;

function slotTwice(ctx: RuleContext, first: DevicePlacement, p: DevicePlacement, drivers?: typeof CONF): void {
  ctx.report({
    node: p.dimm!.el,
    ...(drivers ? { drivers } : {}),
    message: `slot ${p.dimm!.slot!.value} is also the slot of ${named(ctx, first)}: give each DIMM its own slot, or drop the <address> and let libvirt choose (libvirt: ${renderLibvirtError(libvirt.deviceSlotInUse(first.dimm!.slot!.value!))})`,
  });
}

/**
 * libvirt 9.0: the QEMU driver refuses a DIMM slot or base used twice; overlapping ranges at
 * different bases reach QEMU, which refuses the later device when it plugs it.
 */
function check90Conflicts(ctx: RuleContext, places: DevicePlacement[]): void {
  const dimms = places.filter((p) => p.dimm?.slot?.value != null);
  for (const [j, p] of dimms.entries()) {
    const earlier = dimms.slice(0, j);
    const slotOwner = earlier.find((o) => sameSlot(o, p));
    if (slotOwner) {
      slotTwice(ctx, slotOwner, p);
      continue;
    }
    const base = requestedStart(p);
    if (base === 0n) continue;
    const baseOwner = earlier.find((o) => requestedStart(o) === base);
    if (baseOwner) {
      ctx.report({
        node: p.dimm!.el,
        message: `base ${hex(base)} is also the base of ${named(ctx, baseOwner)}: give each device its own address range, or drop base= and let QEMU place it (libvirt: ${renderLibvirtError(libvirt.deviceBaseInUse(hex(base)))})`,
      });
      continue;
    }
    // QEMU plugs the devices in order and checks each against those already there, by address.
    const end = p.mappedBytes === null ? null : base + p.mappedBytes;
    if (end === null) continue;
    const clash = earlier
      .filter((o) => requestedStart(o) !== 0n && o.mappedBytes !== null && requestedStart(o) < end && base < requestedStart(o) + o.mappedBytes)
      .sort((a, b) => (requestedStart(a) < requestedStart(b) ? -1 : 1))[0];
    if (!clash) continue;
    ctx.report({
      node: p.dimm!.el,
      stage: 'start',
      message: `the range [${hex(base)}, ${hex(end)}) overlaps ${named(ctx, clash)} at ${hex(requestedStart(clash))}: libvirt ${ctx.profile.id} does not check ranges, so the guest defines and then QEMU refuses it at start; move one device or drop base= (libvirt: ${qemuStartFailure(ctx.profile, qemu.memoryDeviceRangeConflict(qemuDeviceJson(p), dimmAlias(clash) as string), ctx.domain.name)})`,
    });
  }
}

/** The -device argument libvirt 9.0 builds for a DIMM or NVDIMM (qemuBuildMemoryDeviceProps). */
function qemuDeviceJson(p: DevicePlacement): string {
  const alias = dimmAlias(p) as string;
  const node = p.device.node ? parseUInt(textOf(p.device.node)) : null;
  const props: [string, string][] = [['driver', JSON.stringify(p.device.model === 'nvdimm' ? 'nvdimm' : 'pc-dimm')]];
  if (node !== null) props.push(['node', String(node)]);
  props.push(['memdev', JSON.stringify(`mem${alias}`)], ['id', JSON.stringify(alias)], ['slot', String(p.dimm!.slot!.value)]);
  const base = requestedStart(p);
  if (base !== 0n) props.push(['addr', base.toString()]);
  return `{${props.map(([k, v]) => `"${k}":${v}`).join(',')}}`;
}

/** libvirt ≥ 9.8, per device in order: alignment, then slot and range conflicts with the others. */
function checkRanges(ctx: RuleContext, places: DevicePlacement[]): void {
  const reported = new Set<string>();
  for (const p of places) {
    const start = requestedStart(p);
    const model = p.device.model;
    if (model === 'virtio-pmem' && start % BigInt(SYSTEM_PAGE_BYTES) !== 0n) {
      ctx.report({
        node: p.targetBase!.el,
        drivers: CONF,
        message: `virtio-pmem address ${hex(start)} is not on a host page boundary: use a multiple of ${SYSTEM_PAGE_KIB} KiB (libvirt: ${renderLibvirtError(libvirt.virtioPmemAddressUnaligned(SYSTEM_PAGE_BYTES))})`,
      });
      continue;
    }
    if (model === 'virtio-mem' && p.blockKiB && start % (BigInt(p.blockKiB) * 1024n) !== 0n) {
      ctx.report({
        node: p.targetBase!.el,
        drivers: CONF,
        message: `virtio-mem address ${hex(start)} is not a multiple of its block size (${p.blockKiB} KiB): move it to a block boundary (libvirt: ${renderLibvirtError(libvirt.virtioMemAddressUnaligned())})`,
      });
      continue;
    }
    const thisDimm = p.dimm?.slot?.value != null;
    if (start === 0n && !thisDimm) continue;
    for (const o of places) {
      if (o === p) continue;
      const pair = [p.index, o.index].sort().join(':');
      if (thisDimm && o.dimm && sameSlot(p, o)) {
        // libvirt reports it at the first of the two; kvmxml at the second, once.
        if (!reported.has(pair)) slotTwice(ctx, p, o, CONF);
        reported.add(pair);
        continue;
      }
      const other = requestedStart(o);
      if (start === 0n || other === 0n || p.mappedBytes === null || o.mappedBytes === null) continue;
      const end = start + p.mappedBytes;
      if (!(start <= other && end > other) && !(other <= start && other + o.mappedBytes > start)) continue;
      if (reported.has(pair)) continue;
      reported.add(pair);
      const later = o.index > p.index ? o : p;
      ctx.report({
        node: later.dimm?.el ?? later.targetBase!.el,
        drivers: CONF,
        message: `the address ranges of ${named(ctx, p)} [${hex(start)}, ${hex(end)}) and ${named(ctx, o)} (from ${hex(other)}) overlap: move one device, or drop base= and let libvirt and QEMU place it (libvirt: ${renderLibvirtError(libvirt.deviceRangesOverlap(hex(start), hex(end), hex(other)))})`,
      });
    }
  }
}
