# SPDX-License-Identifier: GPL-2.0-or-later
"""The page census on pseries: 64 KiB pages, 256 MiB LMBs (4096 page
frames each in /proc/kpageflags), a loaded guest; the verdicts of
census-offline.py, with the same bar (precision of `likely` >= 95%,
recall of `unlikely` >= 90%, <= 1.2 write attempts per block taken
offline by `offline 1G`)."""
import os

import vmlib

_census = vmlib.load_module(os.path.dirname(os.path.abspath(__file__)), "census-offline")


def verify(s):
    _census.verify(s, page_size=64 << 10)
