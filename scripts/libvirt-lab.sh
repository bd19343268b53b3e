#!/usr/bin/env bash
# Real libvirt 9.0 + QEMU 7.2 lab for the conformance corpus (see /work/shared/libvirt-lab.md).
#
#   scripts/libvirt-lab.sh setup            install packages, user/groups, folders, qemu.conf (idempotent)
#   scripts/libvirt-lab.sh start            start virtlogd + libvirtd if needed, wait until virsh answers
#   scripts/libvirt-lab.sh restart          restart libvirtd only (it scans hugetlbfs mounts at start)
#   scripts/libvirt-lab.sh apply-host SPEC  set huge page pools and lab hugetlbfs mounts; SPEC is JSON
#                                           text or a file: {"hugepages":{"2048":64},"mounts":[{"path":
#                                           "/run/kvmxml-lab/hp2M","pagesize":"2M"}]}; sizes not named
#                                           get 0 pages; lab mounts not named are unmounted
#   scripts/libvirt-lab.sh reset            destroy/undefine lab domains, restore the pools found before
#                                           the lab touched them, unmount lab mounts
#   scripts/libvirt-lab.sh stop             reset, then stop the daemons this lab started
#   scripts/libvirt-lab.sh status           print daemons, pools, mounts, lab domains
#   scripts/libvirt-lab.sh available        exit 0 when virsh answers (no side effects)
#   scripts/libvirt-lab.sh uri              print the connection URI of the selected libvirt
#   scripts/libvirt-lab.sh schemas          print where the selected libvirt's RNG schemas are
#
# Only one process at a time may drive libvirtd and the pools: every subcommand that changes
# something takes an exclusive flock on $KVMXML_LAB_LOCK. A caller that already holds that lock
# for a longer session (the labeller, the test suite) exports KVMXML_LAB_LOCK_HELD=1.
#
# Two libvirts: KVMXML_LAB_LIBVIRT=9.0 (default) drives the host's libvirt 9.0 + QEMU 7.2;
# KVMXML_LAB_LIBVIRT=11.3 drives libvirt 11.3 + QEMU 10.0 from Debian 12's backports, installed
# by `setup` in a Debian 12 chroot (KVMXML_LAB_CHROOT, default /var/lib/kvmxml-lab/libvirt-11.3).
# Its daemon is reached from the host through its socket (`uri` prints the URI), so virsh and
# the case files stay on the host; its hugetlbfs mounts live inside the chroot at the paths the
# cases name. Huge page pools are machine-wide, so only one of the two daemons runs at a time:
# `start` refuses while the other one runs.
#
# Environment: KVMXML_LAB_PREFIX (domain name prefix, default "kvmxml-"),
#              KVMXML_LAB_ROOT (mount root as libvirt sees it, default /run/kvmxml-lab),
#              KVMXML_LAB_TIMEOUT (seconds to wait for virsh, default 60),
#              KVMXML_LAB_LIBVIRT (9.0 or 11.3), KVMXML_LAB_CHROOT (see above).
set -euo pipefail

PREFIX="${KVMXML_LAB_PREFIX:-kvmxml-}"
LAB_ROOT="${KVMXML_LAB_ROOT:-/run/kvmxml-lab}"
LOCK="${KVMXML_LAB_LOCK:-/run/kvmxml-lab.lock}"
TIMEOUT="${KVMXML_LAB_TIMEOUT:-60}"
LIBVIRT="${KVMXML_LAB_LIBVIRT:-9.0}"
HP_SYS=/sys/kernel/mm/hugepages
PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils libxml2-utils)
DEFAULT_CHROOT=/var/lib/kvmxml-lab/libvirt-11.3
case "$LIBVIRT" in
  9.0) CHROOT="" ;;
  11.3) CHROOT="${KVMXML_LAB_CHROOT:-$DEFAULT_CHROOT}" ;;
  *) printf 'libvirt-lab: error: KVMXML_LAB_LIBVIRT must be 9.0 or 11.3, not %s\n' "$LIBVIRT" >&2; exit 2 ;;
