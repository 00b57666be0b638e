# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Freshly booted 2-node guest, nothing changed yet: memtopo list / check /
# show against sysfs (host side: fresh-2node.py).
vm_snapshot fresh
vm_memtopo show0 show 0 -J
last=$(vm_blocks | tr ' ' '\n' | sort -n | tail -n 1)
vm_value last_block "$last"
vm_memtopo show_last show "memory$last" -J
