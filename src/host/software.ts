/**
 * The libvirt and QEMU installed on this machine, for `kvmxml snapshot` of the live host. Unlike
 * the rest of the snapshot this runs commands (each with a short time limit); a missing or
 * failing command is "not installed" (null).
 */
import { execFileSync } from 'node:child_process';

function versionOf(command: string, args: string[], pattern: RegExp): string | null {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return pattern.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

export function installedSoftware(): { libvirt: string | null; qemu: string | null } {
  return {
    // `/usr/sbin/libvirtd (libvirt) 9.0.0`
    libvirt: versionOf('/usr/sbin/libvirtd', ['--version'], /\(libvirt\) (\d+\.\d+\.\d+)/) ?? versionOf('virsh', ['--version'], /^(\d+\.\d+\.\d+)/),
    // `QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u16)`
    qemu: versionOf('qemu-system-x86_64', ['--version'], /QEMU emulator version (\d+\.\d+(?:\.\d+)?)/),
  };
}
