import { cellIdOf, memoryAccessMode } from '../src/domain/hugepages.js';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import type { Rule } from '../src/engine/types.js';
import { attr, childElements, firstChild, type XElement } from '../src/xml/tree.js';
import { qemuDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';

type SharedMemoryUser = { el: XElement; name: 'virtiofs' | 'vhostuser' | 'interface' };

/**
 * Devices that need guest memory the vhost-user back end can map: virtiofs filesystems and
 * vhost-user disks, and vhost-user network interfaces where the profile's libvirt says so.
 */
function sharedMemoryUsers(text: string, root: XElement, interfaces: boolean): SharedMemoryUser[] {
  // Such a device names 'virtiofs' or 'vhostuser' in its text, unless a character reference
  // spells it: most documents have neither, and their devices' attributes are then never read.
  if (!text.includes('virtiofs') && !text.includes('vhostuser') && !text.includes('&#')) return [];
  const devices = firstChild(root, 'devices');
  if (!devices) return [];
  const out: SharedMemoryUser[] = [];
  for (const d of childElements(devices)) {
    if (d.namespace !== null) continue;
    if (d.name === 'filesystem') {
      const driver = firstChild(d, 'driver');
      if (driver && attr(driver, 'type')?.value === 'virtiofs') out.push({ el: d, name: 'virtiofs' });
    } else if (d.name === 'disk' && attr(d, 'type')?.value === 'vhostuser') {
      out.push({ el: d, name: 'vhostuser' });
    } else if (interfaces && d.name === 'interface' && attr(d, 'type')?.value === 'vhostuser') {
      out.push({ el: d, name: 'interface' });
    }
  }
  return out;
}

export const rule: Rule = {
  meta: {
    id: 'hugepage-shared-memory',
    description: 'virtiofs and vhost-user disks (and, with libvirt 11.3, vhost-user interfaces) need shared guest memory (<access mode="shared"/> or memAccess="shared" on every cell)',
    severity: 'error',
    stage: 'define',
    fixable: false,
    drivers: qemuDriver('qemuValidateDomainDeviceDefFS and qemuValidateDomainDeviceDefDisk (src/qemu/qemu_validate.c)'),
    docs: 'rules/hugepage-shared-memory.md',
  },
  check(ctx) {
    const users = sharedMemoryUsers(ctx.doc.text, ctx.domain.root, ctx.profile.vhostUserInterfaceNeedsSharedMemory);
    if (users.length === 0) return;
    const globalShared = memoryAccessMode(ctx.domain) === 'shared';
    const cells = ctx.domain.cells;
    // Which cells are not shared: memAccess='private', or no memAccess without a global shared mode.
    const privateCells = cells.filter((c) => (c.memAccess ? c.memAccess.value !== 'shared' : !globalShared));
    const ok = cells.length === 0 ? globalShared : privateCells.length === 0;
    if (ok) return;
    let advice: string;
    if (cells.length === 0) {
      advice = "add <access mode='shared'/> to <memoryBacking> (libvirt's virtiofs guide pairs it with <source type='memfd'/>)";
    } else {
      const explicit = privateCells.filter((c) => c.memAccess);
      const ids = privateCells.map((c) => cellIdOf(c)).join(', ');
      advice =
        explicit.length > 0
          ? `guest cell${privateCells.length === 1 ? '' : 's'} ${ids} ${privateCells.length === 1 ? 'is' : 'are'} not shared: set memAccess='shared' on ${explicit.length === privateCells.length ? (privateCells.length === 1 ? 'it' : 'them') : "the cells with memAccess, and add <access mode='shared'/> to <memoryBacking> for the others"}`
          : `guest cell${privateCells.length === 1 ? '' : 's'} ${ids} ${privateCells.length === 1 ? 'is' : 'are'} not shared: add <access mode='shared'/> to <memoryBacking>, or memAccess='shared' on every cell`;
    }
    for (const u of users) {
      const what = u.name === 'virtiofs' ? 'this virtiofs filesystem' : u.name === 'vhostuser' ? 'this vhost-user disk' : 'this vhost-user interface (libvirt 11.2 and later)';
      ctx.report({
        node: u.el,
        message: `${what} needs guest memory its back end can map, but the memory is not shared: ${advice} (libvirt: ${renderLibvirtError(libvirt.requiresSharedMemory(u.name))})`,
      });
    }
  },
};
