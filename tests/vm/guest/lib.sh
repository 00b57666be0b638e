# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3045,SC2034
# (SC3045: busybox ash has read -t; SC2034: VM_* are for the scenarios)
#
# Guest-side helpers for the vm suite (busybox ash; sourced by /init and, in a
# subshell, by every scenario script). The guest only acts and collects raw
# data; the host (tests/vm/run-vm.py + vmlib.py) decides pass/fail.
#
# Control channel: $VM_CTL (/dev/ttyS1, hvc1 or hvc0 by architecture), opened
# once as fd 3 in raw mode. Guest -> host
# lines (the host answers only REQ and DONE):
#   HELLO <uname -r>
#   BEGIN <scenario>
#   REQ <seq> <request...>          host answers "REP <seq> ok|refused|timeout|error <detail>"
#   BLOB <name> <rc>                then the data, every line prefixed by "|", then "END"
#   NOTE <text>                     free text for the host's report
#   VERDICT <scenario> PASS|FAIL <message>
#   DONE                            host answers "BYE" (then the guest powers off)
# Requests the host understands (run-vm.py handle_request):
#   hotadd SIZE NODE ID             object-add + device_add pc-dimm (node NODE)
#   remove ID [SECS]                device_del ID, wait SECS (10) for DEVICE_DELETED:
#                                   ok / refused (none in time, or none 1 s after
#                                   the guest's ACPI _OST reported the eject failed)
#   vmem SIZE [SECS]                qom-set vmem0 requested-size SIZE, wait SECS (30)
#                                   until the device's size reaches it: ok / timeout
# Cost model: every fork (cat, sleep, memtopo) costs ~10 ms under TCG; tests
# ([ ]), echo, read, for and case are builtins.

SYS_MEM=/sys/devices/system/memory
SYS_NODE=/sys/devices/system/node
VM_SEQ=0
VM_REPLY=
VM_ERR=
VM_NEW=

vm_send() {
	printf '%s\n' "$*" >&3
}

vm_log() {
	echo "memtopo-vm: $*"
	vm_send "NOTE $*"
}

# Fail the current scenario (call at the top level of a scenario script, not
# inside $(...) or a pipeline: it exits the scenario's subshell).
vm_fail() {
	echo "$*" >/tmp/vm-fail
	echo "memtopo-vm: FAIL: $*"
	exit 1
}

# Send FILE as blob NAME with status RC.
vm_blob() {
	vm_send "BLOB $1 $3"
	awk '{ print "|" $0 }' "$2" >&3
	vm_send "END"
}

# Send a value (one line) as blob NAME.
vm_value() {
	_n=$1
	shift
	printf '%s\n' "$*" >/tmp/vm-value
	vm_blob "$_n" /tmp/vm-value 0
}

# vm_run NAME CMD...: run CMD, send its stdout as blob NAME (with the exit
# status) and its stderr as blob NAME.err. Sets VM_RC.
vm_run() {
	_n=$1
	shift
	"$@" >/tmp/vm-out 2>/tmp/vm-err
	VM_RC=$?
	vm_blob "$_n" /tmp/vm-out "$VM_RC"
	vm_blob "$_n.err" /tmp/vm-err "$VM_RC"
	return 0
}

vm_memtopo() {
	_n=$1
	shift
	vm_run "$_n" memtopo "$@"
}

# vm_req REQUEST...: ask the host, wait for its answer (up to 120 s).
# VM_REPLY = "<status> <detail>"; returns 0 only for "ok".
vm_req() {
	VM_SEQ=$((VM_SEQ + 1))
	vm_send "REQ $VM_SEQ $*"
	while :; do
		if ! read -r -t 120 _line <&3; then
			VM_REPLY="timeout (no reply from the host in 120 s)"
			return 1
		fi
		case "$_line" in
		"REP $VM_SEQ "*) break ;;
		esac
	done
	VM_REPLY=${_line#REP "$VM_SEQ" }
	vm_log "request '$*' -> $VM_REPLY"
	case "$VM_REPLY" in
	ok*) return 0 ;;
	esac
	return 1
}

