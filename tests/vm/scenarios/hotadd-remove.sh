# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Hot-add a 512M pc-dimm to node 1, online its blocks Movable with plain
# writes, offline them, remove the DIMM (host waits for DEVICE_DELETED).
# Host side: hotadd-remove.py.
before=$(vm_blocks)
vm_snapshot before
vm_req hotadd 512M 1 dimm1 || vm_fail "hotadd 512M to node 1: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 4 10 || vm_fail "hot-add: no new memory blocks within 10 s"
vm_value new_blocks "$VM_NEW"
vm_snapshot added
for b in $VM_NEW; do
	vm_state "$b" online_movable || vm_fail "echo online_movable > memory$b/state: $VM_ERR"
done
vm_snapshot onlined
vm_memtopo show_new show "${VM_NEW%% *}" -J
for b in $VM_NEW; do
	vm_state "$b" offline || vm_fail "echo offline > memory$b/state: $VM_ERR"
done
vm_snapshot offlined
vm_req remove dimm1 10 || vm_fail "remove dimm1: host replied: $VM_REPLY"
vm_wait_gone "$VM_NEW" 10 || vm_fail "DEVICE_DELETED came but blocks remain after 10 s: $VM_ERR"
vm_snapshot removed
