#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The mutation run of issue 12: real captures and command lines, mutated,
against the ASan/UBSan binary.

    mutate-run.py MEMTOPO [--shim FAKEKERNEL.so] [--seed N] [--trees N]
                  [--minutes M] [--jobs N] [--ci] [--keep DIR] [-v]

Each tree is a capture (tests/data) or a scenario
tree, copied and mutated (truncated files, NUL bytes, invalid UTF-8 and
escape sequences, huge and negative numbers, symlink loops, links that
escape the root, FIFOs, endless files through /dev/zero links, 50,000
blocks); each command line is a valid one, sometimes mutated the same way.
Every run gets a 20 s timeout and is judged:

  crash      killed by a signal
  hang       still running after 20 s
  sanitizer  an ASan/UBSan/LSan report (or glibc's) on stderr
  json       -J output that json.loads rejects, or that is not UTF-8
  range      a list -J range whose end - start + 1 is not its size, or start > end
  exit       an exit status outside doc/cli.md (list/show/help 0-2,
             check 0-3, online/offline 0, 1, 2, 64)
  terminal   a control byte (ESC...) or invalid UTF-8 in text output or messages
  escape     a file outside the sysroot changed (a write left the root)

Nothing is written outside the temporary directories: online/offline run
with --dry-run, or for real only with the fake kernel preloaded (--shim)
and only on trees whose every link resolves inside the temporary
directory (a link to /sys or /dev is read, never written through), with
MEMTOPO_LOCK in the temporary directory.

--ci: the deterministic subset CI runs (seed 1, ~2 minutes); exit 1 when
a finding is not explained by a class listed in tests/fuzz/pending (a fix
that has not landed), 0 otherwise. Without --ci, exit 1 on any finding.
"""

import argparse
import collections
import glob
import hashlib
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)
import mkfixture  # noqa: E402
import mtlib  # noqa: E402

MEM = "sys/devices/system/memory"
NODE = "sys/devices/system/node"
HANG_S = 20
CI_CAPTURE_BYTES = 12000
CODES = {"list": {0, 1, 2}, "show": {0, 1, 2}, "help": {0, 1, 2},
         "check": {0, 1, 2, 3}, "online": {0, 1, 2, 64},
         "offline": {0, 1, 2, 64}}
CLASSES = ("crash", "hang", "sanitizer", "json", "range", "exit", "terminal",
           "escape")
# Which mutations (tags) explain a finding when their fix is pending
# (tests/fuzz/pending names the defect classes of issue 12).
PENDING_TAGS = {
    "escape": {"link-escape", "link-system"},
    "fifo": {"fifo"},
    "endless": {"endless"},
    "wrap": {"huge-number", "negative-number", "arg-number"},
    "meminfo-wrap": set(),  # nothing the mutation run judges shows it
    "slow-50k": {"blocks-50k"},
    "json-utf8": {"non-utf8", "control", "nul", "arg-bytes"},
    "terminal": {"non-utf8", "control", "nul", "arg-bytes"},
    "newcomer": {"arg-order"},
}
HOSTILE_NUMBERS = ["8000000000000000", "ffffffffffffffff", "10000000000000000",
                   "-1", "-80000000", "0", "1", "3", "1000000000",
                   "18446744073709551615", "99999999999999999999999",
                   "4294967296", "4294967299", "1e309", "0x", " 8000000"]
HOSTILE_BYTES = [b"on\xffline", b"\xc3\x28", b"\xed\xa0\x80", b"\xf5\x80\x80\x80",
                 b"\xc0\xaf", b"\x1b[2J", b"\x1b]0;owned\x07", b"online\x00offline",
                 b"\x00", b"\x7f\x08\x08", b"\xe2\x80\xae"]
HOSTILE_ARGS = ["4294967296", "4294967299", "-1", "18446744073709551616",
                "0", "1e309", "nan", "", "\xff", "0x", "memory", "--",
                "0xffffffffffffffff", "99999999999999999999", "-J", "help",
                "1-0", "0-4294967295", "0,,1", "1T", "16E", "\x1b[2J"]


def captures():
    data = os.path.join(TESTS, "data")
    return sorted(glob.glob(os.path.join(data, "real", "*", "*.tar.xz")) +
                  glob.glob(os.path.join(data, "util-linux", "*.tar.bz2")))


def scenarios():
    return sorted(glob.glob(os.path.join(TESTS, "scenarios", "*.scn")))


class Bases:
    """Unmutated trees, made once each, on demand."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.made = {}

    def get(self, src):
        if src in self.made:
            return self.made[src]
        out = os.path.join(self.tmp, "base-%d" % len(self.made))
        if src == "blocks-50k":
            mkfixture.generate("block-size 128M\nauto-online online\n"
                               "memory 0-49999 zones=Normal node=0\n"
                               "file proc/sys/kernel/osrelease\n6.1.0-18-amd64\nend\n",
                               out, source="blocks-50k")
            root = out
        elif src.endswith(".scn"):
            with open(src) as f:
                mkfixture.generate(f.read(), out, source=src)
            root = out
        else:
            root = prune(mtlib.unpack(src, out))
        self.made[src] = root
        return root


# What memtopo reads of a capture; the rest (cpu, bus, class, ...) only
# slows every copy and walk of the tree.
KEEP = ("sys/devices/system/memory", "sys/devices/system/node", "sys/module",
        "sys/firmware", "proc", "etc", "run", "usr", "lib", "page_size")


def prune(root):
    for d, dirs, files in os.walk(root, topdown=True):
        rel = os.path.relpath(d, root)
        for n in list(dirs) + files:
            r = os.path.normpath(os.path.join(rel, n))
            if any(k == r or k.startswith(r + "/") or r.startswith(k + "/") for k in KEEP):
                continue
            p = os.path.join(d, n)
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p)
            else:
                os.unlink(p)
            if n in dirs:
                dirs.remove(n)
    return root


