#!/usr/bin/env bash
# CI step: conformance against real libvirt, both lab versions in turn (needs root; see
# scripts/libvirt-lab.sh): libvirt 9.0 + QEMU 7.2 on the host, then libvirt 11.3 + QEMU 10.0 in a
# Debian 12 chroot. For each, installs and starts libvirt when needed, runs `npm run test:libvirt`
# (every label of that version re-checked on real libvirt), and leaves the host as it found it:
# the suite resets pools, mounts and lab domains; daemons started here are stopped here, before
# the other version starts (huge page pools are machine-wide: one libvirt at a time).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-true}"

lab=scripts/libvirt-lab.sh
started=""
cleanup() {
  if [ -n "$started" ]; then KVMXML_LAB_LIBVIRT="$started" "$lab" stop || true; fi
}
trap cleanup EXIT

for version in 9.0 11.3; do
  export KVMXML_LAB_LIBVIRT="$version"
  start_s=$SECONDS
  if ! "$lab" available; then
    "$lab" setup
    "$lab" start
    started="$version"
  fi
  # that version's own test domains, for the schema agreement (skipped, saying so, if unavailable)
  bash scripts/libvirt-test-domains.sh --libvirt "$version" || echo "libvirt $version test domains unavailable; that agreement test is skipped"
  npm run test:libvirt
  if [ "$started" = "$version" ]; then
    "$lab" stop
    started=""
  fi
  echo "libvirt $version conformance: $((SECONDS - start_s))s"
done