# Independent view of sysfs, sent as blob NAME: every attribute memtopo's list
# and check rely on (never `removable`), node links both ways with the
# kernel's own answer to "does the target exist", and the link targets.
vm_sysfs_dump() {
	{
		grep -H '' $SYS_MEM/block_size_bytes $SYS_MEM/auto_online_blocks \
			$SYS_MEM/memory[0-9]*/state $SYS_MEM/memory[0-9]*/phys_index \
			$SYS_MEM/memory[0-9]*/valid_zones $SYS_MEM/memory[0-9]*/online \
			$SYS_NODE/possible $SYS_NODE/online $SYS_NODE/has_memory \
			$SYS_NODE/has_normal_memory $SYS_NODE/has_cpu \
			$SYS_NODE/node[0-9]*/meminfo 2>&1
		_links=
		for _l in "$SYS_MEM"/memory[0-9]*/node[0-9]* "$SYS_NODE"/node[0-9]*/memory[0-9]*; do
			[ -L "$_l" ] || continue
			_links="$_links $_l"
			if [ -e "$_l" ]; then echo "link:$_l:ok"; else echo "link:$_l:dangling"; fi
		done
		# shellcheck disable=SC2086
		[ -z "$_links" ] || stat -c 'target:%n|%N' $_links 2>&1
	} >/tmp/vm-dump
	vm_blob "$1" /tmp/vm-dump 0
}

# vm_snapshot TAG: sysfs dump, memtopo list -J, list -J -a, check -J, and a
# second dump (the host checks nothing changed in between).
vm_snapshot() {
	vm_sysfs_dump "$1.sysfs0"
	vm_memtopo "$1.list" list -J
	vm_memtopo "$1.list_all" list -J -a
	vm_memtopo "$1.check" check -J
	vm_sysfs_dump "$1.sysfs1"
}

# Present block ids, space separated.
vm_blocks() {
	_ids=
	for _d in "$SYS_MEM"/memory[0-9]*; do
		[ -d "$_d" ] && _ids="$_ids ${_d##*/memory}"
	done
	echo "$_ids"
}