def files_of(root):
    """Regular files and symlinks under root (no link followed)."""
    out = []
    for d, dirs, files in os.walk(root):
        for n in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
            out.append(os.path.join(d, n))
    return sorted(out)


def block_dirs(root):
    mem = os.path.join(root, MEM)
    try:
        return sorted(os.path.join(mem, e) for e in os.listdir(mem)
                      if re.match(r"^memory[0-9]+$", e))
    except OSError:
        return []


class Mutator:
    """Mutations of one tree; each returns its tag."""

    def __init__(self, rng, root, outside):
        self.rng, self.root, self.outside = rng, root, outside

    def pick_file(self, prefer=()):
        fs = [f for f in files_of(self.root) if os.path.isfile(f) and not os.path.islink(f)]
        pref = [f for f in fs if os.path.basename(f) in prefer]
        pool = pref if pref and self.rng.random() < 0.7 else fs
        return self.rng.choice(pool) if pool else None

    def rewrite(self, path, data):
        if os.path.islink(path) or os.path.isdir(path):
            return
        with open(path, "wb") as f:
            f.write(data)

    def truncate(self):
        f = self.pick_file()
        if f:
            n = os.path.getsize(f)
            os.truncate(f, self.rng.randint(0, max(n - 1, 0)))
        return "truncate"

    def nul(self):
        f = self.pick_file(("state", "valid_zones", "iomem", "zoneinfo", "meminfo",
                            "possible", "online", "has_memory"))
        if f:
            d = open(f, "rb").read()
            i = self.rng.randint(0, len(d))
            self.rewrite(f, d[:i] + b"\0" * self.rng.randint(1, 3) + d[i:])
        return "nul"

    def bytes_in(self, tag):
        f = self.pick_file(("state", "valid_zones", "auto_online_blocks", "iomem",
                            "online_policy", "osrelease"))
        if f:
            d = open(f, "rb").read()
            b = self.rng.choice(HOSTILE_BYTES[5:8] if tag == "control" else HOSTILE_BYTES)
            if self.rng.random() < 0.5 or not d:
                d = b + b"\n"
            else:
                i = self.rng.randint(0, len(d))
                d = d[:i] + b + d[i:]
            self.rewrite(f, d)
        return tag

    def number(self):
        targets = [os.path.join(self.root, MEM, "block_size_bytes")] + \
            [os.path.join(b, "phys_index") for b in block_dirs(self.root)[:3]]
        f = self.rng.choice(targets)
        v = self.rng.choice(HOSTILE_NUMBERS)
        tag = "negative-number" if v.startswith("-") else "huge-number"
        if self.rng.random() < 0.3:
            for p in ("proc/meminfo", "proc/zoneinfo", "proc/iomem"):
                q = os.path.join(self.root, p)
                if os.path.isfile(q):
                    d = open(q, "rb").read()
                    d = re.sub(rb"[0-9a-f]{4,}", v.encode(), d, count=3)
                    self.rewrite(q, d)
                    return tag
        if os.path.isdir(os.path.dirname(f)):
            self.rewrite(f, v.encode() + b"\n")
        return tag

    def replace_with(self, path, make):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        make(path)

    def some_path(self, names):
        cands = [os.path.join(self.root, n) for n in names]
        cands += [os.path.join(b, "state") for b in block_dirs(self.root)[:4]]
        cands += [os.path.join(b, "valid_zones") for b in block_dirs(self.root)[:2]]
        cands += glob.glob(os.path.join(self.root, "*", "udev", "rules.d", "*.rules"))
        return self.rng.choice(cands)

    def fifo(self):
        p = self.some_path(["proc/meminfo", "proc/iomem", "proc/zoneinfo",
                            MEM + "/auto_online_blocks", MEM + "/block_size_bytes",
                            NODE + "/has_memory", NODE + "/possible", "proc/kpageflags",
                            "sys/module/memory_hotplug/parameters/online_policy",
                            "etc/udev/rules.d/99-fuzz.rules"])
        self.replace_with(p, os.mkfifo)
        return "fifo"

    def endless(self):
        p = self.some_path(["proc/iomem", "proc/zoneinfo", "proc/meminfo",
                            "etc/udev/rules.d/99-fuzz.rules", MEM + "/block_size_bytes"])
        self.replace_with(p, lambda q: os.symlink(self.rng.choice(["/dev/zero",
                                                                   "/dev/urandom"]), q))
        return "endless"

    def loop(self):
        blocks = block_dirs(self.root)
        if len(blocks) >= 2 and self.rng.random() < 0.5:
            a, b = self.rng.sample(blocks, 2)
            self.replace_with(a, lambda q: os.symlink(os.path.basename(b), q))
            self.replace_with(b, lambda q: os.symlink(os.path.basename(a), q))
        else:
            p = self.some_path([MEM, NODE + "/node0", "proc/iomem", "sys"])
            self.replace_with(p, lambda q: os.symlink(os.path.basename(q), q))
        return "loop"

    def escape(self):
        """A block (or its state, or run/lock) links out of the root."""
        blocks = block_dirs(self.root)
        if not blocks:
            return "link-escape"
        b = self.rng.choice(blocks)
        name = os.path.basename(b)
        if self.rng.random() < 0.15:
            # The real machine's block: read, never written (see safe_for_writes).
            self.replace_with(b, lambda q: os.symlink("/sys/devices/system/memory/" + name, q))
            return "link-system"
        out = os.path.join(self.outside, name)
        os.makedirs(out, exist_ok=True)
        for f in ("state", "valid_zones", "online", "phys_index"):
            src = os.path.join(b, f)
            if os.path.isfile(src) and not os.path.islink(src):
                shutil.copyfile(src, os.path.join(out, f))
        with open(os.path.join(out, "state"), "w") as f:
            f.write(self.rng.choice(["online\n", "offline\n"]))
        kind = self.rng.random()
        if kind < 0.5:
            self.replace_with(b, lambda q: os.symlink(out, q))
        elif kind < 0.8:
            self.replace_with(os.path.join(b, "state"),
                              lambda q: os.symlink(os.path.join(out, "state"), q))
        else:
            rel = os.path.relpath(out, b)
            self.replace_with(b, lambda q: os.symlink(rel, q))
        if self.rng.random() < 0.3:
            lock = os.path.join(self.outside, "lock")
            os.makedirs(lock, exist_ok=True)
            self.replace_with(os.path.join(self.root, "run", "lock"),
                              lambda q: os.symlink(lock, q))
        return "link-escape"

    def mutate(self, n):
        ops = [self.truncate, self.nul, lambda: self.bytes_in("non-utf8"),
               lambda: self.bytes_in("control"), self.number, self.fifo, self.endless,
               self.loop, self.escape]
        tags = set()
        for _ in range(n):
            try:
                tags.add(self.rng.choice(ops)())
            except OSError:
                pass
        return tags


