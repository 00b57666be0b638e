# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Freshly booted pseries LPAR (2 nodes, 1G each): memtopo list / check /
# show against sysfs, the page size and the device tree's LMB table, read
# independently. Host side: pseries-fresh.py.
vm_snapshot fresh
vm_value pagesize_kb "$(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps)"
vm_value dlpar "$(ls -d /sys/kernel/dlpar /proc/device-tree/ibm,dynamic-reconfiguration-memory 2>&1)"
first=$(vm_blocks | tr ' ' '\n' | sed '/^$/d' | sort -n | head -n 1)
last=$(vm_blocks | tr ' ' '\n' | sort -n | tail -n 1)
vm_value ends "$first $last"
vm_memtopo show_first show "$first" -J
vm_memtopo show_last show "memory$last" -J