_vm_in_list() {
	case " $2 " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# vm_wait_new_blocks "BEFORE" COUNT SECS: wait until at least COUNT blocks not
# in BEFORE exist (then 0.2 s more, so a late extra block shows up too).
# Sets VM_NEW (sorted ids).
vm_wait_new_blocks() {
	_tries=$(($3 * 20))
	while :; do
		VM_NEW=
		_c=0
		for _b in $(vm_blocks); do
			_vm_in_list "$_b" "$1" && continue
			VM_NEW="$VM_NEW $_b"
			_c=$((_c + 1))
		done
		[ "$_c" -ge "$2" ] && break
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.05
	done
	sleep 0.2
	VM_NEW=
	for _b in $(vm_blocks); do
		_vm_in_list "$_b" "$1" || VM_NEW="$VM_NEW $_b"
	done
	# shellcheck disable=SC2086
	VM_NEW=$(printf '%s\n' $VM_NEW | sort -n | tr '\n' ' ')
	VM_NEW=${VM_NEW% }
	return 0
}

# vm_wait_gone "IDS" SECS: wait until none of the blocks IDS exists.
vm_wait_gone() {
	_tries=$(($2 * 20))
	while :; do
		_left=
		for _b in $1; do
			[ -d "$SYS_MEM/memory$_b" ] && _left="$_left $_b"
		done
		[ -z "$_left" ] && return 0
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || {
			VM_ERR="still present:$_left"
			return 1
		}
		sleep 0.05
	done
}

# vm_dlpar_hotadd SIZE NODE ID N: pseries DLPAR hot-add of a SIZE pc-dimm ID
# on NODE, which must bring N new blocks within 30 s (else vm_fail); then
# wait (up to 30 s, writing nothing) for the kernel, which onlines
# DLPAR-added LMBs itself. VM_NEW and the blob new_blocks: the new blocks.
vm_dlpar_hotadd() {
	_before=$(vm_blocks)
	vm_req hotadd "$1" "$2" "$3" || vm_fail "hotadd $1 to node $2: host replied: $VM_REPLY"
	vm_wait_new_blocks "$_before" "$4" 30 || vm_fail "hot-add: $4 new memory blocks did not come within 30 s"
	vm_value new_blocks "$VM_NEW"
	_tries=300
	while [ "$_tries" -gt 0 ]; do
		_left=
		for _b in $VM_NEW; do
			[ "$(cat "$SYS_MEM/memory$_b/state")" = online ] || _left=x
		done
		[ -z "$_left" ] && return 0
		_tries=$((_tries - 1))
		sleep 0.1
	done
	return 0
}

# vm_state BLOCK VALUE: plain write to memoryBLOCK/state (the guest may write
# its own sysfs). On failure VM_ERR holds the shell's error message.
vm_state() {
	if echo "$2" >"$SYS_MEM/memory$1/state" 2>/tmp/vm-werr; then
		return 0
	fi
	VM_ERR=$(cat /tmp/vm-werr)
	return 1
}

# Load virtio-mem from /modules, in dependency order (the package ships no
# modules.dep). Modules already loaded or built in are skipped.
vm_load_virtio_mem() {
	for _m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
		virtio_pci virtio_mem; do
		[ -d /sys/module/$_m ] && continue
		[ -f /modules/$_m.ko ] || {
			VM_ERR="/modules/$_m.ko missing"
			return 1
		}
		insmod /modules/$_m.ko 2>/tmp/vm-werr || {
			VM_ERR="insmod $_m: $(cat /tmp/vm-werr)"
			return 1
		}
	done
	return 0
}

# vm_wait_path GLOB SECS: wait until GLOB matches an existing path.
vm_wait_path() {
	_tries=$(($2 * 20))
	while :; do
		for _p in $1; do
			[ -e "$_p" ] && return 0
		done
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.05
	done
}

# vm_csv "IDS": the ids comma separated (memtopo --blocks).
vm_csv() {
	# shellcheck disable=SC2086
	set -- $1
	_out=$1
	shift
	for _b in "$@"; do
		_out="$_out,$_b"
	done
	echo "$_out"
}

# Blocks in STATE (online / offline), sorted, space separated.
vm_blocks_in() {
	_ids=
	for _d in "$SYS_MEM"/memory[0-9]*; do
		[ "$(cat "$_d/state")" = "$1" ] && _ids="$_ids ${_d##*/memory}"
	done
	# shellcheck disable=SC2086
	_ids=$(printf '%s\n' $_ids | sort -n | tr '\n' ' ')
	echo "${_ids% }"
}

# vm_wait_uevent_listener PID SECS: wait until process PID has a uevent
# netlink socket (NETLINK_KOBJECT_UEVENT = 15) bound, i.e. it will hear the
# next uevent. /proc/net/netlink: sk Eth Pid(portid) Groups ...
vm_wait_uevent_listener() {
	_tries=$(($2 * 20))
	while :; do
		awk -v p="$1" '$2 == 15 && $3 == p && $4 != "00000000" { f = 1 } END { exit !f }' \
			/proc/net/netlink && return 0
		vm_running "$1" || {
			VM_ERR="process $1 exited"
			return 1
		}
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || {
			VM_ERR="no uevent socket of pid $1 in /proc/net/netlink after $2 s"
			return 1
		}
		sleep 0.05
	done
}

# True while process PID runs (a zombie, exited but not yet waited for,
# does not count).
vm_running() {
	[ -r "/proc/$1/stat" ] || return 1
	case "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" in
	Z | X | "") return 1 ;;
	esac
	return 0
}

# vm_wait_pid PID SECS: wait for background PID (a child of this shell) to
# exit; VM_RC = its status, or 124 after killing it when SECS pass.
vm_wait_pid() {
	_tries=$(($2 * 20))
	while vm_running "$1"; do
		_tries=$((_tries - 1))
		if [ "$_tries" -le 0 ]; then
			kill -9 "$1" 2>/dev/null
			wait "$1"
			VM_RC=124
			return 1
		fi
		sleep 0.05
	done
	wait "$1"
	VM_RC=$?
	return 0
}

# Seconds since boot, centisecond resolution (/proc/uptime).
vm_uptime() {
	cut -d' ' -f1 /proc/uptime
}