esac
if [ -z "$CHROOT" ]; then
  URI="qemu:///system"
  STATE_DIR="/run/kvmxml-lab-state"
  OTHER_PIDFILE="${KVMXML_LAB_CHROOT:-$DEFAULT_CHROOT}/run/libvirtd.pid"
  OTHER=11.3 OTHER_STATE_DIR="/run/kvmxml-lab-state-11.3"
else
  URI="qemu+unix:///system?socket=$CHROOT/run/libvirt/libvirt-sock"
  STATE_DIR="/run/kvmxml-lab-state-$LIBVIRT"
  OTHER_PIDFILE="/run/libvirtd.pid"
  OTHER=9.0 OTHER_STATE_DIR="/run/kvmxml-lab-state"
fi
# The selected libvirt's files, as the host sees them.
QEMU_CONF="$CHROOT/etc/libvirt/qemu.conf"
LIBVIRTD_PID="$CHROOT/run/libvirtd.pid"
VIRTLOGD_PID="$CHROOT/run/virtlogd.pid"
# Lab mounts, as the host sees them.
HOST_LAB_ROOT="$CHROOT$LAB_ROOT"

log() { printf 'libvirt-lab: %s\n' "$*" >&2; }
die() { printf 'libvirt-lab: error: %s\n' "$*" >&2; exit 1; }

# Runs a command of the selected libvirt: inside its chroot, or on the host.
in_root() { if [ -n "$CHROOT" ]; then chroot "$CHROOT" "$@"; else "$@"; fi; }

# Starts a daemon with no descriptor but stdin/stdout/stderr: one inherited from a caller (the
# lab lock taken with flock(1), a pipe) would stay open in the daemon for as long as it runs.
spawn_daemon() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd="${fd##*/}"
      [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
    done
    "$@"
  )
}

need_root() {
  [ "$(id -u)" = 0 ] || die "must run as root (libvirtd, huge page pools and mounts need it)"
}

take_lock() {
  if [ "${KVMXML_LAB_LOCK_HELD:-}" = 1 ]; then return 0; fi
  exec 9>"$LOCK"
  if ! flock -w 900 9; then die "another process holds $LOCK (it drives libvirtd and the pools)"; fi
}

virsh_q() { virsh -q -c "$URI" "$@"; }

answers() { timeout 10 virsh -c "$URI" version >/dev/null 2>&1; }

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

pid_of() { # pidfile -> pid when that process is alive
  local f="$1" p
  [ -r "$f" ] || return 1
  p="$(tr -dc 0-9 <"$f")"
  pid_alive "$p" && printf '%s' "$p"
}

# ---------------------------------------------------------------------------------------------
# setup

cmd_setup() {
  need_root
  take_lock
  if [ -n "$CHROOT" ]; then setup_chroot; return; fi
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${PACKAGES[@]}"
  else
    log "packages already installed"
  fi
  getent group kvm >/dev/null || groupadd -f kvm
  getent group libvirt-qemu >/dev/null || groupadd -f libvirt-qemu
  getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu -G kvm libvirt-qemu
  mkdir -p /var/log/libvirt /var/lib/libvirt /var/cache/libvirt /run/libvirt /etc/libvirt
  write_qemu_conf
  log "setup done"
}

# The Debian mirror this machine already uses (apt's deb822 or one-line sources).
host_mirror() { # debian | security
  local uri
  uri="$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { print $2 }'
           grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{ print $2 }'; } |
         if [ "$1" = security ]; then grep security; else grep -v security; fi | head -1 || true)"
  [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list*"
  printf '%s' "$uri"
}

chroot_mounts_up() {
  local d
  for d in proc sys dev dev/pts; do
    mkdir -p "$CHROOT/$d"
    mountpoint -q "$CHROOT/$d" || mount --bind "/$d" "$CHROOT/$d"
  done
  if [ -d /sys/fs/cgroup ] && ! mountpoint -q "$CHROOT/sys/fs/cgroup"; then mount --rbind /sys/fs/cgroup "$CHROOT/sys/fs/cgroup"; fi
  mkdir -p "$CHROOT/run/libvirt" "$CHROOT/var/log/libvirt" "$CHROOT/var/lib/libvirt" "$CHROOT/var/cache/libvirt"
}

