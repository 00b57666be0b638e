# SPDX-License-Identifier: GPL-2.0-or-later
"""Fresh 2-node guest: list agrees with sysfs (generic snapshot checks), check
exits 0 with memory0 multi-zone as info, show agrees with sysfs."""
import vmlib


def verify(s):
    sn = s.snap("fresh")
    if not sn or not sn.sysfs:
        return
    d = sn.sysfs
    s.eq(d.node_ids(), [0, 1], "fresh: sysfs has node0 and node1")
    s.eq(d.block_size, 128 << 20, "fresh: block_size_bytes is 128 MiB")
    s.eq(d.auto_online, "offline", "fresh: auto_online_blocks offline (memhp_default_state)")
    s.eq(sorted({d.state(b) for b in d.ids()}), ["online"], "fresh: every boot block is online")
    per_node = {n: len(d.node_blocks(n)) for n in (0, 1)}
    s.expect(per_node[0] > 0 and per_node[1] > 0, "fresh: both nodes have boot memory blocks",
             "blocks on node0 and node1", per_node)
    s.eq([[f.get("severity"), f.get("blocks")] for f in sn.findings("multi-zone")],
         [["info", [0]]], "fresh: check reports memory0 multi-zone, as info")
    s.check_clean("fresh")
    vmlib.check_show(s, "show0", sn, 0, "fresh: show 0")
    last = s.ints("last_block")
    if s.expect(len(last) == 1, "fresh: guest sent the last block id"):
        vmlib.check_show(s, "show_last", sn, last[0], "fresh: show memory%d" % last[0])
