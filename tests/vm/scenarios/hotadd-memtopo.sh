# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Hot-add 512M to node 1 with `memtopo monitor` listening, online it with
# `memtopo online --node 1 --to movable 512M`, offline it with `memtopo
# offline --blocks` (a second monitor listening), remove the DIMM.
# Host side: hotadd-memtopo.py.
before=$(vm_blocks)
vm_snapshot before
memtopo monitor --json --count 4 --timeout 20 >/tmp/mon-add.out 2>/tmp/mon-add.err &
mon=$!
vm_wait_uevent_listener "$mon" 10 || vm_fail "memtopo monitor (add): $VM_ERR: $(cat /tmp/mon-add.err)"
vm_req hotadd 512M 1 dimm3 || vm_fail "hotadd 512M to node 1: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 4 10 || vm_fail "hot-add: no new memory blocks within 10 s"
new=$VM_NEW
vm_value new_blocks "$new"
vm_wait_pid "$mon" 20
vm_blob monitor_add /tmp/mon-add.out "$VM_RC"
vm_blob monitor_add.err /tmp/mon-add.err "$VM_RC"
vm_snapshot added
vm_memtopo online online --node 1 --to movable 512M -J
vm_snapshot onlined
# The offline (4 offline events) and the removal (4 remove events).
memtopo monitor --json --count 8 --timeout 30 >/tmp/mon-rm.out 2>/tmp/mon-rm.err &
mon=$!
vm_wait_uevent_listener "$mon" 10 || vm_fail "memtopo monitor (remove): $VM_ERR: $(cat /tmp/mon-rm.err)"
vm_memtopo offline offline --blocks "$(vm_csv "$new")" -J
vm_snapshot offlined
vm_req remove dimm3 10 || vm_fail "remove dimm3: host replied: $VM_REPLY"
vm_wait_gone "$new" 10 || vm_fail "DEVICE_DELETED came but blocks remain after 10 s: $VM_ERR"
vm_wait_pid "$mon" 20
vm_blob monitor_remove /tmp/mon-rm.out "$VM_RC"
vm_blob monitor_remove.err /tmp/mon-rm.err "$VM_RC"
vm_snapshot removed
