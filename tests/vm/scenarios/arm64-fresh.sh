# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Freshly booted arm64 `virt` guest (2 nodes, 1G each; RAM starts at 1 GiB,
# so the first block is memory8 and there is no memory0): memtopo list /
# check / show against sysfs. Host side: arm64-fresh.py.
vm_snapshot fresh
vm_value pagesize_kb "$(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps)"
first=$(vm_blocks | tr ' ' '\n' | sed '/^$/d' | sort -n | head -n 1)
last=$(vm_blocks | tr ' ' '\n' | sort -n | tail -n 1)
vm_value ends "$first $last"
vm_memtopo show_first show "$first" -J
vm_memtopo show_last show "memory$last" -J
vm_memtopo show0 show 0 -J