def copy_keeping_fifos(src, dst):
    """copytree's copy_function: a FIFO is made again, never opened."""
    if stat.S_ISFIFO(os.lstat(src).st_mode):
        os.mkfifo(dst)
    else:
        shutil.copy2(src, dst)


def snapshot_dir(d):
    """Content hash of every file under d (links not followed)."""
    h = {}
    for p in files_of(d):
        try:
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    h[p] = hashlib.sha1(f.read()).hexdigest()
        except OSError:
            pass
    return h


def safe_for_writes(tmp, root):
    """Every link under root resolves inside tmp, and nothing is a device."""
    for p in files_of(root) + [root]:
        if os.path.islink(p):
            real = os.path.realpath(p)
            if not (real + "/").startswith(os.path.realpath(tmp) + "/"):
                return False
    return True


def block_ids(root):
    return [int(os.path.basename(b)[6:]) for b in block_dirs(root)]


def command_lines(rng, root, writes_ok):
    ids = block_ids(root) or [0]
    b = str(rng.choice(ids))
    b2 = "%d-%d" % (min(ids), min(ids) + rng.randint(0, 3))
    cmds = [["list"], ["list", "-J"], ["list", "-a", "-J"], ["list", "--output-all", "-J"],
            ["list", "-o", "+FLAGS,OFFLINE", "-J"], ["list", "-S", "none", "-J", "--summary=always"],
            ["list", "-P"], ["list", "-r", "-o", "RANGE,STATE,ZONES,NODE"],
            ["check"], ["check", "-J"], ["check", "--format", "prometheus"], ["check", "-v"],
            ["show", b], ["show", "memory" + b, "-J"], ["show", "0x0", "-J"],
            ["offline", "--dry-run", "-b", b, "-J"], ["online", "--dry-run", "-b", b2],
            ["offline", "--dry-run", "256M", "-J"], ["offline", "--dry-run", "--zone", "Movable", "1G"],
            ["help"], ["help", "list"], ["-J", "help"], ["-v", "help"], ["list", "--output-all", "-o", "FOO"]]
    if writes_ok:
        cmds += [["offline", "-b", b, "-J", "--timeout", "2"],
                 ["online", "-b", b2, "--retries", "1", "--timeout", "2"],
                 ["offline", "128M", "--timeout", "2"]]
    out = []
    for _ in range(rng.randint(3, 6)):
        c = list(rng.choice(cmds))
        tags = set()
        if c[0] == "help" or c[:1] in (["-J"], ["-v"]) or "FOO" in c:
            tags.add("arg-order")
        if rng.random() < 0.25:
            i = rng.randrange(len(c) + 1)
            v = rng.choice(HOSTILE_ARGS + ["--retries", "--timeout", "--node", "--blocks",
                                           "--state", "-o", "--severity"])
            c.insert(i, v)
            tags.add("arg-bytes" if v in ("\xff", "\x1b[2J") else "arg-number")
        out.append((c, tags))
    return out