chroot_mounts_down() {
  local d
  [ -d "$CHROOT" ] || return 0
  for d in sys/fs/cgroup dev/pts dev sys proc; do
    if mountpoint -q "$CHROOT/$d" 2>/dev/null; then umount -R "$CHROOT/$d" 2>/dev/null || umount -l "$CHROOT/$d" || true; fi
  done
}

# libvirt 11.3 + QEMU 10.0 from bookworm-backports in a Debian 12 chroot (a few minutes the first time).
setup_chroot() {
  local mirror security
  mirror="$(host_mirror debian)"
  security="$(host_mirror security)"
  if [ ! -x "$CHROOT/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || { apt-get update; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap; }
    log "creating a Debian 12 chroot in $CHROOT"
    mkdir -p "$CHROOT"
    debootstrap --variant=minbase --include=python3,ca-certificates bookworm "$CHROOT" "$mirror" >/dev/null
  fi
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\ndeb %s bookworm-backports main\n' \
    "$mirror" "$mirror" "$security" "$mirror" >"$CHROOT/etc/apt/sources.list"
  cp -L /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
  chroot_mounts_up
  if ! chroot "$CHROOT" dpkg-query -W -f='${Status}' libvirt-daemon-driver-qemu 2>/dev/null | grep -q 'install ok installed'; then
    log "installing libvirt and QEMU from bookworm-backports in the chroot"
    chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports "${PACKAGES[@]}" >/dev/null
  else
    log "chroot packages already installed"
  fi
  chroot "$CHROOT" sh -c 'getent group kvm >/dev/null || groupadd -f kvm; getent group libvirt-qemu >/dev/null || groupadd -f libvirt-qemu; getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu -G kvm libvirt-qemu'
  mkdir -p "$CHROOT/etc/libvirt"
  write_qemu_conf
  log "setup done ($(chroot "$CHROOT" /usr/sbin/libvirtd --version 2>/dev/null))"
  # the bind mounts stay only while this libvirt runs: the host's libvirtd would see them too
  pid_of "$LIBVIRTD_PID" >/dev/null || chroot_mounts_down
}

# The sandbox settings live in one marked block; any other line of qemu.conf is kept.
# A chroot's / is not a mount point, so its libvirt gets no per-domain mount namespace.
write_qemu_conf() {
  local begin='# BEGIN kvmxml-lab (scripts/libvirt-lab.sh)' end='# END kvmxml-lab' tmp
  tmp="$(mktemp)"
  if [ -f "$QEMU_CONF" ]; then
    awk -v b="$begin" -v e="$end" '
      $0 == b { skip = 1; next }
      $0 == e { skip = 0; next }
      skip { next }
      /^[[:space:]]*(user|group|dynamic_ownership|remember_owner|security_driver|namespaces)[[:space:]]*=/ { next }
      { print }' "$QEMU_CONF" >"$tmp"
  fi
  cat >>"$tmp" <<EOF
$begin
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
EOF
  if [ -n "$CHROOT" ]; then echo 'namespaces = [ ]' >>"$tmp"; fi
  echo "$end" >>"$tmp"
  if [ -f "$QEMU_CONF" ] && cmp -s "$tmp" "$QEMU_CONF"; then rm -f "$tmp"; return 0; fi
  install -m 0644 "$tmp" "$QEMU_CONF"
  rm -f "$tmp"
  log "wrote sandbox settings to $QEMU_CONF"
}

# ---------------------------------------------------------------------------------------------
# daemons

start_virtlogd() {
  if pid_of "$VIRTLOGD_PID" >/dev/null; then return 0; fi
  spawn_daemon in_root /usr/sbin/virtlogd -d
  touch "$STATE_DIR/started-virtlogd"
}

start_libvirtd() {
  if pid_of "$LIBVIRTD_PID" >/dev/null; then return 0; fi
  spawn_daemon in_root /usr/sbin/libvirtd -d
  touch "$STATE_DIR/started-libvirtd"
  record_daemon_mounts
}

wait_answer() {
  local deadline=$((SECONDS + TIMEOUT))
  until answers; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "libvirtd did not answer 'virsh -c $URI version' within ${TIMEOUT}s (see $CHROOT/var/log/libvirt/ and run '/usr/sbin/libvirtd -v' by hand)"
    fi
    sleep 0.3
  done
}

stop_pid() { # pidfile name
  local p
  p="$(pid_of "$1")" || return 0
  kill -TERM "$p"
  for _ in $(seq 1 100); do pid_alive "$p" || return 0; sleep 0.1; done
  # a daemon whose heap is damaged may hang in its own shutdown (libvirt 9.0: see test/libvirt/lab.ts)
  log "$2 (pid $p) did not exit within 10s of SIGTERM; sending SIGKILL"
  kill -KILL "$p" 2>/dev/null || true
  for _ in $(seq 1 50); do pid_alive "$p" || return 0; sleep 0.1; done
  die "$2 (pid $p) did not exit after SIGKILL"
}

# hugetlbfs mounts as libvirtd saw them when it started (it never rescans).
current_hugetlbfs() { awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts | sort; }
record_daemon_mounts() { current_hugetlbfs >"$STATE_DIR/daemon-mounts"; }

cmd_start() {
  need_root
  take_lock
  mkdir -p "$STATE_DIR"
  command -v virsh >/dev/null && [ -x "$CHROOT/usr/sbin/libvirtd" ] || die "libvirt $LIBVIRT is not installed: run 'KVMXML_LAB_LIBVIRT=$LIBVIRT scripts/libvirt-lab.sh setup'"
  # huge page pools are machine-wide: one libvirt at a time (the lock is held, so nobody uses it)
  if pid_of "$OTHER_PIDFILE" >/dev/null; then
    if [ -f "$OTHER_STATE_DIR/started-libvirtd" ]; then
      log "stopping the lab's libvirt $OTHER first"
      KVMXML_LAB_LIBVIRT="$OTHER" KVMXML_LAB_LOCK_HELD=1 bash "$0" stop
    else
      die "libvirt $OTHER's daemon runs ($OTHER_PIDFILE) and was not started by this lab: stop it first (huge page pools are machine-wide: one libvirt at a time)"
    fi
  fi
  if [ -n "$CHROOT" ]; then chroot_mounts_up; fi
  mkdir -p "$CHROOT/var/log/libvirt" "$CHROOT/var/lib/libvirt" "$CHROOT/var/cache/libvirt" "$CHROOT/run/libvirt"
  start_virtlogd
  # a libvirtd that runs but does not answer (a hang) is replaced, not waited on
  if pid_of "$LIBVIRTD_PID" >/dev/null && ! answers && ! answers; then
    log "libvirtd (pid $(pid_of "$LIBVIRTD_PID")) runs but does not answer; starting it afresh"
    stop_pid "$LIBVIRTD_PID" libvirtd
  fi
  start_libvirtd
  wait_answer
  [ -f "$STATE_DIR/daemon-mounts" ] || record_daemon_mounts
  log "libvirtd answers (libvirt $(virsh -c "$URI" version --daemon 2>/dev/null | awk '/Running against daemon/ {print $NF}'), QEMU $(virsh -c "$URI" version 2>/dev/null | awk '/Running hypervisor/ {print $NF}'))"
}

do_restart() {
  pid_of "$LIBVIRTD_PID" >/dev/null || touch "$STATE_DIR/started-libvirtd"
  stop_pid "$LIBVIRTD_PID" libvirtd
  spawn_daemon in_root /usr/sbin/libvirtd -d
  record_daemon_mounts
  wait_answer
}

cmd_restart() {
  need_root
  take_lock
  mkdir -p "$STATE_DIR"
  do_restart
  log "libvirtd restarted"
}

cmd_stop() {
  need_root
  take_lock
  mkdir -p "$STATE_DIR"
  do_reset norestart
  if [ -f "$STATE_DIR/started-libvirtd" ]; then
    stop_pid "$LIBVIRTD_PID" libvirtd
    rm -f "$STATE_DIR/started-libvirtd" "$STATE_DIR/daemon-mounts"
    log "libvirtd stopped"
  else
    log "libvirtd was not started by this lab; left running"
  fi
  if [ -f "$STATE_DIR/started-virtlogd" ]; then
    stop_pid "$VIRTLOGD_PID" virtlogd
    rm -f "$STATE_DIR/started-virtlogd"
    log "virtlogd stopped"
  fi
  if [ -n "$CHROOT" ] && ! pid_of "$LIBVIRTD_PID" >/dev/null && ! pid_of "$VIRTLOGD_PID" >/dev/null; then chroot_mounts_down; fi
  rmdir "$STATE_DIR" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# huge page pools and mounts

pool_sizes() { for d in "$HP_SYS"/hugepages-*kB; do [ -d "$d" ] && basename "$d" | tr -dc 0-9 && echo; done; }
pool_file() { printf '%s/hugepages-%skB/%s' "$HP_SYS" "$1" "$2"; }
pool_get() { cat "$(pool_file "$1" "$2")"; }

remember_pools() { # the values found before the lab first changed anything
  [ -f "$STATE_DIR/orig-pools" ] && return 0
  local s
  for s in $(pool_sizes); do printf '%s %s\n' "$s" "$(pool_get "$s" nr_hugepages)"; done >"$STATE_DIR/orig-pools.tmp"
  mv "$STATE_DIR/orig-pools.tmp" "$STATE_DIR/orig-pools"
}

# Gigantic (1 GiB) pages need contiguous memory, and memory reaches this machine gradually:
# make the kernel take some by reserving 2 MiB pages (about as much as wanted), then give them back.
warm_up_memory() { # extra_2MiB_pages
  local small small_orig
  small="$(pool_file 2048 nr_hugepages)"
  [ -w "$small" ] || return 0
  small_orig="$(cat "$small")"
  echo $((small_orig + $1)) >"$small" || true
  echo "$small_orig" >"$small" || true
}

set_pool() { # size_kib pages ; exact or fail
  local size="$1" want="$2" f got extra
  f="$(pool_file "$size" nr_hugepages)"
  [ -w "$f" ] || die "this kernel has no ${size} KiB huge pages ($f missing)"
  got="$(cat "$f")"
  [ "$got" = "$want" ] && return 0
  if [ "$size" -gt 2048 ] && [ "$want" -gt "$got" ]; then
    warm_up_memory $(((want - got) * size / 2048))
  fi
  echo "$want" >"$f" || true
  got="$(cat "$f")"
  if [ "$got" != "$want" ] && [ "$size" -gt 2048 ] && [ "$want" -gt "$got" ]; then
    for extra in 1024 2048 4096; do
      warm_up_memory "$extra"
      echo "$want" >"$f" || true
      got="$(cat "$f")"
      [ "$got" = "$want" ] && break
    done
  fi
  if [ "$got" != "$want" ]; then
    die "kernel gave $got of $want requested ${size} KiB huge pages (HOST_SHORT)"
  fi
}

mount_pagesize_kib() { # 2M / 1G / 2048K / 1024M -> KiB
  local v="$1" n u
  n="${v%%[!0-9]*}"; u="${v#"$n"}"
  case "$u" in
    ''|K|k|KB|kB) echo "$n" ;;
    M|m|MB) echo $((n * 1024)) ;;
    G|g|GB) echo $((n * 1024 * 1024)) ;;
    *) die "unknown page size '$v'" ;;
  esac
}

