/**
 * Which profile a run uses: `--libvirt`, else the config's `libvirt`, else (for `audit`) the
 * profile of the daemon audited, else the libvirt the `--host` snapshot recorded (when kvmxml
 * has a profile of that version), else the default.
 */
import type { LoadedConfig } from '../engine/config.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { DEFAULT_PROFILE, PROFILES, profileForVersion, type Profile, type ProfileId } from '../libvirt/profile.js';

export interface ProfileArgs {
  libvirt?: ProfileId | undefined;
}

export function profileFor(flag: ProfileId | undefined, cfg: LoadedConfig | null, host: HostSnapshot | null, daemon: Profile | null = null): Profile {
  const chosen = flag ?? cfg?.config.libvirt;
  if (chosen) return PROFILES[chosen];
  if (daemon) return daemon;
  const recorded = host?.software?.libvirt;
  return (recorded ? profileForVersion(recorded) : null) ?? DEFAULT_PROFILE;
}
