#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""memtopo on captures of real machines.

    real-fixtures.py MEMTOPO [NAME-SUBSTRING...]

Captures: tests/data/util-linux/*.tar.bz2 and tests/data/real/*/*.tar.xz
(see the READMEs there); each is
unpacked once into a temp dir and its top directory used as --sysroot.
For each, `memtopo list` and `memtopo list -J`:
  - must never crash (no signal, no sanitizer report on stderr, no timeout);
  - with sys/devices/system/memory/block_size_bytes: exit 0, and the JSON
    must agree with facts read here directly from the capture:
      block_size; blocks summed over ranges = number of memoryN dirs; every
      block id covered exactly once; ranges sorted, non-overlapping, first..
      last all present; start = first*bs, end = (last+1)*bs-1, size and
      blocks consistent; a block linked to 2+ nodes (either direction)
      stands alone with "nodes" = those nodes; other blocks: node = their
      one node or null; state and zones = the files (null zones where
      valid_zones is absent); adjacent ranges differ in a split key (the
      merge is maximal); summary.blocks / online_bytes / offline_bytes;
      every JSON range appears in the table output;
    plus the facts the README states for named machines (FACTS below);
  - without it (memory/ not captured): exit 1 with exactly one stderr line
    starting with "memtopo:" and nothing on stdout.
Exit: 0 pass, 1 fail (also when no capture matches).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mtlib  # noqa: E402

GiB = 1 << 30
MiB = 1 << 20


def _ids(spec):
    out = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def _range_of(doc, block):
    for r in doc["memory"]:
        if r["first_block"] <= block <= r["last_block"]:
            return r
    return None


# --- README facts, per capture ------------------------------------------

def f_ul_x86(doc, cap, t):
    t.eq(doc["block_size"], 128 * MiB, "block size")
    t.eq(cap.ids(), _ids("0-23,32-135"), "capture block ids")
    t.eq(_range_of(doc, 0)["zones"], ["none"], "memory0 zones")
    t.eq(_range_of(doc, 135)["zones"], ["none"], "memory135 zones")
    t.eq(_range_of(doc, 1)["zones"], ["DMA32"], "memory1 zones")
    t.eq(_range_of(doc, 32)["zones"], ["Normal"], "memory32 zones")
    t.eq({r["state"] for r in doc["memory"]}, {"online"}, "all online")


def f_ul_s390(doc, cap, t):
    t.eq(doc["block_size"], 256 * MiB, "block size")
    t.eq(cap.ids(), _ids("0-23"), "capture block ids")
    off = sorted(b for r in doc["memory"] if r["state"] == "offline"
                 for b in range(r["first_block"], r["last_block"] + 1))
    t.eq(off, [14, 20, 21, 22, 23], "offline blocks")
    r17, r18 = _range_of(doc, 17), _range_of(doc, 18)
    t.eq(r17["zones"], ["Normal", "Movable"], "memory17 zones")
    t.eq(r18["zones"], ["Movable", "Normal"], "memory18 zones")
    t.check(r17 is not r18, "'Normal Movable' and 'Movable Normal' must not "
            "merge (blocks 17, 18)")


def f_ul_aarch64(doc, cap, t):
    t.eq(doc["block_size"], 128 * MiB, "block size")
    t.eq(cap.ids(), _ids("8192-8316,8319"), "capture block ids")
    t.eq([(r["first_block"], r["last_block"]) for r in doc["memory"]],
         [(8192, 8316), (8319, 8319)], "ranges")
    t.eq(doc["memory"][0]["start"], 8192 * 128 * MiB, "first start")
    t.eq({tuple(r["zones"] or ()) for r in doc["memory"]}, {("DMA",)},
         "zones")


def f_ul_chmem_x86(doc, cap, t):
    t.eq(cap.ids(), _ids("0-12,32-145"), "capture block ids")
    t.eq(sum(r["blocks"] for r in doc["memory"]), 127, "127 blocks")


