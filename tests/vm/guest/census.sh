# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# The page census on a real kernel under load, shared by census-offline
# (x86_64, 4 KiB pages) and pseries-census (64 KiB pages): sourced by their
# scenario scripts, after lib.sh. Load: page cache (files in a tmpfs of
# $CENSUS_TMPFS), mlocked memory ($CENSUS_MLOCK_MIB on each CPU, vm-mlock),
# dentries and inodes (many empty files, many lookups of missing ones).
# Then, twice, the census of all blocks (`memtopo list -a -o +OFFLINE -J`;
# `show` of each before the first, for the record), then every online
# block once: its raw page flags (vm-kpageflags), one plain offline write
# (online again at once, into its zone, if it went) to record what really
# goes. Then `memtopo offline $CENSUS_OFFLINE -J` (census order) and the
# same with --no-census, each put back after. The verdicts are the host's
# (scenarios/census-offline.py).
vm_census_offline() {
	LOAD=/mnt/load
	mkdir -p $LOAD
	mount -t tmpfs -o "size=${CENSUS_TMPFS:-1500M}" load $LOAD || vm_fail "mount tmpfs on $LOAD failed"
	taskset 1 vm-mlock "${CENSUS_MLOCK_MIB:-256}" >/tmp/mlock0 2>&1 &
	ml0=$!
	taskset 2 vm-mlock "${CENSUS_MLOCK_MIB:-256}" >/tmp/mlock1 2>&1 &
	ml1=$!
	# Page cache: two big files and 2 x 1500 files of 16K, one set from each CPU.
	taskset 1 dd if=/dev/zero of=$LOAD/big0 bs=1M count=192 2>/dev/null &
	p0=$!
	taskset 2 dd if=/dev/zero of=$LOAD/big1 bs=1M count=192 2>/dev/null &
	p1=$!
	if ! vm_wait_pid $p0 60 || ! vm_wait_pid $p1 60; then
		vm_fail "dd into $LOAD did not finish in 60 s"
	fi
	# shellcheck disable=SC2016
	small='BEGIN { s = "x"; while (length(s) < 16384) s = s s
		for (i = 0; i < 1500; i++) { f = dir "/s" cpu "_" i; printf "%s", s > f; close(f) } }'
	# Dentries and inodes: 2 x 10000 empty files.
	# shellcheck disable=SC2016
	empty='BEGIN { for (i = 0; i < 10000; i++) { f = dir "/e" cpu "_" i; printf "" > f; close(f) } }'
	for prog in "$small" "$empty"; do
		taskset 1 awk -v dir=$LOAD -v cpu=0 "$prog" &
		p0=$!
		taskset 2 awk -v dir=$LOAD -v cpu=1 "$prog" &
		p1=$!
		if ! vm_wait_pid $p0 60 || ! vm_wait_pid $p1 60; then
			vm_fail "awk writing files did not finish in 60 s"
		fi
	done
	# Negative dentries: lookups of 3000 missing names.
	i=0
	while [ $i -lt 3000 ]; do
		[ -e $LOAD/missing$i ]
		i=$((i + 1))
	done
	tries=100
	until grep -q locked /tmp/mlock0 && grep -q locked /tmp/mlock1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || vm_fail "vm-mlock: $(cat /tmp/mlock0 /tmp/mlock1)"
		sleep 0.1
	done
	vm_run load sh -c "grep -E '^(MemTotal|MemFree|MemAvailable|Mlocked|Unevictable|Shmem|Slab|SReclaimable|SUnreclaim):' /proc/meminfo; ls $LOAD | wc -l; cat /tmp/mlock0 /tmp/mlock1"

	# memtopo's census counts of every online block (`show`, printed for the
	# mispredicted ones), then two rounds of: the census judged, all blocks at
	# once (`list`), and the raw flags of the same blocks right after; then
	# every online block once: its raw flags, one plain offline write, then
	# online again at once (into its zone) if it went. Builtins around the
	# write: nothing else runs meanwhile. Two rounds: twice the sample for the
	# precision and recall targets (one block of ~8 is 12%).
	online=$(vm_blocks_in online)
	vm_value online "$online"
	mkdir -p /tmp/show
	for b in $online; do
		memtopo show "$b" -J >"/tmp/show/$b" 2>"/tmp/show/$b.err"
	done
	sweep_round() {
		vm_memtopo "census$1" list -a -o +OFFLINE -J
		# shellcheck disable=SC2086
		vm_run "kpageflags$1" vm-kpageflags $online
		: >/tmp/sweep
		: >/tmp/sweep-flags
		for b in $online; do
			vm-kpageflags "$b" >>/tmp/sweep-flags
			read -r z <"$SYS_MEM/memory$b/valid_zones"
			read -r t0 _ </proc/uptime
			if echo offline >"$SYS_MEM/memory$b/state" 2>/tmp/werr; then
				r="done"
			else
				read -r r </tmp/werr
				r="failed $r"
			fi
			read -r t1 _ </proc/uptime
			read -r st <"$SYS_MEM/memory$b/state"
			back=-
			if [ "$st" = offline ]; then
				case $z in
				Movable) w=online_movable ;;
				*) w=online_kernel ;;
				esac
				echo $w >"$SYS_MEM/memory$b/state" 2>/dev/null
				read -r st2 <"$SYS_MEM/memory$b/state"
				read -r z2 <"$SYS_MEM/memory$b/valid_zones"
				back=$st2:$z2
			fi
			echo "$b $z $t0 $t1 $st $back $r" >>/tmp/sweep
		done
		vm_blob "sweep$1" /tmp/sweep 0
		vm_blob "sweep-flags$1" /tmp/sweep-flags 0
	}
	sweep_round ""
	sweep_round .2
	for b in $online; do
		vm_blob "show$b" "/tmp/show/$b" 0
		vm_blob "show$b.err" "/tmp/show/$b.err" 0
	done
	vm_sysfs_dump swept.sysfs

	# SIZE mode with and without the census, each put back after.
	for run in census1g nocensus1g; do
		# The kernel's own account of each failed offline (the page it could
		# not isolate), for the host to print.
		dmesg -c >/dev/null 2>&1
		if [ $run = census1g ]; then
			vm_memtopo $run offline "${CENSUS_OFFLINE:-1G}" -J
		else
			vm_memtopo $run offline "${CENSUS_OFFLINE:-1G}" --no-census -J
		fi
		vm_run $run.dmesg dmesg
		vm_sysfs_dump $run.sysfs
		took=$(vm_blocks_in offline)
		[ -n "$took" ] && vm_memtopo $run.putback online --blocks "$(vm_csv "$took")" --to kernel -J
		vm_sysfs_dump $run.back
	done
	vm_snapshot after

	# Unload (a debugging run may boot more scenarios after this one).
	kill $ml0 $ml1
	wait $ml0 $ml1 2>/dev/null
	rm -rf "${LOAD:?}"/*
	umount $LOAD
}
