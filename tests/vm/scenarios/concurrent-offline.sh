# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Two `memtopo offline 256M --node 1 --zone movable --lock-wait 60` started
# together on a hot-added 512M Movable DIMM (node 1): the lock makes them
# take turns, so no block is written by both; together they offline the 4
# blocks. Then the DIMM is removed. Host side: concurrent-offline.py.
before=$(vm_blocks)
vm_req hotadd 512M 1 dimm4 || vm_fail "hotadd 512M to node 1: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 4 10 || vm_fail "hot-add: no new memory blocks within 10 s"
new=$VM_NEW
vm_value new_blocks "$new"
for b in $new; do
	vm_state "$b" online_movable || vm_fail "echo online_movable > memory$b/state: $VM_ERR"
done
vm_snapshot onlined
memtopo offline 256M --node 1 --zone movable --lock-wait 60 -J >/tmp/runA.out 2>/tmp/runA.err &
pa=$!
memtopo offline 256M --node 1 --zone movable --lock-wait 60 -J >/tmp/runB.out 2>/tmp/runB.err &
pb=$!
vm_wait_pid "$pa" 60
vm_blob runA /tmp/runA.out "$VM_RC"
vm_blob runA.err /tmp/runA.err "$VM_RC"
vm_wait_pid "$pb" 60
vm_blob runB /tmp/runB.out "$VM_RC"
vm_blob runB.err /tmp/runB.err "$VM_RC"
vm_snapshot after
# Remove the DIMM (what the kernel does with offline blocks of a DIMM).
for b in $new; do
	[ "$(cat "$SYS_MEM/memory$b/state")" = offline ] || vm_state "$b" offline ||
		vm_fail "cleanup: echo offline > memory$b/state: $VM_ERR"
done
vm_req remove dimm4 10 || vm_fail "remove dimm4: host replied: $VM_REPLY"
vm_wait_gone "$new" 10 || vm_fail "DEVICE_DELETED came but blocks remain after 10 s: $VM_ERR"
