# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# The page census with 64 KiB pages (pseries, 4G: 2G per node, 256 MiB
# LMBs of 4096 pages), under the same load as census-offline on x86_64,
# judged by the same bar. Host side: pseries-census.py.
# shellcheck source=/dev/null
. /lib/vm/census.sh
vm_census_offline
