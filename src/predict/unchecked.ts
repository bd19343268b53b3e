/**
 * What a start needs beyond what a host snapshot records: files and sockets named in the
 * definition that libvirt or QEMU open at start. The snapshot reads /sys and /proc only, so a
 * `starts` verdict says it did not check them rather than reading as more than it is.
 */
import type { DomainModel } from '../domain/model.js';
import { attr, childElements, firstChild, textOf, type XElement } from '../xml/tree.js';

export interface Unchecked {
  /** What the start also needs, named for a reader. */
  message: string;
  node: XElement;
}

const sourceAttr = (el: XElement, name: string) => {
  const source = firstChild(el, 'source');
  return source ? attr(source, name)?.value ?? null : null;
};

const isVirtiofs = (fs: XElement) => {
  const driver = firstChild(fs, 'driver');
  return driver !== undefined && attr(driver, 'type')?.value === 'virtiofs';
};

/** The files, sockets and helper processes the definition's start depends on, in document order. */
export function uncheckedNeeds(domain: DomainModel): Unchecked[] {
  const devices = firstChild(domain.root, 'devices');
  if (!devices) return [];
  const out: Unchecked[] = [];
  for (const d of childElements(devices)) {
    // An element of another namespace is not one of libvirt's devices.
    if (d.namespace !== null) continue;
    if (d.name === 'memory') {
      const model = attr(d, 'model')?.value;
      const pathEl = firstChild(firstChild(d, 'source'), 'path');
      if ((model === 'nvdimm' || model === 'virtio-pmem') && pathEl) {
        out.push({ node: d, message: `the ${model} backing file ${textOf(pathEl).trim() || '(empty path)'} (QEMU opens it at start)` });
      }
    } else if ((d.name === 'interface' || d.name === 'disk') && attr(d, 'type')?.value === 'vhostuser') {
      const path = sourceAttr(d, 'path');
      const what = d.name === 'disk' ? 'vhost-user disk' : 'vhost-user interface';
      const mode = sourceAttr(d, 'mode');
      out.push({
        node: d,
        message: `the ${what} socket ${path ?? '(no path)'}${mode === 'server' ? ' (QEMU creates it; its back end must connect)' : ' (its back end must be listening when the guest starts)'}`,
      });
    } else if (d.name === 'filesystem' && isVirtiofs(d)) {
      const socket = sourceAttr(d, 'socket');
      out.push({
        node: d,
        message: socket
          ? `the virtiofsd socket ${socket} (an externally started virtiofsd must be listening)`
          : `virtiofsd for ${sourceAttr(d, 'dir') ?? 'this filesystem'} (libvirt starts it; it must be installed, e.g. /usr/libexec/virtiofsd)`,
      });
    }
  }
  return out;
}