lab_mounts() { awk -v r="$HOST_LAB_ROOT/" '$3 == "hugetlbfs" && index($2, r) == 1 { print $2 }' /proc/mounts; }

unmount_lab() { # path
  local p="$1"
  umount "$p" 2>/dev/null || { sleep 0.5; umount "$p"; }
  rmdir "$p" 2>/dev/null || true
}

# SPEC -> lines "pool SIZE N" and "mount PATH KIB", checked and normalised by node.
parse_spec() {
  local spec="$1"
  if [ -f "$spec" ]; then spec="$(cat "$spec")"; fi
  SPEC="$spec" LAB_ROOT="$LAB_ROOT" node -e '
    const spec = JSON.parse(process.env.SPEC || "{}") ?? {};
    const root = process.env.LAB_ROOT + "/";
    for (const [size, n] of Object.entries(spec.hugepages ?? {})) {
      if (!/^[0-9]+$/.test(size) || !Number.isInteger(n) || n < 0) throw new Error(`bad pool ${size}: ${n}`);
      console.log(`pool ${size} ${n}`);
    }
    for (const m of spec.mounts ?? []) {
      if (typeof m.path !== "string" || !m.path.startsWith(root) || /\s|\.\./.test(m.path))
        throw new Error(`mount path must be under ${root}: ${m.path}`);
      if (m.pagesize !== undefined && !/^[0-9]+[KMG]?$/.test(m.pagesize)) throw new Error(`bad pagesize ${m.pagesize}`);
      console.log(`mount ${m.path} ${m.pagesize ?? "-"}`);
    }'
}

