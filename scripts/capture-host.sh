#!/bin/sh
# capture-host.sh DIR [SOURCE_ROOT]
#
# Copy the files `kvmxml snapshot` reads (src/host/take.ts) from this host (or from
# SOURCE_ROOT, default /) into DIR, laid out as on the host, so that
# `kvmxml snapshot --root DIR` gives the same snapshot offline (for bug reports and test
# fixtures). Only reads; copies nothing else. To keep the copy small and free of unrelated
# details, /proc/mounts keeps only the root, hugetlbfs and cgroup lines, and /proc/cpuinfo
# only the first processor (the snapshot looks at nothing else). /dev/kvm and /usr/bin/numad
# are recorded as empty files.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 DIR [SOURCE_ROOT]" >&2
	exit 2
fi
dest=$1
src=${2:-/}
src=${src%/}

# copy REL: copy one file if it exists and is readable; skip it silently otherwise.
copy() {
	[ -f "$src/$1" ] || return 0
	mkdir -p "$dest/$(dirname "$1")"
	cat "$src/$1" >"$dest/$1" 2>/dev/null || rm -f "$dest/$1"
}

# copy_filtered REL AWK_PROGRAM
copy_filtered() {
	[ -f "$src/$1" ] || return 0
	mkdir -p "$dest/$(dirname "$1")"
	awk "$2" "$src/$1" >"$dest/$1" 2>/dev/null || rm -f "$dest/$1"
}

mkdir -p "$dest"

for f in proc/sys/kernel/hostname proc/sys/kernel/osrelease proc/meminfo \
	proc/sys/vm/overcommit_memory \
	sys/devices/system/node/online sys/devices/system/cpu/online \
	sys/kernel/mm/transparent_hugepage/enabled sys/kernel/mm/transparent_hugepage/defrag \
	sys/kernel/mm/ksm/run sys/kernel/mm/ksm/merge_across_nodes \
	sys/kernel/mm/ksm/pages_shared sys/kernel/mm/ksm/pages_sharing \
	sys/module/kvm_intel/parameters/ept sys/module/kvm_amd/parameters/npt; do
	copy "$f"
done

copy_filtered proc/mounts '$2 == "/" || $3 == "hugetlbfs" || $3 == "cgroup" || $3 == "cgroup2"'
copy_filtered proc/cpuinfo 'NF == 0 { print ""; exit } { print }'

for d in "$src"/sys/kernel/mm/hugepages/hugepages-*kB; do
	[ -d "$d" ] || continue
	rel=sys/kernel/mm/hugepages/$(basename "$d")
	mkdir -p "$dest/$rel"
	for f in nr_hugepages free_hugepages resv_hugepages surplus_hugepages nr_overcommit_hugepages; do
		copy "$rel/$f"
	done
done

for n in "$src"/sys/devices/system/node/node[0-9]*; do
	[ -d "$n" ] || continue
	node=sys/devices/system/node/$(basename "$n")
	mkdir -p "$dest/$node"
	copy "$node/meminfo"
	for d in "$n"/hugepages/hugepages-*kB; do
		[ -d "$d" ] || continue
		rel=$node/hugepages/$(basename "$d")
		mkdir -p "$dest/$rel"
		for f in nr_hugepages free_hugepages surplus_hugepages; do
			copy "$rel/$f"
		done
	done
done

# usr/: present, so that a missing usr/bin/numad means "no numad" rather than "unknown".
mkdir -p "$dest/usr/bin"
if [ -e "$src/usr/bin/numad" ]; then
	: >"$dest/usr/bin/numad"
else
	: >"$dest/usr/bin/.keep"
fi

# KSM: the directory's presence says the kernel has KSM.
if [ -d "$src/sys/kernel/mm/ksm" ]; then
	mkdir -p "$dest/sys/kernel/mm/ksm"
fi

# dev/: present, so that a missing dev/kvm means "no /dev/kvm" rather than "unknown".
mkdir -p "$dest/dev"
if [ -e "$src/dev/kvm" ]; then
	: >"$dest/dev/kvm"
else
	: >"$dest/dev/.keep"
fi