def f_xeon(doc, cap, t):
    t.eq(doc["block_size"], 2 * GiB, "2 GiB blocks")
    t.eq(cap.ids(), _ids("0-32"), "33 blocks")
    r = _range_of(doc, 16)
    t.eq((r["first_block"], r["last_block"]), (16, 16), "block 16 alone")
    t.eq(r.get("nodes"), [0, 1], "block 16 nodes")
    t.eq(_range_of(doc, 0)["node"], 1, "blocks 0-15 on node1")
    t.eq(_range_of(doc, 17)["node"], 0, "blocks 17-32 on node0")
    t.eq(_range_of(doc, 0)["last_block"], 15, "0-15 one range")
    t.eq(_range_of(doc, 17)["last_block"], 32, "17-32 one range")


def f_arm64_aws(doc, cap, t):
    t.eq(doc["block_size"], 128 * MiB, "block size")
    t.eq(cap.ids(), _ids("8-15,128-135"), "capture block ids")
    t.eq([(r["first_block"], r["last_block"]) for r in doc["memory"]],
         [(8, 15), (128, 135)], "ranges")


def f_ghw_s390(doc, cap, t):
    t.eq(doc["block_size"], GiB, "1 GiB blocks")
    t.eq(sum(r["blocks"] for r in doc["memory"]), 110, "110 blocks")


def f_x1(doc, cap, t):
    t.eq(doc["block_size"], 128 * MiB, "block size")
    t.eq(sum(r["blocks"] for r in doc["memory"]), 255, "255 blocks")
    t.check(not any(r["first_block"] <= b <= r["last_block"]
                    for r in doc["memory"] for b in range(19, 32)),
            "hole 19-31")


def f_amd64_gpu(doc, cap, t):
    t.eq({r["node"] for r in doc["memory"]}, {None},
         "node0 has no memory links: node null everywhere")
    t.check(not any("nodes" in r for r in doc["memory"]), "no nodes lists")


def f_master(doc, cap, t):
    t.eq(doc["block_size"], 2 * GiB, "2 GiB blocks")
    t.eq(cap.ids(), _ids("0,2-128"), "capture block ids")
    t.check(_range_of(doc, 1) is None, "memory1 absent")


def f_worker1(doc, cap, t):
    t.eq(doc["block_size"], 2 * GiB, "2 GiB blocks")
    t.eq(cap.ids(), _ids("0,2-96"), "capture block ids")
    r = _range_of(doc, 48)
    t.eq((r["first_block"], r["last_block"]), (48, 48), "block 48 alone")
    t.eq(r.get("nodes"), [0, 1], "block 48 under node0 and node1")


def f_nri4(doc, cap, t):
    t.eq(doc["block_size"], GiB, "1 GiB blocks")
    t.eq(sum(r["blocks"] for r in doc["memory"]), 767, "767 blocks")
    t.eq(cap.ids(), _ids("0-1,4-768"), "ids 0-1, 4-768")
    t.eq({r["node"] for r in doc["memory"]}, {0, 1, 2, 3}, "4 nodes")
    t.eq(_range_of(doc, 0)["zones"], ["none"], "memory0 none")
    t.eq(_range_of(doc, 1)["zones"], ["DMA32"], "memory1 DMA32")
    t.eq({tuple(r["zones"]) for r in doc["memory"] if r["first_block"] >= 4},
         {("Normal",)}, "rest Normal")


FACTS = {
    "util-linux/x86_64-16g": f_ul_x86,
    "util-linux/s390-zvm-6g": f_ul_s390,
    "util-linux/aarch64_16K_16g": f_ul_aarch64,
    "util-linux/chmem-aarch64_16k_16g": f_ul_aarch64,
    "util-linux/chmem-x86_64_16g": f_ul_chmem_x86,
    "ghw/xeon-2socket-8581cf3a": f_xeon,
    "ghw/arm64-aws-neoverse-n1": f_arm64_aws,
    "ghw/s390x": f_ghw_s390,
    "ghw/x1-carbon-gen10": f_x1,
    "ghw/amd64-gpu-61797caf": f_amd64_gpu,
    "openshift-cnto/master.internal": f_master,
    "openshift-cnto/worker1.internal": f_worker1,
    "nri-plugins/topology-aware-4-socket-server-nosnc": f_nri4,
}
# Captures the README says have no memory/ directory: memtopo must refuse.
NO_MEMORY = {
    "nri-plugins/sysfs-sample2", "nri-plugins/cpuallocator-2-socket-4-node-40-core",
    "nri-plugins/topology-aware-server",
}


