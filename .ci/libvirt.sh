#!/usr/bin/env bash
# CI step: conformance against real libvirt 9.0 + QEMU 7.2 (needs root; see scripts/libvirt-lab.sh).
# Installs and starts libvirt when needed, runs `npm run test:libvirt` (every label in
# fixtures/conformance re-checked on real libvirt), and leaves the host as it found it: the suite
# resets pools, mounts and lab domains; daemons started here are stopped here.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-true}"

lab=scripts/libvirt-lab.sh
started=0
if ! "$lab" available; then
  "$lab" setup
  "$lab" start
  started=1
fi
cleanup() {
  if [ "$started" = 1 ]; then "$lab" stop || true; fi
}
trap cleanup EXIT

start_s=$SECONDS
npm run test:libvirt
echo "libvirt conformance: $((SECONDS - start_s))s"
