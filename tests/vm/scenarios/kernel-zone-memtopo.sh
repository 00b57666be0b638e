# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# A 512M DIMM on node 0 onlined into a kernel zone (online_kernel; node 0
# has no Normal zone at boot, so this one becomes the preferred zone of
# CPU 0's kernel allocations) with unmovable memory pinned there: the guest
# refuses its removal; then `memtopo offline --blocks <those> -J` says per
# block what it could and could not offline. Leaves the DIMM (its boot
# ends with it). Host side: kernel-zone-memtopo.py.
before=$(vm_blocks)
vm_req hotadd 512M 0 dimm6 || vm_fail "hotadd 512M to node 0: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 4 10 || vm_fail "hot-add: no new memory blocks within 10 s"
new=$VM_NEW
vm_value new_blocks "$new"
for b in $new; do
	vm_state "$b" online_kernel || vm_fail "echo online_kernel > memory$b/state: $VM_ERR"
done
# Unmovable kernel memory (dentries, inodes) allocated from CPU 0.
# shellcheck disable=SC2016
taskset 1 sh -c 'mkdir -p /tmp/pin0 && i=0 && while [ $i -lt 3000 ]; do : >/tmp/pin0/f$i; i=$((i + 1)); done' ||
	vm_fail "creating files from CPU 0 failed"
vm_snapshot onlined
vm_req remove dimm6 5
vm_value remove_reply "$VM_REPLY"
vm_snapshot refused
vm_memtopo offline offline --blocks "$(vm_csv "$new")" -J
vm_snapshot after