def command_of(args):
    for a in args:
        if a in CODES:
            return a
        if not a.startswith("-"):
            return "?"
    return "list"


def judge(args, p, out, err, timed_out):
    """The classes this run falls in (a list of (class, detail))."""
    found = []
    if timed_out:
        return [("hang", "still running after %d s" % HANG_S)]
    if p < 0:
        found.append(("crash", "signal %d" % -p))
    r = mtlib.Run(args, p, out, err)
    why = r.crash_reason()
    if why and p >= 0:
        found.append(("sanitizer", why))
    cmd = command_of(args)
    codes = CODES.get(cmd, {0, 1, 2})
    if p >= 0 and p not in codes:
        found.append(("exit", "%s exited %d" % (cmd, p)))
    # An unknown column is a usage error, with --output-all too (issue 12).
    elif cmd == "list" and "FOO" in args and "--help" not in args and p != 2:
        found.append(("exit", "list with an unknown column exited %d, not 2" % p))
    as_json = ("-J" in args or "--json" in args or
               ("--format" in args and "json" in args)) and cmd != "help"
    if as_json and out.strip():
        try:
            doc = json.loads(out.decode("utf-8"))
            if cmd == "list":
                for i, rg in enumerate(doc.get("memory") or []):
                    s, e, z = rg.get("start"), rg.get("end"), rg.get("size")
                    if None in (s, e, z):
                        continue
                    if s > e or e - s + 1 != z:
                        found.append(("range", "range %d: %s size %d" % (i, rg.get("range"), z)))
                        break
        except (UnicodeDecodeError, ValueError) as ex:
            found.append(("json", "%s: %s" % (type(ex).__name__, str(ex)[:80])))
    texts = [err] + ([] if as_json else [out])
    for t in texts:
        if re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", t):
            found.append(("terminal", "control byte in output"))
            break
        try:
            t.decode("utf-8")
        except UnicodeDecodeError:
            found.append(("terminal", "invalid UTF-8 in output"))
            break
    return found


