/**
 * How libvirt finds the hugetlbfs mount for a page size at start (spec R1.12, R1.15, R2.1–R2.3):
 * an explicit size needs the first mount of exactly that size; `<hugepages/>` (size 0) takes the
 * mount flagged default (its size equals the kernel default) or else the first mount.
 * memfd backends with an explicit size need no mount at all.
 */
import { defaultPageSizeOf } from '../domain/hugepages.js';
import type { HostSnapshot, HugetlbfsMount } from '../host/snapshot.js';
import { renderLibvirtError } from '../domain/libvirt-error.js';
import { libvirt } from '../libvirt/messages.js';

export const NO_MOUNT_MESSAGE = renderLibvirtError(libvirt.hugetlbfsNotMounted());

export function noUsableMountMessage(sizeKiB: number): string {
  return renderLibvirtError(libvirt.noHugetlbfsMount(sizeKiB));
}

export type MountLookup =
  | { ok: true; sizeKiB: number; mount: HugetlbfsMount | null }
  | { ok: false; message: string }
  | { ok: 'unknown'; why: string };

/**
 * @param size the requested page size in KiB, or 'default' for `<hugepages/>` without a size
 * @param memfd the backend is `<source type='memfd'/>`
 */
export function lookupMount(host: HostSnapshot, size: number | 'default', memfd: boolean): MountLookup {
  if (memfd && size !== 'default') return { ok: true, sizeKiB: size, mount: null };
  const mounts = host.mounts;
  if (mounts === null) return { ok: 'unknown', why: 'the snapshot does not list hugetlbfs mounts' };
  if (mounts.length === 0) return { ok: false, message: NO_MOUNT_MESSAGE };
  if (size === 'default') {
    const chosen = defaultPageSizeOf(host);
    if (chosen === null) return { ok: 'unknown', why: 'the page size of the default hugetlbfs mount is not known' };
    return { ok: true, sizeKiB: chosen, mount: mounts.find((m) => m.pageSizeKiB === chosen) ?? null };
  }
  const exact = mounts.find((m) => m.pageSizeKiB === size);
  if (exact) return { ok: true, sizeKiB: size, mount: exact };
  if (mounts.some((m) => m.pageSizeKiB === null)) return { ok: 'unknown', why: 'the page size of some hugetlbfs mounts is not known' };
  return { ok: false, message: noUsableMountMessage(size) };
}
