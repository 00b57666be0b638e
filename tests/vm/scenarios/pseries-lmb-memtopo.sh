# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# memtopo offline / online of DLPAR-added LMBs on pseries: a 512M DIMM on
# node 1 (the kernel onlines it into Normal), `memtopo offline --blocks`
# takes both LMBs offline, `memtopo online --blocks` brings them back (the
# default zone), `memtopo offline 512M --node 1` takes them again (size
# mode picks exactly them: boot memory of node 1 holds the kernel's
# allocations), then device_del removes the offline LMBs.
# Host side: pseries-lmb-memtopo.py.
before=$(vm_blocks)
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
vm_memtopo offline offline --blocks "$(vm_csv "$new")" -J
vm_snapshot offlined
vm_memtopo online online --blocks "$(vm_csv "$new")" -J
vm_snapshot onlined
vm_memtopo offline_size offline 512M --node 1 -J
vm_snapshot offlined2
vm_req remove dimm1 30 || vm_fail "remove dimm1: host replied: $VM_REPLY"
vm_wait_gone "$new" 20 || vm_fail "DEVICE_DELETED came but LMBs remain after 20 s: $VM_ERR"
vm_snapshot removed