def run_one(memtopo, env, root, args, workdir):
    argv = [memtopo, "--sysroot", root] + args
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, cwd=workdir,
                         start_new_session=True)
    t0 = time.monotonic()
    try:
        out, err = p.communicate(timeout=HANG_S)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        timed_out = True
    # Whole: list -a -J on 50,000 blocks is 6 MiB, and a cut document is no JSON.
    return p.returncode, out, err, timed_out, time.monotonic() - t0


def preload(memtopo, shim):
    out = subprocess.run(["ldd", memtopo], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode()
    m = re.search(r"^\s*libasan\.so\S*\s+=>\s+(\S+)", out, re.M)
    return ":".join(([m.group(1)] if m else []) + [shim])


def pending_classes():
    try:
        with open(os.path.join(HERE, "pending")) as f:
            return {line.strip() for line in f
                    if line.strip() and not line.startswith("#")}
    except OSError:
        return set()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("memtopo")
    ap.add_argument("--shim", help="tests/fakekernel .so: online/offline for real")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trees", type=int, default=None)
    ap.add_argument("--minutes", type=float, default=None)
    ap.add_argument("--ci", action="store_true")
    ap.add_argument("--keep", help="copy the tree and command of each finding here")
    ap.add_argument("-v", "--verbose", action="store_true")
    o = ap.parse_args()
    memtopo = os.path.abspath(o.memtopo)
    if o.trees is None and o.minutes is None:
        o.trees = 30 if o.ci else 200
    rng = random.Random(o.seed)
    pending = pending_classes() if o.ci else set()
    excused_tags = set().union(*[PENDING_TAGS.get(c, set()) for c in pending])

    env = mtlib.test_env()
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
    env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
    sources = captures() + scenarios()
    if o.ci:
        # The subset: every scenario and the smaller captures (unpacking the
        # big ones costs more than their runs).
        sources = [s for s in sources
                   if s.endswith(".scn") or os.path.getsize(s) < CI_CAPTURE_BYTES]
    if not sources:
        print("mutate-run: no captures or scenarios found", file=sys.stderr)
        return 1
    counts = collections.Counter()
    by_tag = collections.defaultdict(collections.Counter)
    failures = []
    runs = trees = skipped = 0
    slowest = (0.0, None)
    t_end = time.monotonic() + o.minutes * 60 if o.minutes else None
    with tempfile.TemporaryDirectory(prefix="memtopo-mutate-") as tmp:
        bases = Bases(os.path.join(tmp, "bases"))
        os.makedirs(bases.tmp)
        while (o.trees is None or trees < o.trees) and (t_end is None or time.monotonic() < t_end):
            trees += 1
            src = "blocks-50k" if trees % 40 == 0 else rng.choice(sources)
            try:
                base = bases.get(src)
            except (RuntimeError, mkfixture.ScenarioError, ValueError, OSError) as e:
                print("mutate-run: %s: %s" % (src, e), file=sys.stderr)
                continue
            work = os.path.join(tmp, "work")
            shutil.rmtree(work, ignore_errors=True)
            root, outside = os.path.join(work, "root"), os.path.join(work, "outside")
            shutil.copytree(base, root, symlinks=True)
            os.makedirs(outside)
            tags = Mutator(rng, root, outside).mutate(rng.choice([1, 1, 1, 2, 3]))
            if src == "blocks-50k":
                tags.add("blocks-50k")
            writes_ok = bool(o.shim) and safe_for_writes(work, root)
            run_env = dict(env, MEMTOPO_LOCK=os.path.join(work, "memtopo.lock"))
            lines = command_lines(rng, root, writes_ok)
            # A pending hang costs 20 s a run and proves nothing new: CI skips those trees.
            if o.ci and tags & excused_tags & {"fifo", "endless", "blocks-50k"}:
                skipped += 1
                continue
            if writes_ok:
                run_env["MEMTOPO_FAKE_KERNEL"] = os.path.realpath(root)
                run_env["LD_PRELOAD"] = preload(memtopo, os.path.abspath(o.shim))
            for args, arg_tags in lines:
                before = snapshot_dir(outside)
                rc, out, err, to, dt = run_one(memtopo, run_env, root, args, work)
                runs += 1
                if dt > slowest[0]:
                    slowest = (dt, "%s: %s" % (os.path.basename(src), " ".join(args)))
                found = judge(args, rc, out, err, to)
                if snapshot_dir(outside) != before:
                    found.append(("escape", "a file outside the sysroot changed"))
                all_tags = tags | arg_tags
                for cls, detail in found:
                    counts[cls] += 1
                    for t in all_tags or {"none"}:
                        by_tag[cls][t] += 1
                    excused = bool(all_tags & excused_tags)
                    line = "%s%s: %s [%s] memtopo %s: %s" % (
                        cls, " (pending)" if excused else "", os.path.basename(src),
                        ",".join(sorted(all_tags)), " ".join(map(repr, args)), detail)
                    if o.verbose or not excused:
                        print(line)
                    if not excused:
                        failures.append(line)
                    if o.keep:
                        dest = os.path.join(o.keep, "%s-%d-%d" % (cls, o.seed, runs))
                        if not os.path.exists(dest):
                            shutil.copytree(work, dest, symlinks=True,
                                            copy_function=copy_keeping_fifos)
                            with open(os.path.join(dest, "command"), "w") as f:
                                f.write(" ".join(args) + "\n" + line + "\n")
    print("mutate-run: seed %d, %d trees (%d skipped as pending hangs), %d runs; "
          "slowest %.1f s (%s)" % (o.seed, trees, skipped, runs, slowest[0], slowest[1]))
    for cls in CLASSES:
        tags = ", ".join("%s %d" % kv for kv in by_tag[cls].most_common())
        print("  %-9s %5d%s" % (cls, counts[cls], "  (%s)" % tags if tags else ""))
    if o.ci:
        print("pending (not failures): %s" % (", ".join(sorted(pending)) or "none"))
        print("%d findings not explained by a pending class" % len(failures))
        return 1 if failures else 0
    return 1 if sum(counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
