#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The page census on fixtures with a crafted /proc/kpageflags.

    test-census.py MEMTOPO CASE        (one case; meson runs each)
    test-census.py MEMTOPO all         (every case, by hand)
    test-census.py --list              (the cases, one a line: meson
                                        registers each)

Fixtures come from tests/mkfixture.py (FORMAT.md, "Page census"); every
memtopo run gets --sysroot on a temp dir and `offline` only ever runs with
--dry-run: nothing here writes outside the temp dir.

The order of `offline SIZE` (include/memtopo/hotplug.h): the census of the
first 2N candidates of the plain order (N = blocks wanted; plain order:
Movable before kernel zones, highest block first inside each), then likely
before unknown before unlikely, the plain order inside each class. A
candidate outside the window is never read, so it is "unknown" whatever
its pages say. `model_order` below is that rule written out; the cases
check memtopo against it for every N on crafted fixtures, and spell out a
few answers by hand so the model itself is checked too.

strace (when present and allowed) counts the preads of kpageflags and looks
for writes; without it those assertions are skipped, said on stdout.
"""

import hashlib
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkfixture  # noqa: E402
import mtlib  # noqa: E402

MEMTOPO = None
MiB = 1 << 20
NOTES = []
TALLY = mtlib.Tally()
check, eq, Skip = TALLY.check, TALLY.eq, mtlib.Skip


def note(msg):
    if msg not in NOTES:
        NOTES.append(msg)
        sys.stdout.write("note: %s\n" % msg)


# ------------------------------------------------------------ fixtures

class Fix:
    """A scenario written under tmp/NAME, with what the test needs to know
    about it: the candidates of offline SIZE and each block's true
    verdict (from the `pages` lines and the file's length)."""

    def __init__(self, tmp, name, text):
        self.text = text
        self.root = os.path.join(tmp, name)
        self.scn = mkfixture.generate(text, self.root, name)

    def run(self, *args, wrap=None):
        argv = list(wrap or []) + [MEMTOPO, "--sysroot", self.root] + \
            list(args)
        r = mtlib.run(argv)
        crash = r.crash_reason()
        check(crash is None, "%s: %s\n%s" % (" ".join(args), crash,
                                             r.err_text()))
        return r

    def json(self, *args, rc=0, wrap=None):
        r = self.run(*args, wrap=wrap)
        eq(r.returncode, rc, "exit status of %s" % " ".join(args))
        try:
            return json.loads(r.text())
        except ValueError:
            check(False, "%s: not JSON: %r %r" % (" ".join(args), r.text(),
                                                  r.err_text()))
            return {}

    def plan(self, size_blocks, *extra, wrap=None):
        """[(block, offline_verdict)] of offline SIZE --dry-run -J."""
        bs = self.scn.block_size
        d = self.json("offline", "%dM" % (size_blocks * bs // MiB),
                      "--dry-run", "-J", *extra, wrap=wrap)
        eq(d.get("dry_run"), True, "dry_run")
        eq(d.get("status"), "planned", "status of a dry run")
        blocks = d.get("blocks", [])
        for b in blocks:
            eq(b.get("result"), "planned", "memory%s result" % b.get("block"))
        return [(b.get("block"), b.get("offline_verdict")) for b in blocks]

    # --- what the fixture says, computed here (not by memtopo)
    def candidates(self):
        """Online, single-zone blocks that no check flags: [(id, movable)]."""
        out = []
        for b, kv in sorted(self.scn.blocks.items()):
            zones = kv.get("zones") or []
            if kv.get("state", "online") != "online" or len(zones) != 1 \
                    or zones == ["none"]:
                continue
            out.append((b, zones[0] == "Movable"))
        return out

    def true_verdict(self, b):
        """likely / unlikely from the pages; unknown if the file does not
        cover the block or cannot be read at all."""
        scn = self.scn
        path = os.path.join(self.root, "proc", "kpageflags")
        if not os.path.isfile(path) or os.path.islink(path):
            return "unknown"
        ppb = scn.pages_per_block()
        if os.path.getsize(path) < (b + 1) * ppb * 8:
            return "unknown"
        spec = scn.pages.get(b, (("zero", ppb),))
        kinds = {mkfixture.PAGE_CLASSES[c][1] for c, n in spec if n}
        if "unmovable" in kinds:
            return "unlikely"
        # pages without flags may be in flight: the census cannot tell
        return "unknown" if "unknown" in kinds else "likely"


def plain_order(cands):
    return sorted(cands, key=lambda c: (not c[1], -c[0]))


RANK = {"likely": 0, "unknown": 1, "unlikely": 2}


def model_order(fix, n, census=True, readable=True):
    """The plan memtopo should print for offline N blocks: [(id, verdict)]."""
    plain = plain_order(fix.candidates())
    if not census or not readable:
        return [(b, "unknown") for b, _ in plain[:n]]
    window = {b for b, _ in plain[:min(2 * n, len(plain))]}
    v = {b: fix.true_verdict(b) if b in window else "unknown"
         for b, _ in plain}
    order = sorted(plain, key=lambda c: (RANK[v[c[0]]], not c[1], -c[0]))
    return [(b, v[b]) for b, _ in order[:n]]


# ------------------------------------------------------------- strace

_STRACE_OK = [None]


def strace_ok():
    if _STRACE_OK[0] is None:
        ok = shutil.which("strace") is not None
        if ok:
            p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=none",
                                "true"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            ok = p.returncode == 0
        _STRACE_OK[0] = ok
        if not ok:
            note("strace missing or not allowed (ptrace): syscall "
                 "assertions skipped")
    return _STRACE_OK[0]


_LINE_RE = re.compile(r"^(\d+) +(.*)$")
_CALL_RE = re.compile(r"^([a-z0-9_]+)\((.*)\) += (-?\d+|\?)(?: .*)?$")


def strace_calls(fix, args, trace):
    """Run memtopo under strace -f; [(name, argstring, result)] in order
    (interrupted calls joined with their resumption)."""
    log = os.path.join(os.path.dirname(fix.root), "strace.%d.log"
                       % time.monotonic_ns())
    argv = ["strace", "-f", "-qq", "-s", "0", "-o", log, "-e",
            "trace=" + trace, MEMTOPO, "--sysroot", fix.root] + list(args)
    r = mtlib.run(argv)
    check(r.crash_reason() is None and r.returncode is not None,
          "strace %s: %s" % (" ".join(args), r.err_text()))
    calls, pending = [], {}
    with open(log) as f:
        for line in f:
            line = line.rstrip("\n")
            m = _LINE_RE.match(line)
            pid, body = (m.group(1), m.group(2)) if m else ("0", line)
            if body.endswith("<unfinished ...>"):
                pending[pid] = body[:-len("<unfinished ...>")].rstrip()
                continue
            rm = re.match(r"^<\.\.\. [a-z0-9_]+ resumed>(.*)$", body)
            if rm:
                body = pending.pop(pid, "") + rm.group(1)
            cm = _CALL_RE.match(body)
            if cm:
                calls.append((cm.group(1), cm.group(2), cm.group(3)))
    os.unlink(log)
    return r, calls


# Under --sysroot files are opened with openat2 (RESOLVE_BENEATH).
OPENS = ("openat", "openat2", "open")


def kpageflags_reads(fix, args):
    """[(length, offset)] of every pread/read of proc/kpageflags, and how
    many times it was opened."""
    r, calls = strace_calls(fix, args, "openat,openat2,open,close,pread64,read")
    fds, reads, opens = set(), [], 0
    for name, a, res in calls:
        if name in OPENS and '"kpageflags"' in a or \
                name in OPENS and "/kpageflags\"" in a:
            opens += 1
            if res.lstrip("-").isdigit() and int(res) >= 0:
                fds.add(int(res))
        elif name == "close":
            fds.discard(int(a.split(",")[0]))
        elif name in ("pread64", "read"):
            parts = [p.strip() for p in a.split(",")]
            if int(parts[0]) in fds:
                off = int(parts[-1]) if name == "pread64" else None
                reads.append((int(parts[-2] if name == "pread64"
                                   else parts[-1]), off))
    return r, opens, reads


# ----------------------------------------------------------- the cases

# Order: 12 blocks of 128 MiB on one node, Movable at both ends of the
# address space so that a truncated file makes both a Movable and a kernel
# block unknown (reads past the end come back short):
#   0-3 Movable: 0 likely, 1 unlikely, 2 likely, 3 unlikely
#   4-9 Normal:  4 likely, 5 unlikely, 6 likely, 7 likely, 8 unknown
#                (pages without flags), 9 unknown (past the end)
#   10-11 Movable: unknown (past the end)
# plain order: 11 10 3 2 1 0 | 9 8 7 6 5 4
ORDER_FIX = """block-size 128M
node-mask has_memory 0
memory 0-3 zones=Movable node=0
memory 4-9 zones=Normal node=0
memory 10-11 zones=Movable node=0
pages 0-11 free
pages 1 anon:100,slab:1,free
pages 3 pinned:1,free
pages 5 reserved:16,free
pages 7 thp:1024,file:1000,free
pages 8 zero
kpageflags-truncate 2304K
"""
# 2304K = 9 blocks of 256 KiB: 0-8 readable


def case_order(tmp):
    """likely, then unknown, then unlikely; Movable first and highest first
    inside each class; the JSON's offline_verdict per block."""
    f = Fix(tmp, "order", ORDER_FIX)
    eq([f.true_verdict(b) for b in range(12)],
       ["likely", "unlikely", "likely", "unlikely", "likely", "unlikely",
        "likely", "likely", "unknown", "unknown", "unknown", "unknown"],
       "fixture verdicts (model)")
    # N = 12: the window is every candidate, the whole order is shown
    want = [(2, "likely"), (0, "likely"), (7, "likely"), (6, "likely"),
            (4, "likely"), (11, "unknown"), (10, "unknown"), (9, "unknown"),
            (8, "unknown"), (3, "unlikely"), (1, "unlikely"),
            (5, "unlikely")]
    eq(model_order(f, 12), want, "model, N=12")
    eq(f.plan(12), want, "offline 1536M: the whole order")
    # N = 6: window 12, the first six of the same order
    eq(f.plan(6), want[:6], "offline 768M")
    # N = 2: window {11, 10, 3, 2}: 2 is the only likely one read
    eq(f.plan(2), [(2, "likely"), (11, "unknown")], "offline 256M")
    # N = 1: window {11, 10}, both unknown: the plain order stands
    eq(f.plan(1), [(11, "unknown")], "offline 128M")
    for n in range(1, 13):
        eq(f.plan(n), model_order(f, n), "offline %d blocks vs model" % n)
    # --node and --zone filter first, the window counts what is left
    eq(f.plan(2, "--zone", "normal"), [(7, "likely"), (6, "likely")],
       "offline 256M --zone normal (window 9 8 7 6)")
    eq(f.plan(1, "--zone", "normal"), [(9, "unknown")],
       "offline 128M --zone normal (window 9 8)")
    eq(f.plan(2, "--node", "0"), model_order(f, 2), "--node 0")
    # the same machine, every block readable: unknown only where unread
    g = Fix(tmp, "order-full", ORDER_FIX.replace("kpageflags-truncate 2304K",
                                                 ""))
    for n in range(1, 13):
        eq(g.plan(n), model_order(g, n), "untruncated: offline %d blocks" % n)
    eq(g.plan(12)[:6], [(11, "likely"), (10, "likely"), (2, "likely"),
                        (0, "likely"), (9, "likely"), (7, "likely")],
       "untruncated: likely ones, Movable first, high to low")


# Window: 16 Movable blocks, plain order 15..0. 15-14 past the end of the
# file (unknown), 13-12 unlikely, everything below likely: with N blocks
# wanted only 15..16-2N are read, so the likely blocks below stay unknown
# and never jump ahead of the unknown 15 and 14.
WINDOW_FIX = """block-size 128M
memory 0-15 zones=Movable node=0
pages 0-13 free
pages 12-13 pgtable:1,free
kpageflags-truncate 3584K
"""


def case_window(tmp):
    """Only the first 2N candidates are censused: later ones are unknown
    (unread), not likely, whatever their pages; at most 2N preads."""
    f = Fix(tmp, "window", WINDOW_FIX)
    eq(f.plan(1), [(15, "unknown")], "N=1: window 15-14, both unknown")
    eq(f.plan(2), [(15, "unknown"), (14, "unknown")],
       "N=2: window 15-12: 15-14 unknown before 13-12 unlikely; 11 and "
       "below (likely, unread) not preferred")
    eq(f.plan(3), [(11, "likely"), (10, "likely"), (15, "unknown")],
       "N=3: window 15-10: 11-10 read, likely, first")
    eq(f.plan(4), [(11, "likely"), (10, "likely"), (9, "likely"),
                   (8, "likely")], "N=4: window 15-8")
    for n in range(1, 17):
        eq(f.plan(n), model_order(f, n), "offline %d blocks vs model" % n)
    # a kernel-zone tail: window crosses from Movable into Normal
    g = Fix(tmp, "window-zones", """block-size 128M
memory 0-7 zones=Normal node=0
memory 8-9 zones=Movable node=0
pages 0-9 free
pages 8-9 slab:1,free
""")
    # plain 9 8 | 7 .. 0; N=2: window 9 8 7 6: 9, 8 unlikely
    eq(g.plan(2), [(7, "likely"), (6, "likely")],
       "Movable but unlikely loses to likely Normal")
    eq(g.plan(1), [(7, "unknown")],
       "N=1: window 9 8, both unlikely: the unread 7 (unknown) goes first")
    for n in range(1, 11):
        eq(g.plan(n), model_order(g, n), "zones: offline %d blocks" % n)
    if not strace_ok():
        return
    for n in (1, 2, 3, 5, 8, 16):
        r, opens, reads = kpageflags_reads(
            f, ["offline", "%dM" % (n * 128), "--dry-run", "-J"])
        window = [b for b, _ in plain_order(f.candidates())][:2 * n]
        check(len(reads) <= 2 * n, "N=%d: %d reads of kpageflags, more "
              "than 2N" % (n, len(reads)))
        eq(sorted(off for _, off in reads),
           sorted(b * 32768 * 8 for b in window),
           "N=%d: the offsets read are the window's blocks" % n)
        eq({ln for ln, _ in reads}, {32768 * 8}, "N=%d: one block per read"
           % n)


NOCENSUS_FIX = ORDER_FIX


def case_no_census(tmp):
    """--no-census: the plain order, unknown for every block, and
    kpageflags is never opened (offline, list, show, check)."""
    f = Fix(tmp, "nocensus", NOCENSUS_FIX)
    plain = [b for b, _ in plain_order(f.candidates())]
    eq(plain, [11, 10, 3, 2, 1, 0, 9, 8, 7, 6, 5, 4], "plain order")
    for n in (1, 2, 6, 12):
        eq(f.plan(n, "--no-census"), [(b, "unknown") for b in plain[:n]],
           "offline %d blocks --no-census" % n)
    d = f.json("list", "-J", "-o", "+OFFLINE", "--no-census", "-a")
    eq({m["first_block"]: m.get("offline_verdict")
        for m in d.get("memory", [])},
       {b: "unknown" for b in range(12)}, "list -a --no-census")
    d = f.json("show", "0", "-J", "--no-census")
    eq((d.get("offline_verdict"), d.get("census")), ("unknown", None),
       "show --no-census")
    d = f.json("check", "-J", "--no-census")
    eq([x["id"] for x in d.get("findings", []) if x["id"] ==
        "unmovable-pages"], [], "check --no-census: no unmovable-pages")
    # with the census, the same machine has them
    d = f.json("check", "-J")
    eq(sorted(b for x in d.get("findings", []) if x["id"] ==
              "unmovable-pages" for b in x["blocks"]), [1, 3, 5],
       "check: unmovable-pages blocks")
    if not strace_ok():
        return
    for args in (["offline", "1536M", "--dry-run", "-J", "--no-census"],
                 ["offline", "128M", "--dry-run", "--no-census"],
                 ["list", "-o", "+OFFLINE", "--no-census"],
                 ["list", "-J", "--output-all", "--no-census"],
                 ["show", "3", "--no-census"],
                 ["check", "--no-census", "--severity", "info"]):
        r, opens, reads = kpageflags_reads(f, args)
        eq((opens, len(reads)), (0, 0),
           "%s: kpageflags opens, reads" % " ".join(args))
    # and the census runs do read it (the probe works)
    r, opens, reads = kpageflags_reads(f, ["list", "-o", "+OFFLINE"])
    eq(len(reads), 9 + 3, "list -o +OFFLINE: one read per online block")


UNREADABLE_BASE = """block-size 128M
memory 0-3 zones=Normal node=0
memory 4-7 zones=Movable node=0
pages 0-7 free
pages 7 slab:1,free
"""


def case_unreadable(tmp):
    """No file, a directory, a symlink loop, an empty file, mode 0000
    without root's DAC override: offline keeps the plain order with
    unknown everywhere, list/show/check say unknown, no crash, exit 0."""
    variants = {
        "absent": UNREADABLE_BASE.replace("pages 0-7 free\npages 7 slab:1,"
                                          "free\n", ""),
        "dir": UNREADABLE_BASE + "remove proc/kpageflags\n"
                                 "dir proc/kpageflags\n",
        "loop": UNREADABLE_BASE + "remove proc/kpageflags\n"
                                  "link proc/kpageflags kpageflags\n",
        "dangling": UNREADABLE_BASE + "remove proc/kpageflags\n"
                                      "link proc/kpageflags gone\n",
        "empty": UNREADABLE_BASE + "kpageflags-truncate 0\n",
        "short": UNREADABLE_BASE + "kpageflags-truncate 7\n",
        "mode0000": UNREADABLE_BASE + "kpageflags-mode 0000\n",
    }
    plain = [7, 6, 5, 4, 3, 2, 1, 0]
    for name, text in variants.items():
        f = Fix(tmp, "unreadable-" + name, text)
        wrap = None
        if name == "mode0000":
            if os.geteuid() == 0:
                if not shutil.which("setpriv"):
                    note("mode0000: root and no setpriv: skipped")
                    continue
                wrap = ["setpriv", "--bounding-set=-dac_override,"
                        "-dac_read_search"]
            # the probe: is it really unreadable to the wrapped process?
            p = subprocess.run((wrap or []) + ["cat", os.path.join(
                f.root, "proc", "kpageflags")], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            if p.returncode == 0:
                note("mode0000: the file is readable anyway: skipped")
                continue
        for n in (1, 3, 8):
            eq(f.plan(n, wrap=wrap), [(b, "unknown") for b in plain[:n]],
               "%s: offline %d blocks" % (name, n))
        d = f.json("list", "-J", "-a", "-o", "+OFFLINE", wrap=wrap)
        eq([m.get("offline_verdict") for m in d.get("memory", [])],
           ["unknown"] * 8, "%s: list -a -o +OFFLINE" % name)
        # why every verdict is unknown: said once (issue 12, not root)
        want_err = {"absent": "ENOENT", "dir": "EISDIR", "loop": "ELOOP",
                    "dangling": "ENOENT", "mode0000": "EACCES"}.get(name)
        got = d.get("census_error")
        eq(got.split(":")[0] if got else None, want_err,
           "%s: list -J census_error (%r)" % (name, got))
        r = f.run("list", "-o", "+OFFLINE", wrap=wrap)
        said = [x for x in r.err_text().split("\n") if "OFFLINE is unknown" in x]
        eq(len(said), 1 if want_err else 0, "%s: list -o +OFFLINE: stderr %r"
           % (name, r.err_text()))
        for b in (0, 7):
            d = f.json("show", str(b), "-J", wrap=wrap)
            eq((d.get("offline_verdict"), d.get("census")),
               ("unknown", None), "%s: show %d" % (name, b))
        r = f.run("show", "7", wrap=wrap)
        check("offline:      unknown\n" in r.text(),
              "%s: show 7 text: %r" % (name, r.text()))
        d = f.json("check", "-J", "--severity", "info", wrap=wrap)
        eq([x["blocks"] for x in d.get("findings", [])
            if x["id"] == "unmovable-pages"], [],
           "%s: check: no unmovable-pages finding" % name)
    # the same base, readable: memory7 is the unlikely one (the probe)
    f = Fix(tmp, "readable", UNREADABLE_BASE)
    eq(f.plan(8)[-1], (7, "unlikely"), "readable: memory7 last")


def case_short_file(tmp):
    """A kpageflags cut at any length: a block the file covers whole has a
    verdict, any other is unknown; never a crash."""
    base = """block-size 128M
memory 0-3 zones=Movable node=0
pages 0-3 free
pages 1 slab:1,free
"""
    per = 32768 * 8
    sizes = [0, 1, 7, 8, 4096, per - 8, per - 1, per, per + 8,
             2 * per - 1, 2 * per, 3 * per + 4096, 4 * per - 1, 4 * per,
             4 * per + 1, 10 * per]
    full = ["likely", "unlikely", "likely", "likely"]
    for size in sizes:
        f = Fix(tmp, "short-%d" % size,
                base + "kpageflags-truncate %d\n" % size)
        eq(os.path.getsize(os.path.join(f.root, "proc", "kpageflags")), size,
           "generator: truncated to %d" % size)
        want = [full[b] if size >= (b + 1) * per else "unknown"
                for b in range(4)]
        d = f.json("list", "-J", "-a", "-o", "+OFFLINE")
        eq([m.get("offline_verdict") for m in d.get("memory", [])], want,
           "kpageflags of %d bytes: verdicts" % size)
        for b in range(4):
            d = f.json("show", str(b), "-J")
            eq(d.get("offline_verdict"), want[b], "%d bytes: show %d"
               % (size, b))
            eq(d.get("census") is None, want[b] == "unknown",
               "%d bytes: show %d census object" % (size, b))
        eq(f.plan(4), model_order(f, 4), "%d bytes: offline 512M" % size)
        f.run("check", "--severity", "info")


def case_page_size(tmp):
    """16K and 64K pages: block N's flags at N * block_size / page_size
    page frames; the counts in pages of that size; offline reads there."""
    for ps, bs, text_bs in ((16384, 128 * MiB, "128M"),
                            (65536, 512 * MiB, "512M"),
                            (4096, 128 * MiB, "128M")):
        ppb = bs // ps
        f = Fix(tmp, "ps-%d" % ps, """block-size %s
page-size %d
memory 0-5 zones=Movable node=0
pages 0-5 free
pages 1 reserved:3,anon:5,free
pages 4 hugetlb:%d,thp:%d,free
""" % (text_bs, ps, ppb // 4, ppb // 4))
        with open(os.path.join(f.root, "page_size")) as fh:
            eq(fh.read(), "%d\n" % ps, "page_size file")
        eq(os.path.getsize(os.path.join(f.root, "proc", "kpageflags")),
           6 * ppb * 8, "%d: file length" % ps)
        d = f.json("show", "1", "-J")
        eq(d.get("census"), {"free": ppb - 8, "movable": 5, "huge": 0,
                             "unmovable": 3, "unknown": 0},
           "%d-byte pages: show 1 census" % ps)
        d = f.json("show", "4", "-J")
        eq(d.get("census"), {"free": ppb // 2, "movable": 0,
                             "huge": ppb // 2, "unmovable": 0, "unknown": 0},
           "%d-byte pages: show 4 census" % ps)
        eq(f.plan(6), model_order(f, 6), "%d-byte pages: offline all" % ps)
        eq(f.plan(6)[-1], (1, "unlikely"), "%d-byte pages: memory1 last" % ps)
        if strace_ok():
            r, opens, reads = kpageflags_reads(
                f, ["offline", "%dM" % (2 * bs // MiB), "--dry-run"])
            eq(sorted(reads), sorted((ppb * 8, b * ppb * 8)
                                     for b in (5, 4, 3, 2)),
               "%d-byte pages: offline 2 blocks reads (length, offset)" % ps)


def tree_state(root):
    """Everything a write could change: names, types, modes, sizes, mtimes,
    contents (hashed), link targets."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            item = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                    st.st_size, st.st_mtime_ns, st.st_uid)
            if stat.S_ISLNK(st.st_mode):
                item += (os.readlink(p),)
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as fh:
                    item += (hashlib.sha256(fh.read()).hexdigest(),)
            out[rel] = item
    return out


_WRITE_OPEN = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")
_MUTATE = {"creat", "truncate", "ftruncate", "unlink", "unlinkat", "rename",
           "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "symlink",
           "symlinkat", "link", "linkat", "chmod", "fchmod", "fchmodat",
           "chown", "fchown", "fchownat", "lchown", "utimensat", "pwrite64",
           "pwritev", "pwritev2"}


def case_dry_run(tmp):
    """offline SIZE --dry-run (with the census, with --no-census, with an
    unreadable one) writes nothing: the tree hashes the same before and
    after, and strace sees no write-mode open and no write but to
    stdout/stderr."""
    for name, text in (("dry", ORDER_FIX), ("dry-window", WINDOW_FIX),
                       ("dry-dir", UNREADABLE_BASE + "remove proc/kpageflags\n"
                                                     "dir proc/kpageflags\n")):
        f = Fix(tmp, name, text)
        runs = [["offline", "512M", "--dry-run", "-J"],
                ["offline", "256M", "--dry-run"],
                ["offline", "1G", "--dry-run", "--no-census", "-J"],
                ["offline", "--blocks", "2-3", "--dry-run", "-J"],
                ["offline", "0x10000000-0x1fffffff", "--dry-run"],
                ["list", "-o", "+OFFLINE"], ["check", "-J"], ["show", "2"]]
        before = tree_state(f.root)
        for args in runs:
            r = f.run(*args)
            eq(r.returncode, 0, "%s: %s exit status" % (name, " ".join(args)))
            after = tree_state(f.root)
            changed = sorted(k for k in set(before) | set(after)
                             if before.get(k) != after.get(k))
            eq(changed, [], "%s: %s changed the tree" % (name,
                                                         " ".join(args)))
            before = after
        if not strace_ok():
            continue
        for args in runs[:3]:
            r, calls = strace_calls(
                f, args, ",".join(list(OPENS) + ["write", "writev"] +
                                  sorted(_MUTATE)))
            bad = []
            for nm, a, res in calls:
                if nm in OPENS and _WRITE_OPEN.search(a):
                    bad.append("%s(%s)" % (nm, a))
                elif nm in ("write", "writev") and \
                        a.split(",")[0].strip() not in ("1", "2"):
                    bad.append("%s(%s)" % (nm, a))
                elif nm in _MUTATE:
                    bad.append("%s(%s)" % (nm, a))
            eq(bad, [], "%s: %s: writing syscalls" % (name, " ".join(args)))


def case_generator(tmp):
    """mkfixture's census directives: flag words at the right offsets,
    sparse, compound pages, lengths, errors with their line numbers."""
    K = mkfixture.KPF
    root = os.path.join(tmp, "gen")
    t = time.monotonic()
    # one `pages` line, its classes in three words (commas or spaces)
    scn = mkfixture.generate(
        "block-size 128M\n"
        "memory 0-2 zones=Normal node=0\n"
        "memory 40 zones=Movable node=0\n"
        "pages 1 free:1,lru:1,file:1,anon:1,swapcache:1,ksm:1,buffers:1 "
        "thp:513,hugetlb:513,slab:1,pgtable:1,reserved:1,unevictable:1 "
        "hwpoison:1,balloon:1,nopage:1,zero:1,0x8000000000000001:1,free\n"
        "pages 40 thp\n"
        "pages 2 reserved\n"
        "pages 2 zero\n", root, "gen")
    path = os.path.join(root, "proc", "kpageflags")
    st = os.stat(path)
    eq(st.st_size, 41 * 32768 * 8, "length: up to the end of memory40")
    check(st.st_blocks * 512 <= 3 * 32768 * 8,
          "sparse: %d bytes allocated for 2 blocks" % (st.st_blocks * 512))
    eq(stat.S_IMODE(st.st_mode), 0o400, "mode 0400")
    with open(path, "rb") as fh:
        data = fh.read()

    def word(pfn):
        return struct.unpack_from("=Q", data, pfn * 8)[0]

    def w(*names):
        return sum(1 << K[n] for n in names)

    base = 32768
    want = [w("BUDDY"), w("LRU", "UPTODATE", "MAPPEDTODISK"),
            w("LRU", "UPTODATE", "MAPPEDTODISK", "MMAP", "REFERENCED"),
            w("ANON", "SWAPBACKED", "LRU", "MMAP", "UPTODATE"),
            w("SWAPCACHE", "SWAPBACKED", "LRU", "UPTODATE"),
            w("KSM", "ANON", "LRU", "MMAP", "UPTODATE"),
            w("UPTODATE", "PRIVATE")]
    eq([word(base + i) for i in range(7)], want, "simple classes, in order")
    thp_head = w("THP", "COMPOUND_HEAD", "ANON", "SWAPBACKED", "LRU", "MMAP",
                 "UPTODATE")
    thp_tail = w("THP", "COMPOUND_TAIL", "ANON", "SWAPBACKED", "MMAP")
    eq([word(base + 7), word(base + 8), word(base + 7 + 511),
        word(base + 7 + 512)], [thp_head, thp_tail, thp_tail, thp_head],
       "thp: a head every 512 pages")
    h = base + 7 + 513
    eq([word(h), word(h + 1), word(h + 512)],
       [w("HUGE", "COMPOUND_HEAD"), w("HUGE", "COMPOUND_TAIL"),
        w("HUGE", "COMPOUND_HEAD")], "hugetlb heads and tails")
    u = h + 513
    eq([word(u + i) for i in range(10)],
       [w("SLAB"), w("PGTABLE"), 1 << 32, w("UNEVICTABLE", "MLOCKED", "LRU"),
        w("HWPOISON"), w("OFFLINE"), w("NOPAGE"), 0, 0x8000000000000001,
        w("BUDDY")], "unmovable, unknown and raw classes")
    eq(word(2 * base - 1), w("BUDDY"), "the fill class takes the rest")
    eq(word(0), 0, "block 0: no pages line, zeros")
    eq(word(2 * base), 0, "block 2: the later 'pages 2 zero' wins")
    eq(word(40 * base + 1), thp_tail, "memory40, far away")
    eq(scn.pages[1][-1], ("free", 32768 - 1042), "resolved fill count")
    check(data[3 * base * 8:40 * base * 8] == bytes(37 * base * 8),
          "the hole between reads as zeros")
    check(time.monotonic() - t < 5, "generation took %.1f s"
          % (time.monotonic() - t))
    # every class: memtopo's census agrees with the table in FORMAT.md
    for cls, (_, census) in sorted(mkfixture.PAGE_CLASSES.items()):
        f = Fix(tmp, "class-" + cls, "block-size 128M\nmemory 0 zones=Normal "
                "node=0\npages 0 %s:1000,free\n" % cls)
        d = f.json("show", "0", "-J")
        want = {"free": 32768 - 1000, "movable": 0, "huge": 0,
                "unmovable": 0, "unknown": 0}
        want[census] += 1000
        eq(d.get("census"), want, "class %s counted as %s" % (cls, census))
    # page-size, no kpageflags without census lines, mode
    r2 = os.path.join(tmp, "gen2")
    mkfixture.generate("block-size 128M\npage-size 64K\nmemory 0\n", r2)
    with open(os.path.join(r2, "page_size")) as fh:
        eq(fh.read(), "65536\n", "page-size 64K")
    check(not os.path.lexists(os.path.join(r2, "proc", "kpageflags")),
          "no pages lines: no kpageflags")
    r3 = os.path.join(tmp, "gen3")
    mkfixture.generate("memory 0-1\nkpageflags-mode 0640\nblock-size 2G\n",
                       r3)
    st = os.stat(os.path.join(r3, "proc", "kpageflags"))
    eq((stat.S_IMODE(st.st_mode), st.st_size), (0o640, 2 * 524288 * 8),
       "kpageflags-mode alone: a zero file of the machine's length")
    # larger machine: speed (sparse, cached per spec)
    t = time.monotonic()
    mkfixture.generate("block-size 128M\nmemory 0-255 zones=Normal\n"
                       "pages 0-255 free:30000,anon\npages 100 slab:1,free\n",
                       os.path.join(tmp, "gen4"))
    dt = time.monotonic() - t
    check(dt < 20, "256 described blocks (64 MiB of flags) took %.1f s" % dt)
    # errors
    bad = [
        ("block-size 128M\npages 0 free:10\n", 2, "not the 32768 pages"),
        ("block-size 128M\npages 0 free:40000\n", 2, "more than the 32768"),
        ("block-size 128M\npages 0 free,anon\n", 2, "only one page class"),
        ("block-size 128M\npages 0 frees\n", 2, "unknown page class"),
        ("block-size 128M\npages 0 free:x\n", 2, "bad page count"),
        ("block-size 128M\npages 0\n", 2, "usage: pages"),
        ("block-size 128M\npages 0 free,,\n", 2, "empty page class"),
        ("block-size 128M\npages 3-1 free\n", 2, "empty block range"),
        ("memory 0\n\npages 0 free\n", 3, "needs a 'block-size'"),
        ("block-size-raw 8000000\npages 0 free\n", 2, "needs a 'block-size'"),
        ("block-size 4K\npage-size 16K\npages 0 free\n", 3,
         "not a multiple of the page size"),
        ("page-size 12K\n", 1, "not a power of two"),
        ("page-size 2048\n", 1, "not a power of two"),
        ("page-size\n", 1, "usage: page-size"),
        ("kpageflags-truncate 1X\n", 1, "bad size"),
        ("kpageflags-mode 999\n", 1, "usage: kpageflags-mode"),
        ("block-size 128M\npage-size 16K\npages 0 free:32768\n", 3,
         "more than the 8192"),
    ]
    for text, line, frag in bad:
        try:
            mkfixture.parse(text, "t.scn")
        except mkfixture.ScenarioError as e:
            check(e.lineno == line and frag in str(e),
                  "error for %r: got %r, want line %d with %r"
                  % (text, str(e), line, frag))
        else:
            check(False, "no error for %r" % text)


CASES = {
    "generator": case_generator,
    "order": case_order,
    "window": case_window,
    "no-census": case_no_census,
    "unreadable": case_unreadable,
    "short-file": case_short_file,
    "page-size": case_page_size,
    "dry-run": case_dry_run,
}


def run_case(name):
    return TALLY.run_case(name, CASES[name], "memtopo-census-%s-" % name)


def main(argv):
    global MEMTOPO
    if argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(argv) != 3 or (argv[2] not in CASES and argv[2] != "all"):
        sys.stderr.write("usage: test-census.py MEMTOPO CASE|all\n"
                         "cases: %s\n" % " ".join(CASES))
        return 2
    MEMTOPO = mtlib.check_binary(argv[1])
    names = list(CASES) if argv[2] == "all" else [argv[2]]
    results = {n: run_case(n) for n in names}
    return mtlib.cases_status(results)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
