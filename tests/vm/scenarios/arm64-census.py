# SPDX-License-Identifier: GPL-2.0-or-later
"""The page census with 4 KiB pages on arm64 (blocks memory8-23, their
pages from pfn 0x40000), a lightly loaded guest. Boot memory never goes
offline on arm64, so the census is judged against the raw page flags
(vm-kpageflags, read right after each `show N -J`) rather than against
writes: for every online block memtopo's census counts (free, movable,
huge, unmovable, unknown) cover its 32768 pages and agree with memtopo's
census of those raw flags, computed on the host (the memtopo under test
over a sysroot whose proc/kpageflags holds exactly them) within 1% of the
block per class (pages move between the two reads); `list -a -o +OFFLINE
-J` gives every online block a verdict."""
import json
import os
import shutil
import sys
import tempfile

import vmlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import mkfixture  # noqa: E402
import mtlib  # noqa: E402

BS = 128 << 20
PAGE = 4096
PAGES = BS // PAGE
CLASSES = ("free", "movable", "huge", "unmovable", "unknown")
TOLERANCE = PAGES // 100


def host_census(s, flags, blocks):
    """{block: census dict} of memtopo (host) over the raw FLAGS."""
    lines = ["block-size 128M", "page-size %d" % PAGE]
    for b in blocks:
        lines.append("memory %d zones=DMA node=0" % b)
        lines.append("pages %d %s" % (b, ",".join("0x%x:%d" % (f, n) for n, f in flags[b])))
    tmp = tempfile.mkdtemp(prefix="census-flags.")
    try:
        mkfixture.generate("\n".join(lines) + "\n", os.path.join(tmp, "root"))
        out = {}
        for b in blocks:
            r = mtlib.run_memtopo(s.host_memtopo, os.path.join(tmp, "root"), ["show", str(b), "-J"])
            if r.returncode != 0:
                s.fail("host: memtopo show %d over the raw flags" % b, r.err_text())
                continue
            out[b] = json.loads(r.stdout).get("census") or {}
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def verify(s):
    online = s.ints("online")
    s.eq(online[:1], [8], "the first online block is memory8")
    flags = vmlib.kpageflags_by_block(s.text("flags") or "")
    s.eq(sorted(b for b in online if sum(n for n, _ in flags.get(b, [])) != PAGES), [],
         "vm-kpageflags read 32768 pages of every online block")
    guest = {}
    for b in online:
        doc = s.json_blob("show%d" % b) if "show%d" % b in s.blobs else None
        guest[b] = (doc or {}).get("census") or {}
    s.eq(sorted(b for b in online if sum(guest[b].get(k, 0) for k in CLASSES) != PAGES), [],
         "show N -J: the census of every online block counts 32768 pages")
    whole = [b for b in online if sum(n for n, _ in flags.get(b, [])) == PAGES]
    if not s.host_memtopo or not whole:
        s.fail("host census of the raw flags", "no host memtopo or no flags")
        return
    host = host_census(s, flags, whole)
    off = {}
    for b in whole:
        if b not in host:
            continue
        diff = {k: guest[b].get(k, 0) - host[b].get(k, 0) for k in CLASSES}
        if any(abs(v) > TOLERANCE for v in diff.values()):
            off[b] = {"guest": guest[b], "raw flags": host[b]}
    s.info("census per block (guest show; host over the raw flags):\n          " +
           "\n          ".join("memory%-3d %s | %s" % (b, " ".join("%s=%d" % (k, guest[b].get(k, 0))
                                                            for k in CLASSES),
                                                   " ".join("%s=%d" % (k, host.get(b, {}).get(k, 0))
                                                            for k in CLASSES)) for b in whole))
    s.eq(off, {}, "show N -J census = the census of the raw flags read right after "
         "(within %d pages per class)" % TOLERANCE)
    doc = s.json_blob("census")
    verdicts = {}
    for r in (doc or {}).get("memory", []):
        for b in range(r.get("first_block"), r.get("last_block") + 1):
            verdicts[b] = r.get("offline_verdict")
    s.eq(sorted(b for b in online if verdicts.get(b) not in ("likely", "unlikely", "unknown")),
         [], "list -a -o +OFFLINE: every online block has a verdict")
    s.info("verdicts: %s" % " ".join("memory%d:%s" % (b, verdicts.get(b)) for b in online))
