# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# virtio-mem vmem0 (node 1) driven by memtopo: resize to 384M, `memtopo
# online --node 1 384M` onlines the three new blocks, `memtopo offline
# --blocks` offlines them, resize to 0 removes them.
# Host side: virtio-mem-memtopo.py.
vm_load_virtio_mem || vm_fail "loading virtio-mem: $VM_ERR"
vm_wait_path '/sys/bus/virtio/drivers/virtio_mem/virtio*' 10 ||
	vm_fail "virtio_mem loaded but bound to no device within 10 s"
before=$(vm_blocks)
vm_snapshot before
vm_req vmem 384M 30 || vm_fail "resize vmem0 to 384M: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 3 10 || vm_fail "virtio-mem resize: no new memory blocks within 10 s"
new=$VM_NEW
vm_value new_blocks "$new"
vm_snapshot added
vm_memtopo online online --node 1 384M -J
vm_snapshot onlined
vm_memtopo offline offline --blocks "$(vm_csv "$new")" -J
vm_snapshot offlined
vm_req vmem 0 30 || vm_fail "resize vmem0 to 0: host replied: $VM_REPLY"
vm_wait_gone "$new" 10 || vm_fail "virtio-mem size 0 but blocks remain after 10 s: $VM_ERR"
vm_snapshot removed
