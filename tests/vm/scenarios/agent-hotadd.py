# SPDX-License-Identifier: GPL-2.0-or-later
"""`memtopo agent` running with a configuration through hot-adds on a real
kernel: a 512M DIMM on node 1 all online in Movable ([match dimm]) within
10 s of the hot-add, one log line per block; virtio-mem resized to 384M
onlined in Movable ([match vmem]), resized to 0 recorded `removed` in the
log and the state file; after SIGHUP (auto-movable, ratio 100) a 256M DIMM
on node 1, where Movable already equals boot memory, wholly in Normal with
the figures logged; SIGTERM: exit 0. The state file matches its schema and
the log, entry for entry."""
import importlib.util
import os

import vmlib

_spec = importlib.util.spec_from_file_location(
    "agent_lib", os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent-lib.py"))
alib = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(alib)

BS = 128 << 20


def verify(s):
    cc = s.blobs.get("check_config")
    s.eq(cc and cc["rc"], 0, "agent --check-config: exit 0")
    text = (cc or {}).get("text", "")
    for want in ("[match dimm]", "source = acpi-dimm", "[match vmem]", "source = virtio-mem",
                 "zone = movable"):
        s.expect(want in text, "--check-config prints %r" % want, want, text[:400])

    err = s.blobs.get("agent.err")
    s.eq(err and err["rc"], 0, "agent: SIGTERM -> exit 0")
    log = (err or {}).get("text", "")
    lines = alib.block_lines(log)
    s.info("agent log: %d block lines, batches %s" % (len(lines), alib.batches(log)))

    # 1. the DIMM
    dimm = s.ints("dimm_blocks")
    s.eq(len(dimm), 4, "dimm1 (512M): 4 new blocks")
    t = s.value("dimm_online_s")
    s.expect(t not in (None, "timeout") and float(t) <= 10.0,
             "dimm1: every block online within 10 s of the hot-add", "<= 10", t)
    s.info("dimm1: all 4 blocks online %s s after the hot-add request returned" % t)
    vmlib.check_new_blocks(s, s.snap("dimm"), dimm, "online", 1, ["Movable"], "dimm1")
    alib.check_one_each(s, lines, dimm, ["onlined", 1, "Movable", "acpi-dimm"], "dimm1",
                        r"^\[dimm\] zone = movable$")
    s.expect(all(ln.device and ln.device.startswith("PNP0C80:") for b in dimm
                 for ln in alib.of(lines, b)), "dimm1: log names the ACPI device PNP0C80:*",
             "PNP0C80:*", [ln.device for b in dimm for ln in alib.of(lines, b)])

    # 2. virtio-mem
    vmem = s.ints("vmem_blocks")
    s.eq(len(vmem), 3, "vmem0 384M: 3 new blocks")
    t = s.value("vmem_online_s")
    s.expect(t not in (None, "timeout") and float(t) <= 10.0,
             "vmem0: every new block online within 10 s", "<= 10", t)
    vmlib.check_new_blocks(s, s.snap("vmem_up"), vmem, "online", 1, ["Movable"], "vmem up")
    s.eq({b: [[ln.result, ln.node, ln.zone, ln.source] for ln in alib.of(lines, b)]
          for b in vmem},
         {b: [["onlined", 1, "Movable", "virtio-mem"], ["removed", 1, None, "virtio-mem"]]
          for b in vmem},
         "vmem0: per block exactly two log lines, onlined (Movable) then removed")
    s.eq(sorted({ln.reason for b in vmem for ln in alib.of(lines, b)
                 if ln.result == "onlined"}), ["[vmem] zone = movable"],
         "vmem0: onlined by [match vmem]")
    down = s.snap("vmem_down")
    if down and down.sysfs:
        s.eq([b for b in vmem if b in down.sysfs.ids()], [], "vmem0 resized to 0: blocks gone")
    sv = alib.state_doc(s, "state_vmem")
    if sv:
        s.eq({b: [e.get("result") for e in alib.entries(sv, b)] for b in vmem},
             {b: ["onlined", "removed"] for b in vmem},
             "state file after the resize to 0: each vmem block onlined, then removed")
        s.eq(sv.get("counters", {}).get("results", {}).get("removed"), 3,
             "state file after the resize to 0: counters.results.removed = 3")

    # 3. SIGHUP, ratio 100: the next DIMM wholly into Normal
    ratio = s.ints("ratio_blocks")
    s.eq(len(ratio), 2, "dimm2 (256M): 2 new blocks")
    s.expect("SIGHUP: configuration reloaded" in log, "SIGHUP: reload logged")
    vmlib.check_new_blocks(s, s.snap("ratio"), ratio, "online", 1, ["Normal"],
                           "dimm2 past the ratio")
    alib.check_one_each(s, lines, ratio, ["onlined", 1, "Normal", "acpi-dimm"],
                        "dimm2 past the ratio",
                        r"^auto-movable: Movable would be \S+ on node 1, past 100% of "
                        r"boot-time kernel memory \S+ \(\S+\): kernel zone$")

    # Whole run: nothing else judged, state file = log.
    judged = sorted({ln.block for ln in lines})
    s.eq(judged, sorted(dimm + vmem + ratio), "agent: judged exactly the hot-added blocks")
    doc = alib.state_doc(s, "state")
    if doc:
        alib.check_state_vs_log(s, doc, lines, "final state file")
        c = doc.get("counters", {})
        s.eq(c.get("results"), {"onlined": 9, "already": 0, "refused": 0, "failed": 0,
                                "ignored": 0, "removed": 3}, "final state: counters.results")
        s.eq(sorted([o.get("node"), o.get("zone"), o.get("source"), o.get("bytes")]
                    for o in c.get("onlined_bytes", [])),
             sorted([[1, "Movable", "acpi-dimm", 4 * BS], [1, "Movable", "virtio-mem", 3 * BS],
                     [1, "Normal", "acpi-dimm", 2 * BS]]),
             "final state: counters.onlined_bytes [node, zone, source, bytes]")
        p = doc.get("policy", {})
        s.eq([p.get("zone"), p.get("ratio"), p.get("numa_aware"), p.get("matches")],
             ["auto-movable", 100, True, []], "final state: the reloaded policy")
    for t in ("before", "dimm", "vmem_up", "vmem_down", "ratio"):
        s.check_clean(t)
