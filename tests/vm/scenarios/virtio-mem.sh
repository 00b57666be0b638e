# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# virtio-mem on node 1 (device vmem0, requested-size 0 at boot): resize to
# 384M, online the new blocks Movable with plain writes, offline them, resize
# to 0. Host side: virtio-mem.py.
vm_load_virtio_mem || vm_fail "loading virtio-mem: $VM_ERR"
vm_wait_path '/sys/bus/virtio/drivers/virtio_mem/virtio*' 10 ||
	vm_fail "virtio_mem loaded but bound to no device within 10 s"
before=$(vm_blocks)
vm_snapshot before
vm_req vmem 384M 30 || vm_fail "resize vmem0 to 384M: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 3 10 || vm_fail "virtio-mem resize: no new memory blocks within 10 s"
vm_value new_blocks "$VM_NEW"
vm_snapshot added
for b in $VM_NEW; do
	vm_state "$b" online_movable || vm_fail "echo online_movable > memory$b/state: $VM_ERR"
done
vm_snapshot onlined
for b in $VM_NEW; do
	vm_state "$b" offline || vm_fail "echo offline > memory$b/state: $VM_ERR"
done
vm_snapshot offlined
vm_req vmem 0 30 || vm_fail "resize vmem0 to 0: host replied: $VM_REPLY"
vm_wait_gone "$VM_NEW" 10 || vm_fail "virtio-mem size 0 but blocks remain after 10 s: $VM_ERR"
vm_snapshot removed
