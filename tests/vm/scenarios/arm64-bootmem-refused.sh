# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# arm64 never lets boot memory go offline (the kernel answers EPERM and
# logs "Boot memory ... offlining attempted"; or EBUSY first). On a guest
# whose memory is all boot memory, `memtopo offline 256M -J` must refuse
# up front: no write at all. Host side: arm64-bootmem-refused.py.
vm_snapshot before
dmesg -c >/dev/null 2>&1
vm_memtopo offline offline 256M -J
vm_run dmesg dmesg
vm_snapshot after
