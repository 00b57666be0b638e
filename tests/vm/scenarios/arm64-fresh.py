# SPDX-License-Identifier: GPL-2.0-or-later
"""Fresh arm64 `virt` guest, two nodes of 1G: 128 MiB blocks, 4 KiB pages,
RAM from 1 GiB so the blocks are memory8-15 (node 0) and memory16-23
(node 1), no memory0; all online, valid_zones DMA (all RAM below 4 GiB);
list agrees with sysfs (generic snapshot checks: its first range starts at
1 GiB), check clean, show of the first and last block agree with sysfs,
`show 0` fails (there is no memory0), and the census of a block covers
32768 pages of 4 KiB."""
import vmlib

BS = 128 << 20
PAGES = BS // 4096


def verify(s):
    sn = s.snap("fresh")
    if not sn or not sn.sysfs:
        return
    d = sn.sysfs
    s.eq(d.node_ids(), [0, 1], "fresh: sysfs has node0 and node1")
    s.eq(d.block_size, BS, "fresh: block_size_bytes is 128 MiB")
    s.eq(s.ints("pagesize_kb"), [4], "fresh: KernelPageSize 4 kB")
    s.eq(d.ids(), list(range(8, 24)), "fresh: blocks memory8-23 (RAM starts at 1 GiB)")
    s.eq({n: d.node_blocks(n) for n in (0, 1)},
         {0: list(range(8, 16)), 1: list(range(16, 24))}, "fresh: node0 memory8-15, node1 16-23")
    s.eq({b: [d.state(b), d.zones(b)] for b in d.ids()},
         {b: ["online", ["DMA"]] for b in range(8, 24)},
         "fresh: every block online, valid_zones DMA (RAM below 4 GiB)")
    for what, doc in (("list -J", sn.list), ("list -J -a", sn.list_all)):
        rows = (doc or {}).get("memory") or [{}]
        s.eq([rows[0].get("first_block"), rows[0].get("start")], [8, 1 << 30],
             "fresh: %s: the first range starts at memory8, 1 GiB" % what)
    s.check_clean("fresh")
    ends = s.ints("ends")
    if s.expect(ends == [8, 23], "fresh: the guest's first and last block", [8, 23], ends):
        for blob, b in (("show_first", 8), ("show_last", 23)):
            vmlib.check_show(s, blob, sn, b, "fresh: show memory%d" % b)
            census = (s.json_blob(blob) or {}).get("census") or {}
            s.eq(sum(v for v in census.values() if isinstance(v, int)), PAGES,
                 "fresh: show memory%d: the census counts 32768 pages (4 KiB each)" % b)
    b0 = s.blobs.get("show0")
    s.expect(b0 is not None and b0["rc"] not in (0, None) and b0["text"].strip() == "",
             "fresh: show 0 fails (no memory0) with nothing on stdout", "non-zero exit, no output",
             b0 and "%s: %r %r" % (b0["rc"], b0["text"][:80], (s.text("show0.err") or "")[:200]))
