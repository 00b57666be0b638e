# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# A DIMM whose blocks are onlined into a kernel zone (online_kernel): the
# guest refuses the removal (no DEVICE_DELETED), the blocks stay. Leaves the
# DIMM in place (its boot ends with it). Host side: kernel-zone-refused.py.
before=$(vm_blocks)
vm_req hotadd 512M 1 dimm2 || vm_fail "hotadd 512M to node 1: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 4 10 || vm_fail "hot-add: no new memory blocks within 10 s"
vm_value new_blocks "$VM_NEW"
for b in $VM_NEW; do
	vm_state "$b" online_kernel || vm_fail "echo online_kernel > memory$b/state: $VM_ERR"
done
# Pin unmovable kernel memory there: files on the rootfs (ramfs: their
# dentries and inodes stay allocated) created from CPU 1, whose allocations
# prefer node 1's only Normal zone, the one just onlined. Builtins only.
# shellcheck disable=SC2016
taskset 2 sh -c 'mkdir -p /tmp/pin && i=0 && while [ $i -lt 3000 ]; do : >/tmp/pin/f$i; i=$((i + 1)); done' ||
	vm_fail "creating files from CPU 1 failed"
vm_snapshot onlined
# The host answers "refused" when no DEVICE_DELETED arrives in 5 s (or 1 s
# after the guest's ACPI _OST said the eject failed); the verdict on that
# answer is the host's (kernel-zone-refused.py).
vm_req remove dimm2 5
vm_value remove_reply "$VM_REPLY"
vm_snapshot after
