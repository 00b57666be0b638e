# SPDX-License-Identifier: GPL-2.0-or-later
"""Fresh pseries LPAR, two nodes of 1G: 256 MiB blocks (the LMB size),
memory0-3 on node 0 and memory4-7 on node 1, all online in Normal,
auto_online_blocks offline, 64 KiB pages, the DLPAR interface and the
device tree's LMB table present; list agrees with sysfs (generic snapshot
checks), check clean, show of the first and last block agree with sysfs,
and show's page census covers a block in 4096 pages of 64 KiB."""
import vmlib

BS = 256 << 20
PAGES = BS // (64 << 10)


def verify(s):
    sn = s.snap("fresh")
    if not sn or not sn.sysfs:
        return
    d = sn.sysfs
    s.eq(d.node_ids(), [0, 1], "fresh: sysfs has node0 and node1")
    s.eq(d.block_size, BS, "fresh: block_size_bytes is 256 MiB (the LMB size)")
    s.eq(s.ints("pagesize_kb"), [64], "fresh: KernelPageSize 64 kB (PPC_64K_PAGES)")
    s.eq(d.auto_online, "offline", "fresh: auto_online_blocks offline (memhp_default_state)")
    s.eq({n: d.node_blocks(n) for n in (0, 1)}, {0: [0, 1, 2, 3], 1: [4, 5, 6, 7]},
         "fresh: node0 memory0-3, node1 memory4-7")
    s.eq({b: [d.state(b), d.zones(b)] for b in d.ids()},
         {b: ["online", ["Normal"]] for b in range(8)}, "fresh: every block online in Normal")
    s.expect("No such file" not in (s.value("dlpar") or "x"),
             "fresh: /sys/kernel/dlpar and the device tree's dynamic-reconfiguration-memory exist",
             "both paths", s.value("dlpar"))
    s.eq(sn.finding_blocks("multi-zone"), [], "fresh: no multi-zone block (memory0 is Normal)")
    s.check_clean("fresh")
    ends = s.ints("ends")
    if s.expect(len(ends) == 2, "fresh: guest sent the first and last block ids"):
        for blob, b in (("show_first", ends[0]), ("show_last", ends[1])):
            vmlib.check_show(s, blob, sn, b, "fresh: show memory%d" % b)
            doc = s.json_blob(blob) or {}
            census = doc.get("census") or {}
            s.eq(sum(v for v in census.values() if isinstance(v, int)), PAGES,
                 "fresh: show memory%d: the census counts 4096 pages (64 KiB each)" % b)
