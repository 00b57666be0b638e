#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""memtopo check on real captures, the util-linux dumps, trees without
memory blocks, and the real machine (read-only).

    check-fixtures.py MEMTOPO [NAME-SUBSTRING...]

For every tree, `check`, `check -J`, `check --severity info`,
`check --format prometheus` and `check --format nagios` must never
crash (no signal, no sanitizer report, no timeout), and must agree on
the exit status. Then:

  exit 3 ("could not check"): exactly one stderr line, starting
  "memtopo:", and still an answer with that reason: nothing on stdout for
  the table, a document with status "unknown" for -J, only
  memtopo_check_status 3 for Prometheus, "MEMTOPO UNKNOWN - reason" for
  Nagios -- for the captures without a memory/ directory whose node links
  show nothing at warning level (only proc/, node directories without
  memory links, or node links that are all fine: sysfs-sample2), and for
  synthetic trees without memory blocks;

  any other exit: the JSON document is well-formed (findings with id,
  severity, sorted unique blocks and nodes, a message naming every block
  of a finding of up to 8 blocks; summary counts = the findings;
  blocks_checked = the blocks the capture holds; status = exit status);
  the findings at warning and above are exactly the ones listed in EXPECT
  (id, severity, blocks, nodes), or none; multi-node-link, judged here
  from the capture itself (links either direction; offline, or online in
  one valid_zones zone -> error; otherwise, with no zoneinfo in any
  capture, warning) matches what memtopo reports, block by block; the
  table's last line counts the same and ends with the status; the
  Prometheus output parses strictly and agrees with the JSON and with
  list -J -a (prom-parse.py's rules, except "no 0-byte series", which
  check-prometheus owns: node-only captures have no block size).

