# SPDX-License-Identifier: GPL-2.0-or-later
"""Coldplug and conflicts of `memtopo agent` on a real kernel: a DIMM
added while no agent runs is left alone by `--once --dry-run` and onlined
by `--once`; one added while the agent is stopped is onlined at its
start; with auto_online_blocks = online the agent refuses to start (exit
1, one line); with takeover = yes it reports the kernel-onlined blocks
`already` in the kernel's zone. Every state file matches its schema and
the log."""
import importlib.util
import os
import re

import vmlib

_spec = importlib.util.spec_from_file_location(
    "agent_lib", os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent-lib.py"))
alib = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(alib)

MOVABLE_OK = r"^auto-movable: Movable \S+ of \S+ allowed machine-wide, \S+ of \S+ on node \d$"


def verify(s):
    cold1, cold2, taken = (s.ints(n) for n in ("cold1_blocks", "cold2_blocks", "taken_blocks"))
    s.eq([len(cold1), len(cold2), len(taken)], [2, 2, 2], "three 256M DIMMs: 2 blocks each")
    vmlib.check_new_blocks(s, s.snap("added1"), cold1, "offline", 1, ["Normal", "Movable"],
                           "dimm1 with no agent")

    # migration from RHEL's rule
    b = s.blobs.get("mig_dry1.err")
    s.eq(b and b["rc"], 1, "RHEL rule installed: agent --once --dry-run refuses, exit 1")
    err = [ln for ln in (b or {}).get("text", "").splitlines() if ln.strip()]
    s.eq(len(err), 1, "RHEL rule installed: one line on stderr")
    s.expect(err and re.search(r"another agent onlines memory: /usr/lib/udev/rules.d/"
                               r"40-redhat.rules:\d+: a udev rule onlines memory", err[0]),
             "the refusal names the file and line of the rule",
             "... /usr/lib/udev/rules.d/40-redhat.rules:N: a udev rule onlines memory", err[:1])
    rules = s.text("mig_rules") or ""
    s.expect('SUBSYSTEM=="*", GOTO="memory_hotplug_end"' in rules and
             'SUBSYSTEM!="cpu", GOTO="cpu_hotplug_end"' in rules and
             'ATTR{online}="1"' in rules,
             "the /etc copy jumps over the memory rule and keeps the CPU rule", None, rules)
    b = s.blobs.get("mig_config")
    s.eq(b and b["rc"], 0, "after the /etc copy: --check-config exit 0")
    b = s.blobs.get("mig_dry2.err")
    s.eq(b and b["rc"], 0, "after the /etc copy: agent --once --dry-run exit 0 (no conflict)")
    s.expect(b and "another agent" not in b["text"], "after the /etc copy: no conflict named",
             None, (b or {}).get("text"))

    # --once --dry-run: decides, writes nothing
    b = s.blobs.get("dry_run.err")
    s.eq(b and b["rc"], 0, "--once --dry-run: exit 0")
    lines = alib.block_lines((b or {}).get("text"))
    s.eq(sorted((ln.block, ln.dry, ln.result) for ln in lines),
         [(x, True, "onlined") for x in cold1],
         "--once --dry-run: one 'would be onlined' line per offline block, nothing else")
    dump = s.blobs.get("dry_run.sysfs")
    if dump:
        d = vmlib.Dump(dump["text"])
        s.eq([d.state(x) for x in cold1], ["offline"] * 2, "--once --dry-run: blocks still offline")

    # --once: coldplug
    b = s.blobs.get("once.err")
    s.eq(b and b["rc"], 0, "--once: exit 0")
    lines = alib.block_lines((b or {}).get("text"))
    alib.check_one_each(s, lines, cold1, ["onlined", 1, "Movable", "acpi-dimm"], "--once",
                        MOVABLE_OK)
    s.eq(sorted({ln.block for ln in lines}), cold1, "--once: judged only the offline blocks")
    vmlib.check_new_blocks(s, s.snap("once"), cold1, "online", 1, ["Movable"], "--once")
    alib.check_state_vs_log(s, alib.state_doc(s, "state_once"), lines, "--once state file")

    # coldplug at start
    vmlib.check_new_blocks(s, s.snap("added2"), cold2, "offline", 0, ["Normal", "Movable"],
                           "dimm2 added while stopped")
    b = s.blobs.get("agent1.err")
    s.eq(b and b["rc"], 0, "agent (start, then SIGTERM): exit 0")
    text = (b or {}).get("text", "")
    lines = alib.block_lines(text)
    alib.check_one_each(s, lines, cold2, ["onlined", 0, "Movable", "acpi-dimm"],
                        "coldplug at start", MOVABLE_OK)
    s.eq(sorted({ln.block for ln in lines}), cold2, "coldplug at start: judged only dimm2")
    first = text.find("listening to")
    s.expect(first > max(text.find("memory%d:" % x) for x in cold2),
             "coldplug at start: done before the agent listens (READY)")
    vmlib.check_new_blocks(s, s.snap("started"), cold2, "online", 0, ["Movable"],
                           "coldplug at start")
    alib.check_state_vs_log(s, alib.state_doc(s, "state_start"), lines, "start state file")

    # auto_online_blocks = online: refused
    b = s.blobs.get("refuse.err")
    s.eq(b and b["rc"], 1, "auto_online_blocks=online: the agent refuses, exit 1")
    err = [ln for ln in (b or {}).get("text", "").splitlines() if ln.strip()]
    s.eq(len(err), 1, "auto_online_blocks=online: one line on stderr")
    s.expect(err and re.search(r"another agent onlines memory: auto_online_blocks is 'online'"
                               r".*takeover = yes", err[0]),
             "auto_online_blocks=online: the line names the conflict and how to resolve it",
             "another agent ... auto_online_blocks is 'online' ... takeover = yes",
             err[:1])

    # takeover = yes
    b = s.blobs.get("agent2.err")
    s.eq(b and b["rc"], 0, "takeover agent: SIGTERM -> exit 0")
    text = (b or {}).get("text", "")
    s.expect("takeover = yes: running beside another agent: auto_online_blocks is 'online'"
             in text, "takeover: logged once that it runs beside the kernel's auto-online")
    lines = alib.block_lines(text)
    tk = s.snap("takeover")
    zone = None
    if tk and tk.sysfs and taken and taken[0] in tk.sysfs.ids():
        zone = (tk.sysfs.zones(taken[0]) or [None])[0]
        s.eq([tk.sysfs.state(x) for x in taken], ["online"] * 2,
             "takeover: the kernel onlined the new blocks")
    s.info("takeover: the kernel put the DIMM in %s" % zone)
    alib.check_one_each(s, lines, taken, ["already", 1, zone, "acpi-dimm"],
                        "takeover: already, in the kernel's zone",
                        r"^(online already|another agent onlined it first)$")
    s.eq(sorted({ln.block for ln in lines}), taken, "takeover: judged only dimm3")
    doc = alib.state_doc(s, "state_takeover")
    alib.check_state_vs_log(s, doc, lines, "takeover state file")
    if doc:
        s.eq(doc.get("policy", {}).get("takeover"), True, "takeover state file: policy.takeover")
        s.eq(doc.get("counters", {}).get("results", {}).get("already"), 2,
             "takeover state file: counters.results.already = 2")
    for t in ("added1", "once", "added2", "started"):
        s.check_clean(t)
