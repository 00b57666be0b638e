# SPDX-License-Identifier: GPL-2.0-or-later
"""Two `memtopo offline 256M --node 1 --zone movable --lock-wait 60 -J`
started together on 4 hot-added Movable blocks: each exits 0 with 2 blocks
done; no block is written by both runs (attempts > 0 in both reports); the
blocks they offlined together are exactly the 4 new ones, which is what
sysfs shows afterwards, and nothing else changed."""
import vmlib

NEW = 4
BS = 128 << 20


def verify(s):
    onlined, after = s.snap("onlined"), s.snap("after")
    new = s.ints("new_blocks")
    s.eq(len(new), NEW, "hot-add: %d new blocks" % NEW)
    vmlib.check_new_blocks(s, onlined, new, "online", 1, ["Movable"], "onlined")
    docs = {}
    for run in ("runA", "runB"):
        doc = vmlib.hp_report(s, run, run, rc=0)
        if not doc:
            continue
        docs[run] = doc
        s.eq([doc.get("status"), doc.get("requested_bytes"), doc.get("done_bytes")],
             ["done", 2 * BS, 2 * BS], "%s: [status, requested_bytes, done_bytes]" % run)
        if onlined and after:
            # Both runs' results against the state before both and after both.
            vmlib.check_hp_vs_sysfs(s, doc, onlined.sysfs, after.sysfs, run)
    if len(docs) != 2:
        return
    written = {run: sorted(b for b, st in vmlib.hp_steps(doc).items() if st.get("attempts"))
               for run, doc in docs.items()}
    done = {run: sorted(b for b, st in vmlib.hp_steps(doc).items() if st.get("result") == "done")
            for run, doc in docs.items()}
    s.eq(sorted(set(written["runA"]) & set(written["runB"])), [],
         "no block written by both runs (runA wrote %s, runB wrote %s)"
         % (written["runA"], written["runB"]))
    s.eq(sorted(done["runA"] + done["runB"]), new,
         "the blocks the two runs offlined, together = the 4 new blocks")
    if onlined and after and onlined.sysfs and after.sysfs:
        s.eq(vmlib.changed_blocks(onlined.sysfs, after.sysfs),
             {b: ["online", "offline"] for b in new},
             "sysfs: exactly the union of both runs' blocks went offline")
    for t in ("onlined", "after"):
        s.check_clean(t)