Expected exit statuses (from tests/data/real/README.md and the captures):
  util-linux dumps              0  (forward links dangle: no node dir, the
                                    link checks are off, said once)
  autojail/*, prometheus/*      3  (proc/ only: no sysfs at all)
  hwloc/nvidiagpunumanodes      3  (node dirs, no memory links, no memory/)
  hwloc/40intel64-..., 8em64t-..., fakeheteromemtiers, memorysidecaches,
  nri-plugins/sysfs-sample2, topology-aware-server
                                3  (node links only, and they show nothing)
  ghw/xeon-2socket-8581cf3a     1  block 16 under node0 and node1, memoryN
                                   holds only online/state: undecided
  openshift-cnto/worker1        1  block 48 under node0 and node1, same
  nri-plugins/cpuallocator-...  1  node dirs only; blocks 24 (node0+1) and
                                   324 (node2+3): undecided
  hwloc/fakememinitiators-...   1  node dirs only; block 48 (node5+6)
  everything else               0  (partial captures: what is missing is
                                   said once, in an info note)
The real machine (--sysroot /): 0 (the issue: check must pass here), or 3
where the kernel has no /sys/devices/system/memory.
Exit: 0 pass, 1 fail.
"""

import importlib.util
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mtlib  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "prom_parse", os.path.join(mtlib.TESTS_DIR, "prom-parse.py"))
prom = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(prom)

W = "warning"
# name -> findings at warning and above: (id, severity, blocks, nodes)
EXPECT = {
    "ghw/xeon-2socket-8581cf3a": [("multi-node-link", W, [16], [0, 1])],
    "openshift-cnto/worker1.internal": [("multi-node-link", W, [48], [0, 1])],
    "nri-plugins/cpuallocator-2-socket-4-node-40-core": [
        ("multi-node-link", W, [24], [0, 1]),
        ("multi-node-link", W, [324], [2, 3])],
    "hwloc/fakememinitiators-1np2c+1npp+gi": [
        ("multi-node-link", W, [48], [5, 6])],
}
COULD_NOT_CHECK = {
    "autojail/jetsonagx", "autojail/jetsontx2", "autojail/raspberrypi4b",
    "prometheus/node_exporter-fixtures", "prometheus/procfs-testdata",
    "hwloc/nvidiagpunumanodes",
    # node links only, and they show nothing at warning level
    "hwloc/40intel64-2g2n4c+pcilocality", "hwloc/8em64t-2s2ca2c-buggynuma",
    "hwloc/fakeheteromemtiers", "hwloc/memorysidecaches",
    "nri-plugins/sysfs-sample2", "nri-plugins/topology-aware-server",
}
SEV_RANK = {"info": 0, "warning": 1, "error": 2}
STATUS = {"ok": 0, "warning": 1, "error": 2}

_MEM_RE = re.compile(r"^memory([0-9]+)$")
_NODE_RE = re.compile(r"^node([0-9]+)$")


def back_links(root):
    """{block: {nodes}} from node/nodeK/memoryN, whether they dangle or not."""
    out = {}
    nd = os.path.join(root, "sys/devices/system/node")
    if not os.path.isdir(nd):
        return out
    for e in os.listdir(nd):
        m = _NODE_RE.match(e)
        if not m or not os.path.isdir(os.path.join(nd, e)):
            continue
        for f in os.listdir(os.path.join(nd, e)):
            mm = _MEM_RE.match(f)
            if mm:
                out.setdefault(int(mm.group(1)), set()).add(int(m.group(1)))
    return out


def expected_exit(name, root):
    cap = mtlib.Capture(root)
    if not cap.has_memory_dir and (not back_links(root) or name not in EXPECT):
        # Node links alone: what they show is reported (EXPECT), but no
        # finding is "could not check", never "ok": the block checks need
        # the memory directory.
        derived = 3
    elif name in EXPECT:
        derived = max(SEV_RANK[e[1]] for e in EXPECT[name])
    else:
        derived = 0
    return derived


def judge_multi(root):
    """{block: (severity, nodes)} for blocks linked to 2+ nodes, judged
    from the capture alone (None severity: this script cannot tell)."""
    cap = mtlib.Capture(root)
    back = back_links(root)
    zoneinfo = os.path.exists(os.path.join(root, "proc/zoneinfo"))
    out = {}
    ids = set(cap.blocks) if cap.has_memory_dir else set(back)
    for b in ids:
        info = cap.blocks.get(b, {"state": None, "zones": None,
                                  "fwd": set(), "back": set()})
        nodes = info["fwd"] | back.get(b, set())
        if len(nodes) < 2:
            continue
        st, z = info["state"], info["zones"]
        if st == "offline" or (st == "online" and z is not None
                               and z != ["none"]):
            sev = "error"
        elif zoneinfo:
            sev = None
        else:
            sev = "warning"
        out[b] = (sev, sorted(nodes))
    return out


def block_names(blocks):
    """How memtopo names a block list: memory3, memory7-9 (ranges)."""
    return ["memory%d" % a if a == b else "memory%d-%d" % (a, b)
            for a, b in mtlib.ranges_of(sorted(blocks))]


def check_json(doc, rc, nblocks, t):
    findings = doc.get("findings")
    if not t.check(isinstance(findings, list), "no findings list"):
        return []
    counts = {"info": 0, "warning": 0, "error": 0}
    for f in findings:
        tag = "finding %s/%s" % (f.get("id"), f.get("severity"))
        t.check(isinstance(f.get("id"), str) and f["id"], "%s: no id" % tag)
        if not t.check(f.get("severity") in counts, "%s: bad severity" % tag):
            continue
        counts[f["severity"]] += 1
        for k in ("blocks", "nodes"):
            v = f.get(k)
            t.check(isinstance(v, list) and v == sorted(set(v)),
                    "%s: %s not a sorted unique list: %r" % (tag, k, v))
        t.check(isinstance(f.get("message"), str) and f["message"],
                "%s: empty message" % tag)
        if isinstance(f.get("blocks"), list) and \
                len(mtlib.ranges_of(f["blocks"])) <= 8:
            for n in block_names(f["blocks"]):
                t.check(re.search(r"\b%s\b" % n, f.get("message") or ""),
                        "%s: message does not name %s: %r"
                        % (tag, n, f.get("message")))
    s = doc.get("summary", {})
    for k, n in counts.items():
        t.eq(s.get(k), n, "summary.%s vs findings" % k)
    t.eq(s.get("blocks_checked"), nblocks, "summary.blocks_checked")
    t.eq(STATUS.get(doc.get("status")), rc, "JSON status %r vs exit status"
         % doc.get("status"))
    want = 2 if counts["error"] else 1 if counts["warning"] else 0
    t.eq(rc, want, "exit status vs the severities found")
    return findings


def unknown_answers(runs, t):
    """Exit 3 still answers, with the reason the stderr line gives: the
    table prints nothing (a human reads stderr), -J a document with status
    "unknown", Prometheus memtopo_check_status 3 alone, Nagios
    "MEMTOPO UNKNOWN - reason" alone."""
    reason = runs["json"].err_text().strip()
    if reason.startswith("memtopo: "):
        reason = reason[len("memtopo: "):]
    t.check(not runs["table"].stdout, "table: stdout must be empty, got %r"
         % runs["table"].text()[:200])
    try:
        doc = json.loads(runs["json"].text())
    except ValueError as e:
        t.check(False, "json: exit 3 answer does not parse: %s" % e)
        doc = {}
    t.eq((doc.get("status"), doc.get("reason"), doc.get("findings")),
         ("unknown", reason, []), "json: exit 3 answer")
    t.eq(runs["prom"].text(),
         "# HELP memtopo_check_status 0 ok, 1 warning, 2 error, 3 could not check.\n"
         "# TYPE memtopo_check_status gauge\n"
         "memtopo_check_status 3\n", "prom: exit 3 answer")
    t.eq(runs["nagios"].text(), "MEMTOPO UNKNOWN - %s\n" % reason.replace("|", "/"),
         "nagios: exit 3 answer")


def check_tree(memtopo, name, root, want_exit, t, facts=True):
    runs = {}
    for key, args in (("table", ["check"]), ("json", ["check", "-J"]),
                      ("info", ["check", "--severity", "info"]),
                      ("prom", ["check", "--format", "prometheus"]),
                      ("nagios", ["check", "--format", "nagios"])):
        r = mtlib.run_memtopo(memtopo, root, args)
        runs[key] = r
        crash = r.crash_reason()
        t.check(not crash, "%s CRASH: %s\n%s" % (" ".join(args), crash,
                                                 r.err_text()))
    if t.fails:
        return "crash"
    rcs = {k: r.returncode for k, r in runs.items()}
    t.check(len(set(rcs.values())) == 1, "exit statuses differ: %r" % rcs)
    rc = runs["json"].returncode
    t.eq(rc, want_exit, "exit status (stderr: %s)"
         % runs["json"].err_text().strip())
    if rc == 3 or want_exit == 3:
        for key, r in runs.items():
            lines = r.err_text().split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            t.check(len(lines) == 1 and lines[0].startswith("memtopo:"),
                    "%s: stderr must be one 'memtopo: ...' line, got %r"
                    % (key, r.err_text()))
        unknown_answers(runs, t)
        return "could not check: %s" % runs["json"].err_text().strip()
    for key, r in runs.items():
        t.check(not r.stderr, "%s: unexpected stderr %r" % (key, r.err_text()))
    try:
        doc = json.loads(runs["json"].text())
    except ValueError as e:
        t.check(False, "check -J does not parse: %s" % e)
        return "bad JSON"
    cap = mtlib.Capture(root)
    nblocks = len(cap.blocks) if cap.has_memory_dir else len(back_links(root))
    findings = check_json(doc, rc, nblocks, t)
    last = runs["table"].text().rstrip("\n").split("\n")[-1]
    s = doc.get("summary", {})
    m = re.match(r"^(\d+) errors?, (\d+) warnings?, (\d+) info in (\d+) "
                 r"memory blocks?.*: (\w+)$", last)
    if t.check(m, "table summary line: %r" % last):
        t.eq((int(m.group(1)), int(m.group(2)), int(m.group(4)),
              m.group(5)), (s.get("error"), s.get("warning"),
                            s.get("blocks_checked"), doc.get("status")),
             "table summary line vs JSON")
    if facts:
        serious = sorted((f["id"], f["severity"], f["blocks"], f["nodes"])
                         for f in findings if f["severity"] != "info")
        t.eq(serious, sorted(EXPECT.get(name, [])),
             "findings at warning and above")
        judged = judge_multi(root)
        reported = {}
        for f in findings:
            if f["id"] == "multi-node-link":
                for b in f["blocks"]:
                    reported[b] = (f["severity"], f["nodes"])
        t.eq(sorted(reported), sorted(judged),
             "multi-node-link blocks vs the capture's links")
        for b, (sev, nodes) in judged.items():
            if b in reported and sev is not None:
                t.eq(reported[b][0], sev, "memory%d multi-node-link "
                     "severity" % b)
            if b in reported:
                t.check(set(nodes) <= set(reported[b][1]),
                        "memory%d: finding nodes %r lack %r"
                        % (b, reported[b][1], nodes))
    problems = []
    prom.compare(memtopo, root, [], prom.check_table(memtopo), problems,
                 "prometheus", zero_bytes_rule=False)
    for p in problems:
        t.check(False, p)
    return "exit %d, %d finding(s), %d blocks" % (rc, len(findings), nblocks)


total_checks = 0    # every check of the run, said on the last line


def report(name, t, summary):
    global total_checks
    total_checks += t.checks
    if t.fails:
        print("FAIL %s: %s" % (name, summary))
        for p in t.fails[:30]:
            print("  " + p.replace("\n", "\n  "))
        return 1
    print("ok   %s: %s" % (name, summary))
    return 0


def synthetic(memtopo, tmp):
    """Trees without memory blocks: check could not check (3)."""
    cases = [
        ("no-sysroot", None, "a --sysroot that does not exist"),
        ("sys-only", ["sys/devices/system"], "sys/ without memory/ or node/"),
        ("proc-only", ["proc"], "proc/ only"),
        ("node-no-links", ["sys/devices/system/node/node0",
                           "sys/devices/system/node/node1"],
         "node dirs without a memory link, no memory/"),
        ("empty-memory-dir", ["sys/devices/system/memory",
                              "sys/devices/system/node/node0"],
         "memory/ with block_size_bytes and no memoryN (no memory blocks)"),
    ]
    failed = 0
    for name, dirs, what in cases:
        root = os.path.join(tmp, "synthetic-" + name)
        if dirs is not None:
            for d in dirs:
                os.makedirs(os.path.join(root, d), exist_ok=True)
            if name == "empty-memory-dir":
                with open(os.path.join(root, "sys/devices/system/memory/"
                                       "block_size_bytes"), "w") as f:
                    f.write("8000000\n")
        t = mtlib.Tally(echo=False)
        summary = check_tree(memtopo, name, root, 3, t, facts=False)
        failed += report("synthetic/%s (%s)" % (name, what), t, summary)
    return failed


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    memtopo = mtlib.check_binary(argv[0])
    wanted = argv[1:]
    dumps = mtlib.util_linux_dumps()
    reals = mtlib.real_captures()
    tarballs = dumps + reals
    if wanted:
        tarballs = [x for x in tarballs
                    if any(w in mtlib.capture_name(x) for w in wanted)]
    names = {mtlib.capture_name(x) for x in tarballs}
    if not wanted:
        for n in sorted((set(EXPECT) | COULD_NOT_CHECK) - names):
            print("FAIL %s: named here but no such capture" % n)
            return 1
    failed = 0
    with mtlib.TempDir("memtopo-checkfx-") as tmp:
        for i, tb in enumerate(tarballs):
            name = mtlib.capture_name(tb)
            t = mtlib.Tally(echo=False)
            try:
                root = mtlib.unpack(tb, os.path.join(tmp, "%03d" % i))
            except RuntimeError as e:
                print("FAIL %s: %s" % (name, e))
                failed += 1
                continue
            want = 3 if name in COULD_NOT_CHECK else \
                max([SEV_RANK[e[1]] for e in EXPECT.get(name, [])] or [0])
            t.eq(expected_exit(name, root), want,
                 "this script's table vs the capture (exit 3 exactly where "
                 "there is no memory/ and no node link at warning level)")
            summary = check_tree(memtopo, name, root, want, t)
            failed += report(name, t, summary)
        if not wanted:
            failed += synthetic(memtopo, tmp)
    if not wanted:
        t = mtlib.Tally(echo=False)
        want = 0 if os.path.isdir("/sys/devices/system/memory") else 3
        # Read-only: check never writes; the real machine's findings at
        # warning and up must be none (the issue), whatever they are.
        summary = check_tree(memtopo, "real-root", "/", want, t, facts=False)
        failed += report("real machine (--sysroot /)", t, summary)
    print("%d failed, %d checks" % (failed, total_checks))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
