#!/usr/bin/env bash
# Fetch libvirt 9.0's own test domains (tests/qemuxml2argvdata and tests/qemuxml2xmloutdata,
# symlinks resolved) into DIR, for the libvirt-schema agreement test. Uses Debian's source
# package through apt with a private deb-src list, so the machine's apt sources stay as they are.
#
# Usage: scripts/libvirt-test-domains.sh [DIR]   (default: ~/.cache/kvmxml/libvirt-9.0.0-test-domains)
set -euo pipefail
VERSION=${LIBVIRT_SOURCE_VERSION:-9.0.0-4+deb12u2}
OUT=${1:-${KVMXML_LIBVIRT_CORPUS:-$HOME/.cache/kvmxml/libvirt-9.0.0-test-domains}}
if [[ -d $OUT ]] && compgen -G "$OUT/*.xml" >/dev/null; then
  echo "libvirt test domains already in $OUT"; exit 0
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/parts" "$WORK/lists/partial" "$WORK/cache/archives/partial"
# deb-src twins of the machine's own apt sources (deb822 and one-line forms)
cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed 's/^Types: deb$/Types: deb-src/' >"$WORK/parts/src.sources" || true
grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed 's/^deb /deb-src /' >"$WORK/parts/src.list" || true
APT=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$WORK/parts" -o Dir::State::Lists="$WORK/lists" -o Dir::Cache="$WORK/cache")
apt-get "${APT[@]}" -qq update
(cd "$WORK" && apt-get "${APT[@]}" -qq source --download-only "libvirt=$VERSION" >/dev/null 2>&1)
tar -C "$WORK" -xJf "$WORK"/libvirt_*.orig.tar.xz --wildcards '*/tests/qemuxml2argvdata/*.xml' '*/tests/qemuxml2xmloutdata/*.xml'
mkdir -p "$OUT.tmp"
for d in qemuxml2argvdata qemuxml2xmloutdata; do
  case $d in qemuxml2argvdata) pfx=argv ;; *) pfx=out ;; esac
  for f in "$WORK"/libvirt-*/tests/$d/*.xml; do
    [[ -e $f ]] || continue
    cp -L "$f" "$OUT.tmp/$pfx--${f##*/}" 2>/dev/null || true
  done
done
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
echo "libvirt test domains: $(ls "$OUT" | wc -l) files in $OUT"
