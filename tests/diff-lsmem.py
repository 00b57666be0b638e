#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Differential test: memtopo `list -J` against util-linux lsmem on one tree.

    diff-lsmem.py --list                         the scenarios compared (one
                                                 meson test each)
    diff-lsmem.py MEMTOPO --scenario FILE.scn    generate the tree, compare
    diff-lsmem.py MEMTOPO --all-scenarios        every tests/scenarios/*.scn
    diff-lsmem.py MEMTOPO --dump TARBALL         one util-linux dump
    diff-lsmem.py MEMTOPO --dumps                every tests/data/util-linux dump
    diff-lsmem.py MEMTOPO --root                 the real machine (read-only)
    diff-lsmem.py MEMTOPO --sysroot DIR          any unpacked tree

Runs `memtopo --sysroot D list -J` and
`lsmem --sysroot D -J -b -o RANGE,SIZE,STATE,BLOCK,NODE,ZONES`, expands both
into per-block facts and compares, for every block: present in both, state,
node, zones; then the range partition (where a range has the same first and
last block in both, also its "range" string and size), and memtopo's own
arithmetic (start, end, size, blocks from first/last block and block size).

lsmem 2.38 reads less than memtopo; where it cannot know, we do not compare
(each rule below is a documented lsmem limitation, not a memtopo licence):
  - node: lsmem reads only forward links memoryN/nodeK, and only if the FIRST
    block has one (else no node at all: not compared). A block linked to
    several nodes shows one of them in lsmem (readdir order): memtopo's
    "nodes" must contain it. lsmem -1 (no forward link) must be memtopo null,
    unless the tree has back-links node/nodeK/memoryN for that block, which
    memtopo reads and lsmem does not.
  - zones: lsmem reads valid_zones only if memory0/valid_zones exists (not on
    the aarch64 dump, nor where ids start above 0): not compared there.
    Compared case-insensitively, lsmem "None" = kernel "none", lsmem
    "Unknown" = any token that is not a kernel zone name.
  - ranges: memtopo never merges a multi-node block; lsmem never merges a
    block with an unknown zone token with its successor; memtopo may split
    where it sees a difference that lsmem cannot see (nodes, zones above).
  - failure: when lsmem refuses the tree (no block_size_bytes), memtopo must
    refuse it too, with exit status 1.
Scenarios left out entirely are listed in EXCLUDED with the reason.

Exit: 0 all agree, 1 a difference, 77 lsmem absent (or, for --root, a
kernel before 5.7 or no memory blocks here).
"""

import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkfixture  # noqa: E402
import mtlib  # noqa: E402

LSMEM_COLS = "RANGE,SIZE,STATE,BLOCK,NODE,ZONES"
STATE_MAP = {"online": "online", "offline": "offline",
             "on->off": "going-offline", "?": "unknown"}
KNOWN_ZONES = {z.lower() for z in mtlib.ZONE_NAMES} | {"highmem"}

# Scenarios where lsmem's answer is not a reference at all.
EXCLUDED = {
    "bad-block-size": "lsmem parses the garbage block_size_bytes 'zzz' as 0 "
                      "and prints 0-byte ranges at wrapped addresses; memtopo "
                      "must refuse the tree (exit 1), which run-scenario.py "
                      "checks against its goldens",
    "check-bad-block-size": "block_size_bytes 6000000 parses (96 MiB) but is "
                            "not a power of two: lsmem lists ranges from it, "
                            "memtopo refuses the tree (list exits 1), which "
                            "is the point of the scenario",
}
# Scenarios compared with a narrower scope (the generic rules above apply;
# listed so the reason is written down next to the name).
NOTES = {
    "no-block-size": "lsmem refuses the tree: memtopo must exit 1 as well",
    "backlinks-only": "lsmem sees no node (no forward links): nodes not "
                      "compared; memtopo's node comes from the back-links",
    "gap": "no memory0: lsmem shows no zones, zones not compared",
    "multi-node-link": "lsmem merges block 21 into a neighbour; memtopo must "
                       "split it out and list both nodes",
    "stale-link": "lsmem ignores back-links: memory8 shows node 1 there",
    "missing-garbage": "lsmem shows state '?' for missing/bogus state, "
                       "'Unknown' for the zone token Foo, node -1 for the "
                       "unlinked block",
}

MAX_PROBLEMS = 40


def parse_range(text):
    m = re.match(r"^0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)$", text or "")
    if not m:
        raise ValueError("bad range %r" % text)
    return int(m.group(1), 16), int(m.group(2), 16)


def parse_blocks(text):
    text = str(text)
    if "-" in text:
        a, b = text.split("-", 1)
        return int(a), int(b)
    return int(text), int(text)


def _as_int(v):
    if v is None or v == "":
        return None
    return int(v)


def lsmem_blocks(doc):
    """lsmem JSON -> (ranges, {block: facts})."""
    ranges, blocks = [], {}
    for i, r in enumerate(doc.get("memory", [])):
        start, end = parse_range(r["range"])
        first, last = parse_blocks(r["block"])
        zones = r.get("zones")
        if zones in (None, ""):
            zl = None if zones is None else []
        else:
            zl = [z for z in zones.split("/")]
        rng = {"idx": i, "range": r["range"], "start": start, "end": end,
               "size": _as_int(r.get("size")), "first": first, "last": last,
               "state": STATE_MAP.get(r.get("state"), "?" + str(r.get("state"))),
               "node": _as_int(r.get("node")), "zones": zl}
        ranges.append(rng)
        for b in range(first, last + 1):
            blocks[b] = rng
    return ranges, blocks


def memtopo_blocks(doc, bs_tree, problems):
    """memtopo JSON -> (ranges, {block: facts}); checks its arithmetic."""
    bs = doc.get("block_size")
    if not isinstance(bs, int) or isinstance(bs, bool):
        problems.append("memtopo block_size is %r, not an integer" % (bs,))
        bs = bs_tree
    elif bs_tree is not None and bs != bs_tree:
        problems.append("memtopo block_size %d != block_size_bytes %d"
                        % (bs, bs_tree))
    ranges, blocks = [], {}
    prev_last = None
    for i, r in enumerate(doc.get("memory") or []):
        try:
            first, last = r["first_block"], r["last_block"]
            start, end, size = r["start"], r["end"], r["size"]
            nblocks = r["blocks"]
        except KeyError as e:
            problems.append("memtopo range %d lacks %s: %r" % (i, e, r))
            continue
        tag = "memtopo range %s (blocks %s-%s)" % (r.get("range"), first, last)
        for k, v in (("start", start), ("end", end), ("size", size),
                     ("blocks", nblocks), ("first_block", first),
                     ("last_block", last)):
            if not isinstance(v, int) or isinstance(v, bool):
                problems.append("%s: %s is %r, not an integer" % (tag, k, v))
        if problems and problems[-1].startswith(tag):
            continue
        if last < first:
            problems.append("%s: last_block < first_block" % tag)
            continue
        if prev_last is not None and first <= prev_last:
            problems.append("%s: not sorted / overlaps the previous range"
                            % tag)
        prev_last = last
        if nblocks != last - first + 1:
            problems.append("%s: blocks=%d, expected %d"
                            % (tag, nblocks, last - first + 1))
        if bs:
            if start != first * bs:
                problems.append("%s: start=%#x, expected %#x"
                                % (tag, start, first * bs))
            if end != (last + 1) * bs - 1:
                problems.append("%s: end=%#x, expected %#x"
                                % (tag, end, (last + 1) * bs - 1))
            if size != (last - first + 1) * bs:
                problems.append("%s: size=%d, expected %d"
                                % (tag, size, (last - first + 1) * bs))
        want = "0x%016x-0x%016x" % (start, end)
        if r.get("range") != want:
            problems.append("%s: range string %r, expected %r"
                            % (tag, r.get("range"), want))
        nodes = r.get("nodes")
        rng = {"idx": i, "range": r.get("range"), "start": start, "end": end,
               "size": size, "first": first, "last": last,
               "state": r.get("state"), "node": r.get("node"),
               "nodes": nodes, "zones": r.get("zones")}
        if nodes is not None:
            if not isinstance(nodes, list) or len(nodes) < 2:
                problems.append("%s: \"nodes\" is %r, expected a list of 2+ "
                                "node ids" % (tag, nodes))
            if first != last:
                problems.append("%s: multi-node block merged into a range "
                                "of %d blocks" % (tag, last - first + 1))
        ranges.append(rng)
        for b in range(first, last + 1):
            if b in blocks:
                problems.append("memtopo lists block %d twice" % b)
            blocks[b] = rng
    return ranges, blocks


def zones_agree(lz, mz):
    """lsmem zone list vs memtopo zone list; None/[] = unknown/empty."""
    if lz is None:
        return True                     # lsmem has no zone support here
    if lz == []:
        return mz is None or mz == []
    if mz is None and any(a.lower() == "unknown" for a in lz):
        return True                     # a non-kernel token: memtopo may
        #                                 say "unknown" (null), cli.md
    if not isinstance(mz, list) or len(mz) != len(lz):
        return False
    for a, b in zip(lz, mz):
        if not isinstance(b, str):
            return False
        if a.lower() == "unknown":
            if b.lower() in KNOWN_ZONES:
                return False
        elif a.lower() != b.lower():
            return False
    return True


def compare_tree(memtopo, sysroot, label):
    """Return a list of problems (empty = agree) and a one-line summary."""
    problems = []
    cap = mtlib.Capture(sysroot)
    lr = mtlib.run(["lsmem", "--sysroot", sysroot, "-J", "-b", "-o",
                    LSMEM_COLS])
    mr = mtlib.run_memtopo(memtopo, sysroot, ["list", "-J"])
    crash = mr.crash_reason()
    if crash:
        return ["memtopo CRASH: %s\n%s" % (crash, mr.err_text())], "crash"

    if lr.returncode != 0:
        # lsmem refuses the tree: memtopo must refuse it too.
        if mr.returncode != 1:
            problems.append("lsmem refuses this tree (%s) but memtopo exits "
                            "%s" % (lr.err_text().strip(), mr.returncode))
        lines = [l for l in mr.err_text().splitlines() if l.strip()]
        if len(lines) != 1 or not lines[0].startswith("memtopo:"):
            problems.append("memtopo stderr should be one 'memtopo: ...' "
                            "line, got %r" % mr.err_text())
        if mr.stdout.strip():
            problems.append("memtopo printed on stdout while failing: %r"
                            % mr.text()[:200])
        return problems, "both refuse the tree"

    if mr.returncode != 0:
        return ["memtopo exits %s where lsmem succeeds; stderr: %s"
                % (mr.returncode, mr.err_text().strip())], "memtopo failed"
    try:
        ldoc = json.loads(lr.text())
    except ValueError as e:
        return ["cannot parse lsmem JSON: %s" % e], "lsmem output broken"
    try:
        mdoc = json.loads(mr.text())
    except ValueError as e:
        return ["memtopo JSON does not parse: %s\n%s"
                % (e, mr.text()[:500])], "bad JSON"

    lranges, lblk = lsmem_blocks(ldoc)
    mranges, mblk = memtopo_blocks(mdoc, cap.block_size, problems)

    only_l = sorted(set(lblk) - set(mblk))
    only_m = sorted(set(mblk) - set(lblk))
    if only_l:
        problems.append("blocks in lsmem only: %s" % mtlib.fmt_ids(only_l))
    if only_m:
        problems.append("blocks in memtopo only: %s" % mtlib.fmt_ids(only_m))

    lsmem_has_nodes = any(r["node"] is not None for r in lranges)
    lsmem_has_zones = os.path.exists(os.path.join(
        sysroot, "sys/devices/system/memory/memory0/valid_zones"))
    node_unseen = set()         # blocks whose node lsmem cannot know
    ids = sorted(set(lblk) & set(mblk))
    for b in ids:
        l, m = lblk[b], mblk[b]
        if l["state"] != m["state"]:
            problems.append("memory%d: state lsmem %s, memtopo %s"
                            % (b, l["state"], m["state"]))
        # node
        mnodes = m["nodes"] if m["nodes"] is not None else \
            ([] if m["node"] is None else [m["node"]])
        if m["nodes"] is not None and m["node"] is not None and \
                m["node"] not in m["nodes"]:
            problems.append("memory%d: memtopo node %r not in nodes %r"
                            % (b, m["node"], m["nodes"]))
        if not lsmem_has_nodes:
            node_unseen.add(b)
        elif l["node"] == -1:
            back = cap.blocks.get(b, {}).get("back", set())
            if back:
                node_unseen.add(b)
                if sorted(back | cap.blocks[b]["fwd"]) != sorted(mnodes):
                    problems.append("memory%d: memtopo nodes %r, tree links "
                                    "%r" % (b, mnodes, sorted(
                                        back | cap.blocks[b]["fwd"])))
            elif mnodes:
                problems.append("memory%d: lsmem has no node, memtopo %r"
                                % (b, mnodes))
        elif len(cap.blocks.get(b, {}).get("fwd", ())) > 1:
            # several forward links: lsmem shows whichever readdir returns
            # first; memtopo's nodes must come from the tree's links
            node_unseen.add(b)
            links = cap.blocks[b]["fwd"] | cap.blocks[b]["back"]
            if l["node"] not in cap.blocks[b]["fwd"] or not mnodes or \
                    not set(mnodes) <= links:
                problems.append("memory%d: lsmem node %d, memtopo %r, tree "
                                "links %r" % (b, l["node"], mnodes,
                                              sorted(links)))
        elif l["node"] not in mnodes:
            problems.append("memory%d: lsmem node %d, memtopo %r"
                            % (b, l["node"], m["nodes"] if m["nodes"]
                               is not None else m["node"]))
        elif len(mnodes) > 1 or cap.blocks.get(b, {}).get("back", set()) \
                - cap.blocks.get(b, {}).get("fwd", set()):
            node_unseen.add(b)    # lsmem sees one node of several
        # zones
        # with zone support, lsmem prints null for "no valid_zones"
        lz = l["zones"] if l["zones"] is not None else []
        if lsmem_has_zones and not zones_agree(lz, m["zones"]):
            problems.append("memory%d: zones lsmem %r, memtopo %r"
                            % (b, l["zones"], m["zones"]))

    # Range partition.
    def key(rng):
        return (rng["state"], rng["node"], tuple(rng["nodes"] or ()),
                tuple(rng["zones"] or ()) if rng["zones"] is not None
                else None)

    for a, b in zip(ids, ids[1:]):
        if b != a + 1:
            continue                     # a hole: both must split (checked
            #                              by the range arithmetic)
        l_split = lblk[a]["idx"] != lblk[b]["idx"]
        m_split = mblk[a]["idx"] != mblk[b]["idx"]
        if l_split == m_split:
            continue
        ma, mb = mblk[a], mblk[b]
        if m_split:
            if ma["nodes"] is not None or mb["nodes"] is not None:
                continue
            unseen = []
            if (a in node_unseen or b in node_unseen) and \
                    (ma["node"], ma["nodes"]) != (mb["node"], mb["nodes"]):
                unseen.append("node")
            if not lsmem_has_zones and ma["zones"] != mb["zones"]:
                unseen.append("zones")
            if unseen:
                continue
            problems.append("memtopo splits between memory%d and memory%d "
                            "where lsmem merges (memtopo %r vs %r)"
                            % (a, b, key(ma), key(mb)))
        else:
            lz = (lblk[a]["zones"] or []) + (lblk[b]["zones"] or [])
            if any(z.lower() == "unknown" for z in lz):
                continue            # lsmem never merges an Unknown zone
            problems.append("memtopo merges memory%d and memory%d (range "
                            "%s) where lsmem splits (%s | %s)"
                            % (a, b, ma["range"], lblk[a]["range"],
                               lblk[b]["range"]))

    # Ranges that both tools cut the same way must print the same.
    lby = {(r["first"], r["last"]): r for r in lranges}
    same = 0
    for r in mranges:
        l = lby.get((r["first"], r["last"]))
        if not l:
            continue
        same += 1
        if l["range"] != r["range"]:
            problems.append("blocks %d-%d: range lsmem %s, memtopo %s"
                            % (r["first"], r["last"], l["range"], r["range"]))
        if l["size"] is not None and l["size"] != r["size"]:
            problems.append("blocks %d-%d: size lsmem %d, memtopo %r"
                            % (r["first"], r["last"], l["size"], r["size"]))

    # Cross-check against the tree itself.
    if set(cap.blocks) != set(mblk):
        problems.append("memtopo blocks %s != memoryN dirs %s" % (
            mtlib.fmt_ids(mblk), mtlib.fmt_ids(cap.blocks)))
    summary = "%d blocks; %d memtopo ranges, %d lsmem ranges, %d identical" \
        % (len(mblk), len(mranges), len(lranges), same)
    return problems, summary


def report(label, problems, summary, note=None):
    if problems:
        print("FAIL %s: %s" % (label, summary))
        for p in problems[:MAX_PROBLEMS]:
            print("  " + p.replace("\n", "\n  "))
        if len(problems) > MAX_PROBLEMS:
            print("  ... %d more" % (len(problems) - MAX_PROBLEMS))
        return False
    print("ok   %s: %s%s" % (label, summary, " (%s)" % note if note else ""))
    return True


def do_scenario(memtopo, path):
    name = os.path.basename(path)[:-4]
    if name in EXCLUDED:
        print("skip %s: %s" % (name, EXCLUDED[name]))
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with mtlib.TempDir("memtopo-lsmem-%s-" % name) as tmp:
        root = os.path.join(tmp, name)
        mkfixture.generate(text, root, path)
        problems, summary = compare_tree(memtopo, root, name)
    return report("scenario " + name, problems, summary, NOTES.get(name))


def do_dump(memtopo, tarball):
    name = mtlib.capture_name(tarball)
    with mtlib.TempDir("memtopo-lsmem-dump-") as tmp:
        root = mtlib.unpack(tarball, tmp)
        problems, summary = compare_tree(memtopo, root, name)
    return report("dump " + name, problems, summary)


def do_root(memtopo):
    rel = os.uname().release
    m = re.match(r"^(\d+)\.(\d+)", rel)
    if not m or (int(m.group(1)), int(m.group(2))) < (5, 7):
        # lsmem reads memoryN/removable for every block, which has crashed
        # kernels before 5.7 on blocks shared with PMEM (kernel.md).
        mtlib.die_skip("kernel %s < 5.7: lsmem would read `removable`, "
                       "unsafe on this kernel" % rel)
    if not os.path.exists("/sys/devices/system/memory/block_size_bytes"):
        mtlib.die_skip("no /sys/devices/system/memory on this machine")
    problems, summary = compare_tree(memtopo, "/", "/")
    return report("real machine /", problems, summary, "read-only")


def scenario_names():
    """The scenarios compared with lsmem: every tests/scenarios/*.scn but
    EXCLUDED."""
    return [n for n in mtlib.scenario_names() if n not in EXCLUDED]


def main(argv):
    if argv == ["--list"]:
        print("\n".join(scenario_names()))
        return 0
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    memtopo = mtlib.check_binary(argv[0])
    if not shutil.which("lsmem"):
        mtlib.die_skip("lsmem (util-linux) is not installed: nothing to "
                       "compare with")
    mode, rest = argv[1], argv[2:]
    results = []
    if mode == "--scenario" and len(rest) == 1:
        results.append(do_scenario(memtopo, os.path.abspath(rest[0])))
    elif mode == "--all-scenarios" and not rest:
        for n in mtlib.scenario_names():
            results.append(do_scenario(memtopo, mtlib.scenario_path(n)))
    elif mode == "--dump" and len(rest) == 1:
        results.append(do_dump(memtopo, os.path.abspath(rest[0])))
    elif mode == "--dumps" and not rest:
        dumps = mtlib.util_linux_dumps()
        if not dumps:
            print("FAIL: no util-linux dumps in %s/util-linux"
                  % mtlib.DATA_DIR)
            return 1
        for t in dumps:
            results.append(do_dump(memtopo, t))
    elif mode == "--root" and not rest:
        results.append(do_root(memtopo))
    elif mode == "--sysroot" and len(rest) == 1:
        problems, summary = compare_tree(memtopo, rest[0], rest[0])
        results.append(report(rest[0], problems, summary))
    else:
        sys.stderr.write(__doc__)
        return 2
    ran = [r for r in results if r is not None]
    if not ran:
        return mtlib.SKIP
    failed = sum(1 for r in ran if not r)
    print("%d tree(s) compared, %d differ" % (len(ran), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
