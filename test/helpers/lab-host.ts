/** The conformance cases' host configurations as host snapshots of this lab machine. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMemparse } from '../../src/host/procfs.js';
import type { HostSnapshot } from '../../src/host/snapshot.js';
import type { HostSpec } from '../libvirt/corpus.js';
import { ROOT } from './fixtures.js';

const LAB = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'hosts', 'this-machine', 'expected.json'), 'utf8')) as HostSnapshot;

/** A mount's `pagesize=` option in KiB, read as the kernel (and the snapshot) reads it. */
function pageSizeOf(spec: string | undefined): number {
  if (!spec) return LAB.defaultHugepageSizeKiB ?? 2048;
  const bytes = parseMemparse(spec);
  if (bytes === null) throw new Error(`pagesize ${spec}`);
  return bytes / 1024;
}

/** The lab machine with a case's pools and mounts, as `scripts/libvirt-lab.sh apply-host` sets them. */
export function labHost(spec: HostSpec | undefined): HostSnapshot {
  const pools = spec?.hugepages ?? {};
  const sizes = (LAB.hugepages ?? []).map((p) => p.sizeKiB);
  return {
    ...LAB,
    hugepages: sizes.map((sizeKiB) => {
      const n = pools[String(sizeKiB)] ?? 0;
      return { sizeKiB, total: n, free: n, reserved: 0, surplus: 0, overcommit: 0 };
    }),
    nodes: (LAB.nodes ?? []).map((node) => ({
      ...node,
      hugepages: sizes.map((sizeKiB) => {
        const n = pools[String(sizeKiB)] ?? 0;
        return { sizeKiB, total: n, free: n, surplus: 0 };
      }),
    })),
    mounts: (spec?.mounts ?? []).map((m) => ({
      path: m.path,
      device: 'hugetlbfs',
      pageSizeKiB: pageSizeOf(m.pagesize),
      pageSizeExplicit: m.pagesize !== undefined,
      sizeLimitKiB: null,
      minSizeKiB: null,
      nrInodes: null,
      options: m.pagesize ? `rw,relatime,pagesize=${m.pagesize}` : 'rw,relatime',
    })),
  };
}

/**
 * The part of libvirt's message kvmxml must quote: QEMU's own line for QEMU failures (libvirt 11.3
 * may put QEMU's warnings first: then its last line naming qemu-system-x86_64); the first line
 * otherwise, without the location libxml2 errors start with (`(domain_definition):N: ` in 9.0,
 * `at line N: ` in 11.3).
 */
export function quotable(error: string): string {
  const lines = error.split('\n');
  const qemuLine = (l: string) => /qemu-system-x86_64: (.*)$/.exec(l)?.[1];
  const first = lines[0] as string;
  const qemu = qemuLine(first) ?? (/unexpectedly closed the monitor/.test(first) ? lines.map(qemuLine).filter(Boolean).pop() : undefined);
  if (qemu) return qemu;
  return first.replace(/^\(domain_definition\):\d+: /, '').replace(/^at line \d+: /, '');
}

