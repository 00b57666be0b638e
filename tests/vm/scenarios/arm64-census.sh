# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# The page census with 4 KiB pages on arm64 (blocks from memory8, pfn
# 0x40000): a light load (page cache, mlocked memory, dentries), then per
# online block `memtopo show N -J` and, right after it, the block's raw
# page flags (vm-kpageflags); the census of all blocks (`list -a -o
# +OFFLINE -J`) last. Boot memory never goes offline on arm64, so nothing
# here writes: the census is judged against the flags, not against writes.
# Host side: arm64-census.py.
LOAD=/mnt/load
mkdir -p $LOAD
mount -t tmpfs -o size=512M load $LOAD || vm_fail "mount tmpfs on $LOAD failed"
taskset 1 vm-mlock 64 >/tmp/mlock0 2>&1 &
ml0=$!
taskset 2 dd if=/dev/zero of=$LOAD/big bs=1M count=128 2>/dev/null
# shellcheck disable=SC2016
taskset 1 awk -v dir=$LOAD 'BEGIN { for (i = 0; i < 5000; i++) { f = dir "/e" i; printf "" > f; close(f) } }'
tries=100
until grep -q locked /tmp/mlock0; do
	tries=$((tries - 1))
	[ "$tries" -gt 0 ] || vm_fail "vm-mlock: $(cat /tmp/mlock0)"
	sleep 0.1
done
online=$(vm_blocks_in online)
vm_value online "$online"
: >/tmp/flags
mkdir -p /tmp/show
for b in $online; do
	memtopo show "$b" -J >"/tmp/show/$b" 2>"/tmp/show/$b.err"
	echo "$?" >"/tmp/show/$b.rc"
	vm-kpageflags "$b" >>/tmp/flags
done
vm_blob flags /tmp/flags 0
for b in $online; do
	vm_blob "show$b" "/tmp/show/$b" "$(cat "/tmp/show/$b.rc")"
	vm_blob "show$b.err" "/tmp/show/$b.err" 0
done
vm_memtopo census list -a -o +OFFLINE -J
kill $ml0