apply_pools() { # file of lines "SIZE N"; every other size goes to 0
  local want_file="$1" s n
  while read -r s n; do
    [ "$n" = 0 ] || [ -d "$HP_SYS/hugepages-${s}kB" ] || die "this kernel has no ${s} KiB huge pages (HOST_SHORT)"
  done <"$want_file"
  # shrink first, then grow, so memory freed by one size can serve the other
  for s in $(pool_sizes); do
    n="$(awk -v s="$s" '$1 == s { print $2 }' "$want_file")"; n="${n:-0}"
    [ "$n" -lt "$(pool_get "$s" nr_hugepages)" ] && set_pool "$s" "$n"
  done
  for s in $(pool_sizes); do
    n="$(awk -v s="$s" '$1 == s { print $2 }' "$want_file")"; n="${n:-0}"
    set_pool "$s" "$n"
  done
}

cmd_apply_host() {
  need_root
  take_lock
  mkdir -p "$STATE_DIR"
  local spec="${1:-}" lines pools mounts changed=0 p k opt
  [ -n "$spec" ] || spec='{}'
  lines="$(parse_spec "$spec")" || die "bad host spec: $spec"
  pools="$(mktemp)"; mounts="$(mktemp)"
  printf '%s\n' "$lines" | awk '$1 == "pool" { print $2, $3 }' >"$pools"
  printf '%s\n' "$lines" | awk -v c="$CHROOT" '$1 == "mount" { print c $2, $3 }' >"$mounts"
  # a page size the kernel does not offer is this machine's limit, not an error of the spec
  while read -r p opt; do
    [ -n "$p" ] && [ "$opt" != - ] || continue
    k="$(mount_pagesize_kib "$opt")"
    [ -d "$HP_SYS/hugepages-${k}kB" ] || die "this kernel has no ${k} KiB huge pages for a pagesize=$opt mount (HOST_SHORT)"
  done <"$mounts"
  while read -r k n; do
    [ "$n" = 0 ] || [ -d "$HP_SYS/hugepages-${k}kB" ] || die "this kernel has no ${k} KiB huge pages (HOST_SHORT)"
  done <"$pools"
  remember_pools
  # mounts: drop lab mounts not wanted (or with another page size), add missing ones
  while read -r p; do
    [ -n "$p" ] || continue
    opt="$(awk -v p="$p" '$1 == p { print $2 }' "$mounts")"
    if [ -z "$opt" ]; then unmount_lab "$p"; continue; fi
    if [ "$opt" != - ]; then
      k="$(mount_pagesize_kib "$opt")"
      if [ "$(stat -f -c %S "$p")" != $((k * 1024)) ]; then unmount_lab "$p"; fi
    fi
  done < <(lab_mounts)
  while read -r p opt; do
    [ -n "$p" ] || continue
    if ! lab_mounts | grep -qxF "$p"; then
      mkdir -p "$p"
      if [ "$opt" = - ]; then mount -t hugetlbfs hugetlbfs "$p"
      else mount -t hugetlbfs -o "pagesize=$opt" hugetlbfs "$p"; fi
    fi
  done <"$mounts"
  apply_pools "$pools"
  rm -f "$pools" "$mounts"
  # libvirtd knows only the mounts present when it started
  if pid_of "$LIBVIRTD_PID" >/dev/null && ! current_hugetlbfs | cmp -s - "$STATE_DIR/daemon-mounts"; then
    do_restart
    changed=1
  fi
  if [ "$changed" = 1 ]; then log "host applied: $(host_summary) (libvirtd restarted)"
  else log "host applied: $(host_summary)"; fi
}