def generic_facts(doc, cap, t):
    bs = cap.block_size
    t.eq(doc.get("block_size"), bs, "block_size")
    mem = doc.get("memory")
    if not t.check(isinstance(mem, list), "\"memory\" is not a list"):
        return
    ids = set(cap.blocks)
    t.eq(sum(r.get("blocks", 0) for r in mem), len(ids),
         "blocks summed over ranges vs memoryN dirs")
    seen = {}
    prev = None
    for r in mem:
        first, last = r.get("first_block"), r.get("last_block")
        tag = "range %s (%s-%s)" % (r.get("range"), first, last)
        if not t.check(isinstance(first, int) and isinstance(last, int)
                       and first <= last, "%s: bad first/last" % tag):
            continue
        if prev is not None:
            t.check(first > prev["last_block"], "%s: not sorted or overlaps the "
                    "previous range" % tag)
        t.eq(r.get("blocks"), last - first + 1, "%s: blocks" % tag)
        t.eq(r.get("start"), first * bs, "%s: start" % tag)
        t.eq(r.get("end"), (last + 1) * bs - 1, "%s: end" % tag)
        t.eq(r.get("size"), (last - first + 1) * bs, "%s: size" % tag)
        t.eq(r.get("range"), "0x%016x-0x%016x" % (first * bs,
                                                  (last + 1) * bs - 1),
             "%s: range string" % tag)
        for b in range(first, last + 1):
            if b not in ids:
                t.check(False, "%s: block %d has no memory%d dir" % (tag, b, b))
            elif b in seen:
                t.check(False, "block %d in two ranges" % b)
            seen[b] = r
        # node facts
        nodesets = {b: cap.nodes_of(b) for b in range(first, last + 1)
                    if b in ids}
        multi = [b for b, s in nodesets.items() if len(s) >= 2]
        if multi:
            t.eq((first, last), (multi[0], multi[0]),
                 "multi-node block %d must stand alone" % multi[0])
            t.eq(r.get("nodes"), sorted(nodesets[multi[0]]),
                 "memory%d nodes" % multi[0])
        else:
            t.check("nodes" not in r or r["nodes"] is None,
                    "%s: \"nodes\" on single-node blocks" % tag)
            want = {next(iter(s)) if s else None for s in nodesets.values()}
            t.eq({r.get("node")}, want, "%s: node" % tag)
        # state and zones facts
        states = set()
        zones = set()
        for b in range(first, last + 1):
            if b not in ids:
                continue
            st = cap.blocks[b]["state"]
            states.add(st if st in ("online", "offline", "going-offline")
                       else "unknown")
            z = cap.blocks[b]["zones"]
            zones.add(None if z is None else tuple(z))
        t.eq({r.get("state")}, states, "%s: state" % tag)
        rz = r.get("zones")
        t.eq({None if rz is None else tuple(rz)}, zones, "%s: zones" % tag)
        # merge is maximal: a contiguous neighbour must differ somewhere
        if prev is not None and prev["last_block"] + 1 == first and \
                not prev.get("nodes") and not r.get("nodes"):
            t.check((prev.get("state"), prev.get("node"), prev.get("zones")) !=
                    (r.get("state"), r.get("node"), r.get("zones")),
                    "%s: could have merged with the previous range" % tag)
        prev = r
    missing = ids - set(seen)
    t.check(not missing, "blocks not listed: %s" % mtlib.fmt_ids(missing))
    s = doc.get("summary")
    if t.check(isinstance(s, dict), "no summary object"):
        online = sum(1 for b in ids if cap.blocks[b]["state"] == "online")
        t.eq(s.get("blocks"), len(ids), "summary.blocks")
        t.eq(s.get("online_bytes"), online * bs, "summary.online_bytes")
        t.eq(s.get("offline_bytes"), (len(ids) - online) * bs,
             "summary.offline_bytes")


