# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# DLPAR remove on pseries: a 512M DIMM hot-added to node 1 (the kernel
# onlines it), then device_del: the kernel offlines and removes the LMBs
# itself, QEMU reports DEVICE_DELETED. Afterwards no stale or one-sided
# node link. Host side: pseries-dimm-remove.py.
vm_snapshot before
vm_dlpar_hotadd 512M 1 dimm1 2
new=$VM_NEW
vm_snapshot added
vm_req remove dimm1 30 || vm_fail "remove dimm1: host replied: $VM_REPLY"
vm_wait_gone "$new" 20 || vm_fail "DEVICE_DELETED came but LMBs remain after 20 s: $VM_ERR"
vm_snapshot removed
vm_run dmesg dmesg
