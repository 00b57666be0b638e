# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# DLPAR hot-add of a 512M pc-dimm to node 1 on pseries: the kernel adds two
# LMBs and onlines them itself (into Normal), whatever auto_online_blocks
# says; memtopo monitor listens. list and check must be right about it.
# The guest carries the memory rule RHEL ships on Power too (udev onlines
# every new block): two agents on paper, yet what the kernel onlines on
# its own is no udev race for check to report. Host side:
# pseries-dimm-hotadd.py.
cat >/lib/udev/rules.d/40-memory-online.rules <<'RULE'
# As RHEL 8's 40-redhat.rules: online every memory block udev sees added.
SUBSYSTEM!="memory", GOTO="memory_hotplug_end"
ACTION!="add", GOTO="memory_hotplug_end"
PROGRAM="/bin/uname -p", RESULT=="s390*", GOTO="memory_hotplug_end"
ATTR{state}=="offline", ATTR{state}="online"
LABEL="memory_hotplug_end"
RULE
vm_run rules cat /lib/udev/rules.d/40-memory-online.rules
vm_snapshot before
memtopo monitor --json --count 4 --timeout 30 >/tmp/mon.out 2>/tmp/mon.err &
mon=$!
vm_wait_uevent_listener "$mon" 10 || vm_fail "memtopo monitor: $VM_ERR: $(cat /tmp/mon.err)"
vm_dlpar_hotadd 512M 1 dimm1 2
new=$VM_NEW
vm_wait_pid "$mon" 30
vm_blob monitor /tmp/mon.out "$VM_RC"
vm_blob monitor.err /tmp/mon.err "$VM_RC"
vm_snapshot added
vm_memtopo show_new show "${new%% *}" -J
vm_run dmesg dmesg
