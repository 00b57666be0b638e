# SPDX-License-Identifier: GPL-2.0-or-later
"""The agent's benchmark run (tests/bench/bench-agent.py times it from the
ctl log): here only whether each run did what it is timed for. Every
DIMM of a latency run ended wholly in Movable, whoever onlined it; the
agent onlined each of its runs' 16 blocks (one line each) and each RSS
cycle's 2; its RSS samples were taken; its state file matches its schema."""
import importlib.util
import os
import re

_spec = importlib.util.spec_from_file_location(
    "agent_lib", os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent-lib.py"))
alib = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(alib)


def rss_samples(s):
    """[(cycle, VmRSS kB, VmHWM kB)] from the guest's samples."""
    out = []
    for line in (s.text("rss") or "").splitlines():
        m = re.match(r"^(\d+) VmHWM:=(\d+) VmRSS:=(\d+)", line)
        if m:
            out.append((int(m.group(1)), int(m.group(3)), int(m.group(2))))
    return out


def verify(s):
    zones = {n[len("zones_"):]: s.value(n) for n in s.blobs if n.startswith("zones_")}
    s.expect(zones, "latency runs ran", "zones_* blobs", sorted(s.blobs)[:10])
    s.eq({k: v for k, v in zones.items() if v != "16 Movable"}, {},
         "every latency run's 16 blocks online in Movable")
    lines = alib.block_lines(s.text("latency_agent.err"))
    runs = sum(1 for k in zones if k.startswith("agent_"))
    s.eq([len(lines), sorted({ln.key()[0] for ln in lines})], [16 * runs, ["onlined"]],
         "agent runs: 16 onlined lines each")
    lines = alib.block_lines(s.text("rss_agent.err"))
    s.eq(sorted({ln.result for ln in lines}), ["onlined", "removed"],
         "RSS cycles: the agent onlined and saw each removal")
    samples = rss_samples(s)
    s.expect(len(samples) >= 3, "RSS sampled at start, during and after the cycles", ">= 3",
             samples)
    s.info("RSS samples (cycle, VmRSS kB, VmHWM kB): %s" % samples)
    alib.state_doc(s, "state")
