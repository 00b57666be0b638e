#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark `memtopo agent` on a real kernel (QEMU, TCG; tests/vm's
harness). Not a test: run it by hand, one guest at a time.

    tests/bench/bench-agent.py [--memtopo build/src/memtopo] [--runs 5]
                               [--cycles 100] [--results DIR]

One boot of the x86_64 guest of tests/vm (512M per node, two nodes), the
guest script tests/vm/scenarios/agent-bench.sh:

1. latency: RUNS times each, alternating, a 2G DIMM (16 blocks) hot-added
   on node 1 and onlined into Movable by the kernel (auto_online_blocks =
   online_movable: what memhp_default_state=online_movable sets at boot)
   and by `memtopo agent` ([policy] zone = movable, auto_online_blocks =
   offline). Timed on the host, from the control channel's REP of the
   hot-add (written when QMP device_add returned) to the guest's `NOTE
   bench-online MODE RUN` (sent the moment its poll, builtins only, saw
   all 16 blocks online), both from the harness's ctl log;
2. RSS: the agent through CYCLES hot-add/remove cycles of a 256M DIMM
   (VmRSS, VmHWM sampled at cycles 0, 1, 10, 25, 50, 75, 100).

Prints a Markdown table and the targets: the agent's median within 1.5x
of the kernel's; RSS <= 4 MiB; RSS not growing (the last sample no more
than 64 KiB above the one at cycle 25). Exit 0 met, 1 missed, 2 could
not run. Budgets: the guest's QEMU CPU, scaled to RUNS and CYCLES.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUN_VM = os.path.join(ROOT, "tests", "vm", "run-vm.py")
TARGET_RATIO = 1.5
TARGET_RSS_KB = 4096
GROWTH_KB = 64


def ctl_times(path):
    """{(mode, run): seconds from the hot-add's REP to bench-online}."""
    rep, done = {}, {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^\s*([\d.]+) > REP \d+ ok pc-dimm b(kernel|shell|agent)(\d+) ",
                         line)
            if m:
                rep[(m.group(2), int(m.group(3)))] = float(m.group(1))
                continue
            m = re.match(r"^\s*([\d.]+) < NOTE bench-online (kernel|shell|agent) (\d+)$",
                         line)
            if m:
                done[(m.group(2), int(m.group(3)))] = float(m.group(1))
    return {k: round(done[k] - rep[k], 3) for k in done if k in rep}


def rss_samples(text):
    out = []
    for line in (text or "").splitlines():
        m = re.match(r"^(\d+) VmHWM:=(\d+) VmRSS:=(\d+)", line)
        if m:
            out.append((int(m.group(1)), int(m.group(3)), int(m.group(2))))
    return out


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--memtopo", default=os.path.join(ROOT, "build", "src", "memtopo"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cycles", type=int, default=100)
    ap.add_argument("--results", help="directory for the logs (default: a temp dir)")
    a = ap.parse_args()
    results = a.results or tempfile.mkdtemp(prefix="memtopo-bench-agent-")
    os.makedirs(results, exist_ok=True)
    # 60 s of QEMU CPU per unit: a latency run pair costs ~4 s, a cycle ~1 s.
    factor = 2 + (a.runs * 8 + a.cycles * 2) // 60
    load0 = loadavg()
    argv = [sys.executable, RUN_VM, "--memtopo", a.memtopo, "--results", results,
            "--name", "bench-agent", "--scenarios", "agent-bench",
            "--node-mem", "512M,512M", "--dimm-space", "2G",
            "--append", "memtopo_bench_runs=%d" % a.runs,
            "--append", "memtopo_bench_cycles=%d" % a.cycles,
            "--time-factor", str(factor)]
    print("$ " + " ".join(argv), file=sys.stderr)
    rc = subprocess.run(argv, check=False).returncode
    try:
        with open(os.path.join(results, "bench-agent.records.json")) as f:
            rec = json.load(f)["agent-bench"]
        times = ctl_times(os.path.join(results, "bench-agent.ctl.log"))
    except (OSError, KeyError, ValueError) as e:
        print("bench-agent: the run left no records (%s); logs in %s" % (e, results))
        return 2
    if rc != 0:
        print("bench-agent: the guest run failed its checks (exit %d): figures below are not "
              "to be trusted; logs in %s" % (rc, results))
    k = [v for (m, _), v in sorted(times.items()) if m == "kernel"]
    g = [v for (m, _), v in sorted(times.items()) if m == "agent"]
    sh = [v for (m, _), v in sorted(times.items()) if m == "shell"]
    if not k or not g:
        print("bench-agent: no complete run of each mode; logs in %s" % results)
        return 2
    mk, mg = statistics.median(k), statistics.median(g)
    ratio = mg / mk if mk else float("inf")
    rss = rss_samples(rec.get("blobs", {}).get("rss", {}).get("text"))
    print("\n## memtopo agent vs the kernel (2G DIMM, 16 blocks of 128M, node 1, "
          "TCG)\n")
    print("load average %s at the start, %s at the end; %d runs each; logs in %s\n"
          % (load0, loadavg(), min(len(k), len(g)), results))
    print("| onlined by | median | min | max | runs (s) |")
    print("|---|---|---|---|---|")
    for name, v in (("kernel (`online_movable`)", k),
                    ("shell loop (userspace floor)", sh), ("`memtopo agent`", g)):
        if not v:
            continue
        print("| %s | %.3f s | %.3f s | %.3f s | %s |" % (
            name, statistics.median(v), min(v), max(v), " ".join("%.3f" % x for x in v)))
    print("\nagent / kernel (medians): %.2fx" % ratio)
    if sh:
        print("agent / shell loop (medians): %.2fx; shell loop / kernel: %.2fx" % (
            mg / statistics.median(sh), statistics.median(sh) / mk))
    ok = True
    print("\n| RSS after cycle | VmRSS | VmHWM |")
    print("|---|---|---|")
    for c, r, h in rss:
        print("| %d | %d KiB | %d KiB |" % (c, r, h))
    print("\nTargets:")
    met = ratio <= TARGET_RATIO
    ok &= met
    print("- agent within %.1fx of the kernel: %.2fx: %s" % (TARGET_RATIO, ratio,
                                                           "met" if met else "MISSED"))
    if rss:
        peak = max(max(r, h) for _, r, h in rss)
        met = peak <= TARGET_RSS_KB
        ok &= met
        print("- RSS <= %d KiB: peak %d KiB: %s" % (TARGET_RSS_KB, peak,
                                                   "met" if met else "MISSED"))
        base = [r for c, r, _ in rss if c >= 25][:1] or [rss[0][1]]
        growth = rss[-1][1] - base[0]
        met = growth <= GROWTH_KB and rss[-1][0] >= min(a.cycles, 100)
        ok &= met
        print("- RSS not growing (after cycle %d: %+d KiB from cycle 25, at most +%d): %s"
              % (rss[-1][0], growth, GROWTH_KB, "met" if met else "MISSED"))
    else:
        ok = False
        print("- RSS: no samples: MISSED")
    return 0 if ok and rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
