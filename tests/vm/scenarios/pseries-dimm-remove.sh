# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# DLPAR remove on pseries: a 512M DIMM hot-added to node 1 (the kernel
# onlines it), then device_del: the kernel offlines and removes the LMBs
# itself, QEMU reports DEVICE_DELETED. Afterwards no stale or one-sided
# node link. Host side: pseries-dimm-remove.py.
before=$(vm_blocks)
vm_snapshot before
vm_req hotadd 512M 1 dimm1 || vm_fail "hotadd 512M to node 1: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 2 20 || vm_fail "hot-add: no new memory blocks within 20 s"
new=$VM_NEW
vm_value new_blocks "$new"
tries=200
while [ -n "$(for b in $new; do [ "$(cat "$SYS_MEM/memory$b/state")" = online ] || echo x; done)" ]; do
	tries=$((tries - 1))
	[ "$tries" -gt 0 ] || break
	sleep 0.1
done
vm_snapshot added
vm_req remove dimm1 30 || vm_fail "remove dimm1: host replied: $VM_REPLY"
vm_wait_gone "$new" 20 || vm_fail "DEVICE_DELETED came but LMBs remain after 20 s: $VM_ERR"
vm_snapshot removed
vm_run dmesg dmesg
