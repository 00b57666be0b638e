# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Boot memory of a 4G guest (2G per node): `memtopo offline 1G --no-census`
# walks the blocks top down, meets EBUSY, retries, moves on; memory0
# (valid_zones none) is skipped. The blocks it took are onlined again, then
# `memtopo offline --node 0 2G --rollback` (more than can go: memory0 never
# goes) undoes everything it did. On a fresh boot (its own, as every
# scenario).
# Host side: boot-mem-ebusy.py.
vm_snapshot before
# --no-census: the census would order the candidates so that EBUSY is
# avoided; this scenario is about meeting it (census-offline covers that).
vm_memtopo offline1g offline 1G --no-census -J
vm_snapshot offlined
took=$(vm_blocks_in offline)
vm_value took "$took"
[ -n "$took" ] || vm_fail "offline 1G took no block offline (exit $VM_RC)"
vm_memtopo putback online --blocks "$(vm_csv "$took")" --to kernel -J
vm_snapshot restored
vm_memtopo rollback offline --node 0 2G --rollback -J
vm_snapshot rolledback
