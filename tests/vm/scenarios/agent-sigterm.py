# SPDX-License-Identifier: GPL-2.0-or-later
"""SIGTERM during a 2G hot-add: the agent exits 0, and its log, its state
file and sysfs agree on every one of the 16 new blocks: a block the log
says onlined is online in the zone it names, every other block is offline
(logged `ignored`, or not judged yet: never written)."""
import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "agent_lib", os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent-lib.py"))
alib = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(alib)


def verify(s):
    new = s.ints("new_blocks")
    s.eq(len(new), 16, "2G DIMM: 16 new blocks")
    sent = s.value("sigterm_after")
    s.expect(sent, "SIGTERM sent once the first new block was online", "a block", sent)
    b = s.blobs.get("agent.err")
    s.eq(b and b["rc"], 0, "SIGTERM during the batch: exit 0")
    text = (b or {}).get("text", "")
    s.expect("stopping (signal)" in text, "the stop is logged")
    lines = alib.block_lines(text)
    s.eq(sorted({ln.result for ln in lines} - {"onlined", "ignored"}), [],
         "every block line says onlined or ignored")
    s.eq(sorted(ln.block for ln in lines if ln.result != "ignored" and ln.block not in new), [],
         "no block but the DIMM's was onlined")
    s.eq([ln.block for ln in lines if len(alib.of(lines, ln.block)) > 1], [],
         "at most one log line per block")
    ignored = [ln for ln in lines if ln.result == "ignored"]
    s.eq(sorted({ln.reason for ln in ignored}) or ["none ignored"],
         ["not written: the agent is stopping (coldplug at its next start takes it)"]
         if ignored else ["none ignored"], "ignored blocks say why")
    onl = [ln.block for ln in lines if ln.result == "onlined"]
    s.expect(sent and int(sent) in onl, "the block seen online before SIGTERM is logged onlined",
             sent, onl)
    s.info("SIGTERM after memory%s: %d onlined, %d ignored, %d not judged" % (
        sent, len(onl), len(ignored), len(new) - len(onl) - len(ignored)))
    # The guest signals at the first online block and a batch of 16 writes
    # takes hundreds of ms under TCG (2 of 16 written, measured): the stop
    # lands inside the batch, which is what is tested.
    s.expect(len(new) == 16 and len(onl) < 16,
             "SIGTERM landed during the batch: not every block was written", "< 16 onlined",
             len(onl))
    after = s.snap("after")
    if after and after.sysfs:
        alib.check_log_vs_sysfs(s, lines, after.sysfs, new, "after SIGTERM")
    doc = alib.state_doc(s, "state")
    alib.check_state_vs_log(s, doc, lines, "state file at exit")
    s.check_clean("after")
