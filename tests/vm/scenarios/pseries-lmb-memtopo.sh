# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# memtopo offline / online of DLPAR-added LMBs on pseries: a 512M DIMM on
# node 1 (the kernel onlines it into Normal), `memtopo offline --blocks`
# takes both LMBs offline, `memtopo online --blocks` brings them back (the
# default zone), `memtopo offline 512M --node 1` takes them again (size
# mode picks exactly them: boot memory of node 1 holds the kernel's
# allocations), then device_del removes the offline LMBs.
# Host side: pseries-lmb-memtopo.py.
vm_dlpar_hotadd 512M 1 dimm1 2
new=$VM_NEW
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
