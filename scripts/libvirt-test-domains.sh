#!/usr/bin/env bash
# Fetch libvirt's own test domains into DIR, for the libvirt-schema agreement tests:
#   9.0  (default): Debian 12's libvirt 9.0 source, tests/qemuxml2argvdata and qemuxml2xmloutdata;
#   11.3: the libvirt 11.3 source that the lab's 11.3 chroot installed (bookworm-backports),
#         tests/qemuxmlconfdata (where libvirt ≥ 10 keeps both kinds), with the chroot's apt sources.
# Symlinks are resolved. Uses apt with a private deb-src list, so no apt sources change.
#
# Usage: scripts/libvirt-test-domains.sh [--libvirt 9.0|11.3] [DIR]
#   (default DIR: ~/.cache/kvmxml/libvirt-<version>-test-domains)
set -euo pipefail
LIBVIRT=9.0
if [[ ${1:-} == --libvirt ]]; then LIBVIRT=${2:?--libvirt needs 9.0 or 11.3}; shift 2; fi
CHROOT=${KVMXML_LAB_CHROOT:-/var/lib/kvmxml-lab/libvirt-11.3}
case $LIBVIRT in
  9.0) VERSION=${LIBVIRT_SOURCE_VERSION:-9.0.0-4+deb12u2}; SOURCES_ROOT="" ;;
  11.3)
    [[ -x $CHROOT/usr/sbin/libvirtd ]] || { echo "no libvirt 11.3 chroot at $CHROOT (scripts/libvirt-lab.sh setup with KVMXML_LAB_LIBVIRT=11.3)" >&2; exit 1; }
    VERSION=${LIBVIRT_SOURCE_VERSION:-$(chroot "$CHROOT" dpkg-query -W -f '${source:Version}' libvirt0)}
    SOURCES_ROOT=$CHROOT ;;
  *) echo "--libvirt must be 9.0 or 11.3, not '$LIBVIRT'" >&2; exit 2 ;;
esac
DEFAULT_OUT=$HOME/.cache/kvmxml/libvirt-$LIBVIRT.0-test-domains
[[ $LIBVIRT == 9.0 ]] && DEFAULT_OUT=${KVMXML_LIBVIRT_CORPUS:-$DEFAULT_OUT}
OUT=${1:-$DEFAULT_OUT}
if [[ -d $OUT ]] && compgen -G "$OUT/*.xml" >/dev/null; then
  echo "libvirt $LIBVIRT test domains already in $OUT"; exit 0
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/parts" "$WORK/lists/partial" "$WORK/cache/archives/partial"
# deb-src twins of the apt sources (deb822 and one-line forms) of the host or of the chroot
cat "$SOURCES_ROOT"/etc/apt/sources.list.d/*.sources 2>/dev/null | sed 's/^Types: deb$/Types: deb-src/' >"$WORK/parts/src.sources" || true
grep -hE '^deb ' "$SOURCES_ROOT"/etc/apt/sources.list "$SOURCES_ROOT"/etc/apt/sources.list.d/*.list 2>/dev/null | sed 's/^deb /deb-src /' >"$WORK/parts/src.list" || true
APT=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$WORK/parts" -o Dir::State::Lists="$WORK/lists" -o Dir::Cache="$WORK/cache")
apt-get "${APT[@]}" -qq update 2>&1 | grep -v 'unsandboxed' >&2 || true
# Only the upstream tarball is needed (apt checks it against the Sources index); a mirror may
# lack the Debian parts of a backport, so their absence is not an error.
(cd "$WORK" && apt-get "${APT[@]}" -qq source --download-only "libvirt=$VERSION" >/dev/null 2>&1) || true
compgen -G "$WORK/libvirt_*.orig.tar.xz" >/dev/null || { echo "could not download libvirt $VERSION's source" >&2; exit 1; }
tar -C "$WORK" -xJf "$WORK"/libvirt_*.orig.tar.xz --wildcards \
  '*/tests/qemuxml2argvdata/*.xml' '*/tests/qemuxml2xmloutdata/*.xml' '*/tests/qemuxmlconfdata/*.xml' 2>/dev/null || true
mkdir -p "$OUT.tmp"
for d in qemuxml2argvdata qemuxml2xmloutdata qemuxmlconfdata; do
  case $d in qemuxml2argvdata) pfx=argv ;; qemuxml2xmloutdata) pfx=out ;; *) pfx=conf ;; esac
  for f in "$WORK"/libvirt-*/tests/$d/*.xml; do
    [[ -e $f ]] || continue
    cp -L "$f" "$OUT.tmp/$pfx--${f##*/}" 2>/dev/null || true
  done
done
n=$(ls "$OUT.tmp" | wc -l)
if [[ $n -eq 0 ]]; then rm -rf "$OUT.tmp"; echo "no test domains found in libvirt $VERSION's source" >&2; exit 1; fi
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
echo "libvirt $LIBVIRT test domains: $n files in $OUT"
