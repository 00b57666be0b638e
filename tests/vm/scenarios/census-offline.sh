# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# The page census on a real kernel (4G guest, 2G per node), under load:
# page cache (files in a tmpfs), mlocked memory (vm-mlock on each CPU),
# dentries and inodes (many empty files, many lookups of missing ones).
# Then, twice, the census of all blocks (`memtopo list -a -o +OFFLINE -J`;
# `show` of each before the first, for the record), then every online
# block once: its raw page flags (vm-kpageflags), one plain offline write
# (online again at once, into its zone, if it went) to record what really
# goes. Then `memtopo offline 1G -J` (census order) and `offline 1G
# --no-census -J`, each put back after. Host side: census-offline.py (precision of `likely`,
# recall of `unlikely`, write attempts per block).
# shellcheck source=/dev/null
. /lib/vm/census.sh
vm_census_offline
