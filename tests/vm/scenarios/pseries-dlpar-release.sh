# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# `memtopo offline --release` on pseries: a 2G DIMM on node 1 (8 LMBs the
# kernel onlines itself), then `offline --release 1G -J` and a second
# `offline --release 1G` (the text a README shows): each chosen LMB is
# handed to the kernel's DLPAR interface (`memory remove index 0x<drc>`),
# which offlines it, removes its block and clears its assigned flag in the
# device tree. Boot memory (QEMU flags it DRC-invalid) is never chosen.
# The guest reads the device tree's LMB table raw (od) before and after, so
# the host judges memtopo's DRC indexes and its report without trusting
# memtopo's own parser. Host side: pseries-dlpar-release.py.
DRCONF=/proc/device-tree/ibm,dynamic-reconfiguration-memory
vm_dt() {
	for _p in ibm,dynamic-memory-v2 ibm,dynamic-memory; do
		if [ -e "$DRCONF/$_p" ]; then
			vm_value "$1.prop" "$_p"
			vm_run "$1" od -An -tx1 -v "$DRCONF/$_p"
			return 0
		fi
	done
	vm_value "$1.prop" none
}
vm_run lmb_size od -An -tx1 -v "$DRCONF/ibm,lmb-size"
vm_dlpar_hotadd 2G 1 dimm1 8
new=$VM_NEW
vm_snapshot added
vm_dt dt_added
dmesg -c >/dev/null 2>&1
vm_memtopo release offline --release 1G -J
vm_run dmesg1 dmesg -c
vm_snapshot released
vm_dt dt_released
vm_memtopo release_text offline --release 1G
vm_run dmesg2 dmesg -c
vm_snapshot released2
vm_dt dt_released2