host_summary() {
  local s out=""
  for s in $(pool_sizes); do out+="${s}kB=$(pool_get "$s" nr_hugepages)/$(pool_get "$s" free_hugepages)free "; done
  out+="mounts=[$(current_hugetlbfs | tr '\n' ' ' | sed 's/ $//')]"
  printf '%s' "$out"
}

lab_domains() { virsh_q list --all --name 2>/dev/null | awk -v p="$PREFIX" 'index($0, p) == 1'; }

do_reset() { # [norestart]
  local d p s n restart=0
  if answers; then
    for d in $(lab_domains); do
      virsh_q destroy "$d" >/dev/null 2>&1 || true
      virsh_q undefine "$d" >/dev/null 2>&1 || true
    done
  fi
  for p in $(lab_mounts); do unmount_lab "$p"; done
  rmdir "$HOST_LAB_ROOT" 2>/dev/null || true
  if [ -f "$STATE_DIR/orig-pools" ]; then
    # shrink first, then grow back to what was there before
    while read -r s n; do [ "$n" -lt "$(pool_get "$s" nr_hugepages)" ] && set_pool "$s" "$n"; done <"$STATE_DIR/orig-pools"
    while read -r s n; do set_pool "$s" "$n"; done <"$STATE_DIR/orig-pools"
    rm -f "$STATE_DIR/orig-pools"
  fi
  if pid_of "$LIBVIRTD_PID" >/dev/null && [ -f "$STATE_DIR/daemon-mounts" ] &&
     ! current_hugetlbfs | cmp -s - "$STATE_DIR/daemon-mounts"; then
    restart=1
  fi
  if [ "$restart" = 1 ] && [ "${1:-}" != norestart ]; then do_restart; fi
}

