# SPDX-License-Identifier: GPL-2.0-or-later
"""A udev-like agent (plain `online`) racing `memtopo online --to movable
--blocks <4 new>`: memtopo exits 0, status done, never a failure; every new
block is `done` (Movable) or `already` with the zone it landed in (as sysfs
shows it); `already` are exactly the blocks the agent onlined, `done`
exactly the ones the agent lost (EINVAL), so each block was onlined once."""
import vmlib

NEW = 4


def verify(s):
    after = s.snap("after")
    new = s.ints("new_blocks")
    s.eq([r["status"] for r in s.request("hotadd")], ["ok"], "hotadd request served (QMP)")
    s.eq(len(new), NEW, "hot-add: %d new blocks" % NEW)
    agent = {}
    for line in (s.text("agent") or "").split("\n"):
        w = line.split()
        if len(w) >= 2:
            agent[int(w[0])] = w[1]
    doc = vmlib.hp_report(s, "online", "online --to movable", rc=0)
    if doc is None or not after or not after.sysfs:
        return
    d = after.sysfs
    steps = vmlib.hp_steps(doc)
    won = sorted(b for b, st in steps.items() if st.get("result") == "done")
    lost = sorted(b for b, st in steps.items() if st.get("result") == "already")
    s.info("race outcome: memtopo onlined %s, the agent %s "
           "(agent log %s)" % (won, lost, agent))
    s.eq(doc.get("status"), "done", "online --to movable: status done")
    s.eq(sorted(steps), new, "online --to movable: reports every new block")
    s.eq({b: st.get("result") for b, st in steps.items() if st.get("result") not in
          ("done", "already")}, {}, "online --to movable: no block failed (only done / already)")
    s.eq({b: [st.get("zone"), st.get("write")] for b, st in steps.items()
          if st.get("result") == "done"},
         {b: ["Movable", "online_movable"] for b in won},
         "done blocks: [zone, write] Movable, online_movable")
    s.eq({b: steps[b].get("zone") for b in lost},
         {b: (d.zones(b) or [None])[0] for b in lost},
         "already blocks: the zone memtopo reports = the zone they landed in (sysfs)")
    s.eq({b: d.state(b) for b in new}, {b: "online" for b in new},
         "sysfs: every new block online")
    s.eq(sorted(won + lost), new, "already + done cover all new blocks")
    s.eq(sorted(b for b, r in agent.items() if r == "ok"), lost,
         "the agent's successful writes = the blocks memtopo reports already")
    s.eq(sorted(b for b, r in agent.items() if r != "ok"), won,
         "the agent's failed writes = the blocks memtopo onlined itself")
    vmlib.check_hp_vs_sysfs(s, doc, after.sysfs, after.sysfs, "online --to movable (after)")
    s.check_clean("after")
