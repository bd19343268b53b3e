/**
 * Which conformance cases `kvmxml fit` is about, shared by the plain test (test/fit-conformance)
 * and the real-libvirt one (test/libvirt/fit.test.ts).
 */

/** A start failure for a host reason: huge page mounts, pools and sizes, host NUMA nodes. */
export const HOST_REASON = /hugetlbfs|huge ?page|Hugepage size|page size|memory size must be multiple|backing store for guest RAM|memfd|NUMA node \d+ is unavailable|preallocat/i;

/** Cases whose host no XML change can satisfy, and what fit says about them. */
export const UNFITTABLE: Record<string, RegExp> = {
  // 1 GiB of guest RAM, 128 MiB of 2 MiB pages
  'hp-1g-without-1g-mount': /needs 1 GiB; the free huge pages it could use hold 128 MiB/,
  'hp-default-no-mount': /no hugetlbfs mount at all/,
  // a 512 MiB DIMM: 256 × 2 MiB pages wanted, 64 there; below one 1 GiB page
  'hp-dimm-below-page-size': /no combination of page sizes/,
  // a 1536 MiB DIMM: 768 × 2 MiB pages wanted, 64 there; not whole 1 GiB pages
  'hp-dimm-not-page-multiple': /no combination of page sizes/,
  // 64 MiB on memfd, the host's only pool is one 1 GiB page
  'hp-memfd-below-page-size': /no other page size on this host suits/,
  // 65 MiB on memfd: never a whole number of 2 MiB pages
  'hp-memfd-odd-size': /no other page size on this host suits/,
  // 65 MiB on 2 MiB pages, which QEMU 10.0 refuses (libvirt 11.3)
  'hp-odd-size-rounds-up': /no other page size on this host suits/,
  'hp-one-page-short': /needs 64 MiB; the free huge pages it could use hold 62 MiB/,
  // six 32 MiB cells, 96 × 2 MiB pages, 64 there; 32 MiB is below one 1 GiB page
  'tut-intended-six-cells': /no combination of page sizes/,
};