cmd_reset() {
  need_root
  take_lock
  mkdir -p "$STATE_DIR"
  do_reset
  log "reset: $(host_summary)"
}

cmd_status() {
  local p
  echo "libvirt: $LIBVIRT${CHROOT:+ (chroot $CHROOT)}, $URI"
  if p="$(pid_of "$LIBVIRTD_PID")"; then echo "libvirtd: running (pid $p)"; else echo "libvirtd: not running"; fi
  if p="$(pid_of "$VIRTLOGD_PID")"; then echo "virtlogd: running (pid $p)"; else echo "virtlogd: not running"; fi
  echo "host: $(host_summary)"
  if [ -f "$STATE_DIR/daemon-mounts" ]; then echo "libvirtd saw mounts: [$(tr '\n' ' ' <"$STATE_DIR/daemon-mounts" | sed 's/ $//')]"; fi
  if answers; then echo "lab domains: $(lab_domains | tr '\n' ' ')"; fi
}

case "${1:-}" in
  setup) cmd_setup ;;
  start) cmd_start ;;
  restart) cmd_restart ;;
  apply-host) shift; cmd_apply_host "${1:-}" ;;
  reset) cmd_reset ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  available) answers ;;
  uri) printf '%s\n' "$URI" ;;
  schemas) printf '%s\n' "$CHROOT/usr/share/libvirt/schemas" ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