def check_capture(memtopo, name, root, t):
    """Checks one unpacked capture into t; returns a one-line summary."""
    cap = mtlib.Capture(root)
    runs = {}
    for key, args in (("table", ["list"]), ("json", ["list", "-J"])):
        r = mtlib.run_memtopo(memtopo, root, args)
        runs[key] = r
        crash = r.crash_reason()
        if crash:
            t.check(False, "list%s CRASH: %s\n%s" % (
                   " -J" if key == "json" else "", crash, r.err_text()))
    if t.fails:
        return "crash"

    if not cap.has_memory_dir or cap.block_size is None:
        why = "no memory/ dir" if not cap.has_memory_dir else \
            "no block_size_bytes"
        for key, r in runs.items():
            lines = [l for l in r.err_text().split("\n") if l != ""]
            t.eq(r.returncode, 1, "%s: exit status (%s)" % (key, why))
            t.check(len(lines) == 1 and lines[0].startswith("memtopo:"),
                    "%s: stderr must be one 'memtopo: ...' line, got %r"
                    % (key, r.err_text()))
            t.check(not r.stdout, "%s: stdout must be empty, got %r"
                    % (key, r.text()[:200]))
        if name in FACTS:
            t.check(False, "README facts exist for %s but it has no memory "
                    "blocks" % name)
        return "refused (%s)" % why

    if name in NO_MEMORY:
        t.check(False, "README says %s has no memory/ dir" % name)
    for key, r in runs.items():
        t.eq(r.returncode, 0, "list%s exit status (stderr: %s)" % (
            " -J" if key == "json" else "", r.err_text().strip()))
    if t.fails:
        return "failed"
    try:
        doc = json.loads(runs["json"].text())
    except ValueError as e:
        t.check(False, "list -J output does not parse: %s" % e)
        return "bad JSON"
    generic_facts(doc, cap, t)
    if not t.fails and name in FACTS:
        try:
            FACTS[name](doc, cap, t)
        except (KeyError, TypeError) as e:
            t.check(False, "README facts: unexpected JSON shape (%r)" % (e,))
    table = runs["table"].text()
    t.check(table.lstrip().startswith("RANGE"), "table has no RANGE header")
    for r in doc.get("memory", []):
        if isinstance(r, dict) and r.get("range") not in table:
            t.check(False, "JSON range %s missing from the table"
                    % r.get("range"))
            break
    return "%d blocks in %d ranges%s" % (
        len(cap.blocks), len(doc.get("memory", [])),
        ", README facts" if name in FACTS else "")


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    memtopo = mtlib.check_binary(argv[0])
    wanted = argv[1:]
    tarballs = mtlib.util_linux_dumps() + mtlib.real_captures()
    if wanted:
        tarballs = [x for x in tarballs
                    if any(w in mtlib.capture_name(x) for w in wanted)]
    if not tarballs:
        print("FAIL: no captures found under %s" % mtlib.DATA_DIR)
        return 1
    names = {mtlib.capture_name(x) for x in tarballs}
    if not wanted:
        for n in sorted(set(FACTS) - names):
            print("warning: README facts for %s, but no such capture" % n)
    failed = checks = 0
    with mtlib.TempDir("memtopo-real-") as tmp:
        for i, tb in enumerate(tarballs):
            name = mtlib.capture_name(tb)
            try:
                root = mtlib.unpack(tb, os.path.join(tmp, "%03d" % i))
            except RuntimeError as e:
                print("FAIL %s: %s" % (name, e))
                failed += 1
                continue
            t = mtlib.Tally(echo=False)
            summary = check_capture(memtopo, name, root, t)
            checks += t.checks
            problems = t.fails
            if problems:
                failed += 1
                print("FAIL %s: %s" % (name, summary))
                for p in problems[:40]:
                    print("  " + p.replace("\n", "\n  "))
                if len(problems) > 40:
                    print("  ... %d more" % (len(problems) - 40))
            else:
                print("ok   %s: %s" % (name, summary))
    print("%d capture(s), %d failed, %d checks" % (len(tarballs), failed,
                                                   checks))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
