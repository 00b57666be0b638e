#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""memtopo online / offline against the fake kernel for writes.

    test-hotplug.py MEMTOPO FAKEKERNEL.so CASE     (one case; meson runs each)
    test-hotplug.py MEMTOPO FAKEKERNEL.so all      (every case, by hand)
    test-hotplug.py --list                         (the cases, one a line:
                                                    meson registers each)

Every case builds its fixtures with mkfixture under a temp dir, writes the
per-block scripts of tests/fakekernel (README.md there), runs memtopo with
the shim preloaded into memtopo only (never into python) and
MEMTOPO_FAKE_KERNEL set, and asserts the JSON report, the fixture files
afterwards (and the shim's log of write attempts) and the exit status:
0 target met, 1 nothing done / failure / refused, 2 bad input, 64 partly
done. Nothing here writes outside the temp dir: the real /sys is never
touched (the shim only acts on paths under MEMTOPO_FAKE_KERNEL, and every
memtopo run gets --sysroot).

An ASan build of memtopo needs its runtime first in LD_PRELOAD: it is
found with ldd and put before the shim.
"""

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkfixture  # noqa: E402
import mtlib  # noqa: E402

MiB = 1 << 20
BS = 128 * MiB

# A 2-node machine, 128 MiB blocks, 2.5 GiB present (20 blocks):
#   node0: memory0 (valid_zones none: check flags it multi-zone), 1-3 DMA32,
#          4-7 Normal, 8-9 Movable, 10-11 offline "Normal Movable"
#   (12-15 absent: a hole)
#   node1: 16-19 Normal, 20-21 Movable, 22-23 offline "Normal Movable"
# MemAvailable 2400 MiB: room to offline every online block but memory0
# (1920 MiB + the 256 MiB margin).
MEMINFO = """file proc/meminfo
MemTotal:        3145728 kB
MemFree:         2621440 kB
MemAvailable:    2457600 kB
end
"""
MACHINE = """block-size 128M
auto-online offline
memory 0 zones=none node=0
memory 1-3 zones=DMA32 node=0
memory 4-7 zones=Normal node=0
memory 8-9 zones=Movable node=0
memory 10-11 state=offline zones=Normal,Movable node=0
memory 16-19 zones=Normal node=1
memory 20-21 zones=Movable node=1
memory 22-23 state=offline zones=Normal,Movable node=1
"""
BASE = MACHINE + MEMINFO
ONLINE_BLOCKS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 18, 19, 20, 21]
OFFLINE_BLOCKS = [10, 11, 22, 23]

MEMTOPO = SHIM = WRITER = None
PRELOAD = ""
TALLY = mtlib.Tally()
check, eq, Skip = TALLY.check, TALLY.eq, mtlib.Skip


# ------------------------------------------------------------------ checks

def skip(msg):
    raise Skip(msg)


# ------------------------------------------------------------- the fixture

def tree(root):
    """{relative path: what it is}: content digests, link targets, modes."""
    out = {}
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(d, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = "L " + os.readlink(p)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "D %o" % st.st_mode
            else:
                with open(p, "rb") as f:
                    out[rel] = "F %o %s" % (st.st_mode,
                                            hashlib.sha256(f.read()).hexdigest())
    return out


def diff_trees(before, after):
    return sorted(k for k in set(before) | set(after)
                  if before.get(k) != after.get(k))


class Result:
    def __init__(self, argv, rc, out, err, elapsed, label=None):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.elapsed = elapsed
        self.label = label or "memtopo " + " ".join(argv[3:])
        self.doc = None
        self.blocks = {}
        run = mtlib.Run(argv, rc, out, err, timed_out=rc is None)
        why = run.crash_reason()
        check(why is None, "%s: %s\n%s" % (self.label, why, self.err_text()))
        if out.strip().startswith(b"{"):
            try:
                self.doc = json.loads(out)
            except ValueError as e:
                check(False, "%s: bad JSON (%s): %r" % (argv, e, out[:300]))
            if self.doc is not None:
                try:
                    mtlib.check_json_schema(argv, out)
                except AssertionError as e:
                    check(False, str(e))
        if self.doc:
            for b in self.doc.get("blocks", []):
                self.blocks[b["block"]] = b

    def err_text(self):
        return self.err.decode("utf-8", "replace")

    def err_lines(self):
        return [line for line in self.err_text().split("\n") if line]

    def what(self):
        return self.label

    def expect(self, rc=None, status=None, done_bytes=None, requested=None,
               rolled_back=None):
        w = self.what()
        if rc is not None:
            eq(self.rc, rc, "%s: exit status (stderr: %s)" % (w, self.err_text().strip()))
        if self.doc is None:
            check(status is None and done_bytes is None and rolled_back is None,
                  "%s: no JSON report" % w)
            return
        if status is not None:
            eq(self.doc["status"], status, w + ": status")
        if done_bytes is not None:
            eq(self.doc["done_bytes"], done_bytes, w + ": done_bytes")
        if requested is not None:
            eq(self.doc["requested_bytes"], requested, w + ": requested_bytes")
        if rolled_back is not None:
            eq(self.doc["rolled_back"], rolled_back, w + ": rolled_back")

    def block(self, n, result, attempts=None, errno="-", reason=None,
              zone="-", write=None):
        """Assert block n's entry; reason is a substring, "-" means any."""
        w = "%s: memory%d" % (self.what(), n)
        b = self.blocks.get(n)
        if not check(b is not None, w + ": not in the report (%s)" %
                     sorted(self.blocks)):
            return
        eq(b["result"], result, w + ": result")
        if attempts is not None:
            eq(b["attempts"], attempts, w + ": attempts")
        if errno != "-":
            eq(b["errno"], errno, w + ": errno")
        if reason is not None:
            check(b["reason"] is not None and reason in b["reason"],
                  "%s: reason %r does not contain %r" % (w, b["reason"], reason))
        if zone != "-":
            eq(b["zone"], zone, w + ": zone")
        if write is not None:
            eq(b["write"], write, w + ": write")

    def order(self):
        return [b["block"] for b in self.doc["blocks"]] if self.doc else []


class Fix:
    """A fixture tree, its scripts and log, and memtopo runs against it."""

    def __init__(self, base, name="root", scn=BASE, lock="outside"):
        self.base = base
        self.root = os.path.join(base, name)
        mkfixture.generate(scn, self.root)
        self.mem = os.path.join(self.root, "sys/devices/system/memory")
        self.fk = os.path.join(self.root, "fakekernel")
        # outside: MEMTOPO_LOCK next to the tree (bad input and dry runs can
        # then hash the whole tree); default: <sysroot>/run/lock/memtopo.lock
        self.lock = os.path.join(base, name + ".lock") if lock == "outside" \
            else None
        self.before = tree(self.root)

    # scripts, log, files
    def script(self, block, *lines):
        os.makedirs(self.fk, exist_ok=True)
        for line in lines:
            assert re.match(r"^(forever:)?(ok|E[A-Z]+|hang|delay:\d+|"
                            r"spill:\d+|unflag:\d+|pinned|"
                            r"race:(online|online_kernel|online_movable|"
                            r"offline))$", line), line
        with open(os.path.join(self.fk, "memory%d" % block), "w") as f:
            f.write("".join(line + "\n" for line in lines))
        self.before = tree(self.root)

    def log(self):
        try:
            with open(os.path.join(self.fk, "log")) as f:
                lines = f.read().split("\n")
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            if line:
                b, value, result = line.split(" ")
                check(result != "BADSCRIPT", "fakekernel: bad script line")
                out.append((int(b[len("memory"):]), value, result))
        return out

    def count(self, block):
        try:
            with open(os.path.join(self.fk, "memory%d.count" % block)) as f:
                text = f.read()
            return int(text) if text else None  # created, not yet written
        except FileNotFoundError:
            return None

    def attr(self, block, name):
        with open(os.path.join(self.mem, "memory%d" % block, name)) as f:
            return f.read()

    def state(self, block):
        return (self.attr(block, "state").strip(),
                self.attr(block, "online").strip(),
                self.attr(block, "valid_zones").strip())

    def expect_state(self, block, state, zones, what=""):
        eq(self.state(block), (state, "1" if state == "online" else "0", zones),
           "%smemory%d (state, online, valid_zones)" % (what, block))

    def expect_log(self, want, what):
        eq(self.log(), want, what + ": fakekernel log")

    def expect_untouched(self, what, but=()):
        """Every file of the tree as before, except the blocks in `but` and
        the shim's own files (scripts, counters, log)."""
        changed = diff_trees(self.before, tree(self.root))
        allowed = set("sys/devices/system/memory/memory%d/%s" % (b, a)
                      for b in but for a in ("state", "online", "valid_zones"))
        bad = [p for p in changed
               if p not in allowed and not p.startswith("fakekernel")]
        check(not bad, "%s: files changed that should not have: %s" % (what, bad))

    def expect_unchanged(self, what):
        """Every file of the tree exactly as before, shim files included."""
        changed = diff_trees(self.before, tree(self.root))
        check(not changed, "%s: files changed: %s" % (what, changed))

    # running memtopo
    def env(self, preload=True):
        env = mtlib.test_env()
        env["MEMTOPO_FAKE_KERNEL"] = self.root
        if self.lock:
            env["MEMTOPO_LOCK"] = self.lock
        if preload:
            env["LD_PRELOAD"] = PRELOAD
        return env

    def argv(self, args, js=True):
        return [MEMTOPO, "--sysroot", self.root] + (["-J"] if js else []) + \
            list(args)

    def run(self, *args, js=True, timeout=60, env=None):
        argv = self.argv(args, js)
        t = time.monotonic()
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env or self.env(), timeout=timeout)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = None, e.stdout or b"", e.stderr or b""
        return Result(argv, rc, out, err, time.monotonic() - t)

    def popen(self, *args, js=True):
        argv = self.argv(args, js)
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=self.env())
        p.argv, p.t0 = argv, time.monotonic()
        return p

    def wait(self, p, timeout=60):
        try:
            out, err = p.communicate(timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            rc = None
        return Result(p.argv, rc, out, err, time.monotonic() - p.t0)

    def wait_for(self, cond, what, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return True
            time.sleep(0.01)
        return check(False, "timed out waiting for " + what)


def preload_list(exe, shim):
    """The shim, after the ASan runtime when exe links one: preloaded
    before it, the runtime aborts ("ASan runtime does not come first").
    Without ldd, ASan is told not to verify the order."""
    try:
        out = subprocess.run(["ldd", exe], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout.decode()
    except OSError:
        os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + \
            ":verify_asan_link_order=0"
        return [shim]
    m = re.search(r"^\s*libasan\.so\S*\s+=>\s+(\S+)", out, re.M)
    return ([m.group(1)] if m else []) + [shim]


def leftover_processes(root):
    """Pids of processes still running with this fixture's fake kernel."""
    needle = ("MEMTOPO_FAKE_KERNEL=%s\0" % root).encode()
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if needle in f.read():
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


def hold_lock(path):
    """Take the lock as another memtopo would: flock + our pid in it."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    os.write(fd, b"%d\n" % os.getpid())
    return fd


# ------------------------------------------------------------------- cases

def case_shim_semantics(tmp):
    """The shim alone, driven by fk-write (one write(2), built beside it)."""
    f = Fix(tmp)
    env = f.env(preload=False)
    env["LD_PRELOAD"] = ":".join(preload_list(WRITER, SHIM))

    def write(block, value, want, what, fork=False):
        path = os.path.join(f.mem, "memory%d" % block, "state")
        argv = [WRITER] + (["--fork"] if fork else []) + [path, value]
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=30)
        got = p.stdout.decode().strip()
        if got.startswith("errno "):
            n = int(got[6:])
            got = "EHWPOISON" if n == 133 else errno.errorcode.get(n, got)
        eq(got, want, "write %r to memory%d (%s) [%s]" %
           (value, block, what, p.stderr.decode("utf-8", "replace").strip()))

    # bad strings: EINVAL, no attempt counted
    write(10, "bogus", "EINVAL", "bad string")
    write(10, "online\\n\\n", "EINVAL", "two newlines")
    write(10, "Online", "EINVAL", "case matters")
    write(10, "online ", "EINVAL", "a trailing space")
    eq(f.count(10), None, "a bad string counts no attempt")
    # the current state: EINVAL, counted
    write(10, "offline\\n", "EINVAL", "offline to an offline block")
    write(9, "online_kernel", "EINVAL", "online_kernel to an online block")
    write(9, "online", "EINVAL", "online to an online block")
    # offline of a block whose valid_zones is none
    write(0, "offline", "EINVAL", "valid_zones none")
    f.expect_state(0, "online", "none")
    eq(f.count(10), 1, "memory10 attempts")
    # online_kernel: first non-Movable candidate; offline restores them
    write(10, "online_kernel\\n", "ok", "online_kernel")
    f.expect_state(10, "online", "Normal")
    write(10, "offline", "ok", "offline")
    f.expect_state(10, "offline", "Normal Movable")
    # online: the first candidate, "Movable Normal" -> Movable
    with open(os.path.join(f.mem, "memory11/valid_zones"), "w") as fh:
        fh.write("Movable Normal\n")
    write(11, "online", "ok", "online")
    f.expect_state(11, "online", "Movable")
    write(11, "offline", "ok", "offline")
    f.expect_state(11, "offline", "Movable Normal")
    # online_kernel with only Movable offered: Normal
    with open(os.path.join(f.mem, "memory11/valid_zones"), "w") as fh:
        fh.write("Movable\n")
    write(11, "online_kernel", "ok", "online_kernel, Movable only")
    f.expect_state(11, "online", "Normal")
    # offline of a block onlined elsewhere (nothing saved): Normal Movable
    write(9, "offline", "ok", "offline")
    f.expect_state(9, "offline", "Normal Movable")
    # the script: one line per attempt; the counter survives fork and processes
    f.script(22, "EBUSY", "ENOMEM", "EHWPOISON", "EINTR", "ok")
    write(22, "online_movable", "EBUSY", "EBUSY", fork=True)
    write(22, "online_movable", "ENOMEM", "ENOMEM")
    write(22, "online_movable", "EHWPOISON", "EHWPOISON", fork=True)
    write(22, "online_movable", "EINTR", "EINTR", fork=True)
    f.expect_state(22, "offline", "Normal Movable")
    write(22, "online_movable", "ok", "ok")
    f.expect_state(22, "online", "Movable")
    write(22, "offline", "ok", "exhausted: ok", fork=True)
    eq(f.count(22), 6, "memory22 attempts")
    # forever: from that line on
    f.script(23, "ok", "forever:EBUSY")
    write(23, "online", "ok", "before forever")
    for i in range(3):
        write(23, "offline", "EBUSY", "forever %d" % i, fork=i == 1)
    # race: the state is set first, then the normal rules
    f.script(8, "race:offline")
    write(8, "offline", "EINVAL", "race:offline")
    f.expect_state(8, "offline", "Normal Movable")
    f.script(3, "race:offline", "race:online_movable")
    write(3, "offline", "EINVAL", "race:offline")
    write(3, "online_kernel", "EINVAL", "race:online_movable")
    f.expect_state(3, "online", "Movable")
    f.script(16, "race:online_kernel")
    write(16, "offline", "ok", "race:online_kernel, then offline")
    # delay: slept, then ok
    f.script(1, "delay:400")
    t = time.monotonic()
    write(1, "offline", "ok", "delay:400")
    check(time.monotonic() - t >= 0.4, "delay:400 took %.3f s" % (time.monotonic() - t))
    f.expect_state(1, "offline", "Normal Movable")
    # hang: a handled signal (fk-write handles SIGUSR1) does not end it, SIGKILL does
    f.script(2, "hang")
    p = subprocess.Popen([WRITER, os.path.join(f.mem, "memory2/state"), "offline"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=env)
    f.wait_for(lambda: f.count(2) == 1, "the hang to start")
    time.sleep(0.2)
    p.send_signal(signal.SIGUSR1)
    time.sleep(0.3)
    eq(p.poll(), None, "hang: the write returned after a handled signal")
    p.kill()
    p.wait()
    f.expect_state(2, "online", "DMA32")
    # a bad script line: EIO and BADSCRIPT, never a silent ok
    os.makedirs(f.fk, exist_ok=True)
    with open(os.path.join(f.fk, "memory4"), "w") as fh:
        fh.write("EWHATEVER\n")
    write(4, "offline", "EIO", "bad script line")
    f.expect_state(4, "online", "Normal")
    want = [(10, "(bad)", "EINVAL")] * 4 + [
        (10, "offline", "EINVAL"), (9, "online_kernel", "EINVAL"),
        (9, "online", "EINVAL"), (0, "offline", "EINVAL"),
        (10, "online_kernel", "ok"), (10, "offline", "ok"),
        (11, "online", "ok"), (11, "offline", "ok"),
        (11, "online_kernel", "ok"), (9, "offline", "ok"),
        (22, "online_movable", "EBUSY"), (22, "online_movable", "ENOMEM"),
        (22, "online_movable", "EHWPOISON"), (22, "online_movable", "EINTR"),
        (22, "online_movable", "ok"), (22, "offline", "ok"),
        (23, "online", "ok")] + [(23, "offline", "EBUSY")] * 3 + [
        (8, "offline", "EINVAL"), (3, "offline", "EINVAL"),
        (3, "online_kernel", "EINVAL"), (16, "offline", "ok"),
        (1, "offline", "ok"), (2, "offline", "hang"),
        (4, "offline", "BADSCRIPT")]
    with open(os.path.join(f.fk, "log")) as fh:
        lines = [line.split(" ") for line in fh.read().split("\n") if line]
    eq([(int(a[len("memory"):]), b, c) for a, b, c in lines], want, "fakekernel log")
    f.expect_untouched("shim", but=[0, 1, 2, 3, 4, 8, 9, 10, 11, 16, 22, 23])
    # inactive without MEMTOPO_FAKE_KERNEL: a plain write
    g = Fix(tmp, "plain")
    env2 = dict(env)
    del env2["MEMTOPO_FAKE_KERNEL"]
    p = subprocess.run([WRITER, os.path.join(g.mem, "memory10/state"), "bogus"],
                       stdout=subprocess.PIPE, env=env2)
    eq(p.stdout.strip(), b"ok", "inactive shim: write")
    check(g.attr(10, "state").startswith("bogus"), "inactive shim: a plain write: %r"
          % g.attr(10, "state"))
    check(not os.path.exists(g.fk), "inactive shim: no fakekernel dir")
    # active, but another file under the root: a plain write
    p = subprocess.run([WRITER, os.path.join(g.mem, "memory10/online"), "junk"],
                       stdout=subprocess.PIPE, env=env)
    check(g.attr(10, "online").startswith("junk"), "memoryN/online: a plain write")


def case_retry_then_success(tmp):
    f = Fix(tmp)
    f.script(9, "EBUSY", "EBUSY")
    r = f.run("offline", "--blocks", "9")
    r.expect(rc=0, status="done", done_bytes=BS, requested=BS, rolled_back=[])
    r.block(9, "done", attempts=3, errno=None, zone="Movable")
    eq(r.order(), [9], "report")
    f.expect_log([(9, "offline", "EBUSY")] * 2 + [(9, "offline", "ok")], "retry")
    f.expect_state(9, "offline", "Normal Movable")
    f.expect_untouched("retry", but=[9])
    eq(r.err_lines(), [], "stderr of a run that met its target")


def case_retries_honoured(tmp):
    f = Fix(tmp)
    f.script(9, "EBUSY", "EBUSY", "EBUSY")
    r = f.run("offline", "--retries", "1", "--blocks", "9")
    r.expect(rc=1, status="failed", done_bytes=0, rolled_back=[])
    r.block(9, "failed", attempts=2, errno="EBUSY")
    f.expect_log([(9, "offline", "EBUSY")] * 2, "--retries 1")
    f.expect_state(9, "online", "Movable")
    f.expect_untouched("--retries 1")
    lines = r.err_lines()
    check(len(lines) == 1 and "memory9" in lines[0] and "EBUSY" in lines[0],
          "--retries 1: one line on stderr naming memory9 and EBUSY: %r" % lines)
    # --retries 0: one attempt
    g = Fix(tmp, "zero")
    g.script(9, "EBUSY", "ok")
    r = g.run("offline", "--retries", "0", "--blocks", "9")
    r.expect(rc=1, status="failed")
    r.block(9, "failed", attempts=1, errno="EBUSY")
    eq(g.count(9), 1, "--retries 0: attempts")


def case_ebusy_forever(tmp):
    """The default: 3 EBUSY retries with backoff, then failed."""
    f = Fix(tmp)
    f.script(20, "forever:EBUSY")
    r = f.run("offline", "--blocks", "20")
    r.expect(rc=1, status="failed", done_bytes=0)
    r.block(20, "failed", attempts=4, errno="EBUSY", reason="unmovable")
    eq(f.count(20), 4, "forever:EBUSY: attempts")
    # backoff 100, 200, 400 ms, each at least half: >= 350 ms in all
    b = r.blocks.get(20) or {}
    check(b.get("elapsed_ms", 0) >= 350,
          "EBUSY backoff: elapsed_ms %r < 350" % b.get("elapsed_ms"))
    f.expect_state(20, "online", "Movable")
    f.expect_untouched("forever:EBUSY")


def case_enomem_retried_once(tmp):
    f = Fix(tmp)
    f.script(8, "ENOMEM", "ok")
    f.script(9, "ENOMEM", "ENOMEM", "ok")
    r = f.run("offline", "--blocks", "8,9")
    r.expect(rc=64, status="partial", done_bytes=BS, requested=2 * BS)
    r.block(8, "done", attempts=2, errno=None)
    r.block(9, "failed", attempts=2, errno="ENOMEM", reason="notifier")
    f.expect_log([(8, "offline", "ENOMEM"), (8, "offline", "ok"),
                  (9, "offline", "ENOMEM"), (9, "offline", "ENOMEM")], "ENOMEM")
    f.expect_state(8, "offline", "Normal Movable")
    f.expect_state(9, "online", "Movable")
    f.expect_untouched("ENOMEM", but=[8])


def case_errno_not_retried(tmp):
    """--retries is for EBUSY (and ENOMEM once): other errnos fail at once."""
    f = Fix(tmp)
    f.script(10, "EHWPOISON", "ok")
    f.script(11, "EINTR", "ok")
    f.script(22, "EINVAL", "ok")
    r = f.run("online", "--blocks", "10,11,22")
    r.expect(rc=1, status="failed", done_bytes=0)
    r.block(10, "failed", attempts=1, errno="EHWPOISON", reason="poison")
    r.block(11, "failed", attempts=1, errno="EINTR")
    r.block(22, "failed", attempts=1, errno="EINVAL")
    f.expect_log([(10, "online_movable", "EHWPOISON"),
                  (11, "online_movable", "EINTR"),
                  (22, "online_movable", "EINVAL")], "errnos")
    for b in (10, 11, 22):
        f.expect_state(b, "offline", "Normal Movable")
    f.expect_untouched("errnos")
    eq(len(r.err_lines()), 3, "one stderr line per failed block")


def case_size_fallback(tmp):
    """SIZE: a failing block is passed over for the next candidate."""
    f = Fix(tmp)
    f.script(21, "forever:EBUSY")
    r = f.run("offline", "--retries", "0", "256M")
    r.expect(rc=0, status="done", done_bytes=2 * BS, requested=2 * BS)
    r.block(21, "failed", attempts=1, errno="EBUSY")
    r.block(20, "done", attempts=1)
    r.block(9, "done", attempts=1)
    eq(r.order()[:3], [21, 20, 9], "SIZE fallback: order")
    check(8 not in r.blocks, "SIZE fallback: the unused spare memory8 is reported")
    f.expect_log([(21, "offline", "EBUSY"), (20, "offline", "ok"),
                  (9, "offline", "ok")], "SIZE fallback")
    f.expect_state(21, "online", "Movable")
    f.expect_state(8, "online", "Movable")
    f.expect_untouched("SIZE fallback", but=[20, 9])
    # every candidate fails: nothing done, exit 1
    g = Fix(tmp, "allfail")
    for b in (21, 20, 9, 8):
        g.script(b, "forever:EBUSY")
    r = g.run("offline", "--retries", "0", "--zone", "Movable", "256M")
    r.expect(rc=1, status="failed", done_bytes=0)
    eq(sorted(b for b, _, _ in g.log()), [8, 9, 20, 21],
       "every candidate tried once")
    # one of two: partial
    h = Fix(tmp, "half")
    for b in (21, 20, 9):
        h.script(b, "forever:EBUSY")
    r = h.run("offline", "--retries", "0", "--zone", "Movable", "256M")
    r.expect(rc=64, status="partial", done_bytes=BS)
    r.block(8, "done")


def case_size_order(tmp):
    """offline SIZE: Movable first, then kernel zones, each highest first;
    memory0 (flagged) never chosen."""
    f = Fix(tmp)
    n = len(ONLINE_BLOCKS) - 1
    r = f.run("offline", "%dM" % (n * 128))
    r.expect(rc=0, status="done", done_bytes=n * BS, requested=n * BS)
    want = [21, 20, 9, 8, 19, 18, 17, 16, 7, 6, 5, 4, 3, 2, 1]
    eq([b for b, _, _ in f.log()], want, "offline SIZE: order of the writes")
    eq(r.order(), want + [0], "offline SIZE: order in the report")
    r.block(0, "skipped", attempts=0, reason="multi-zone")
    for b in want:
        r.block(b, "done", attempts=1)
        f.expect_state(b, "offline", "Normal Movable")
    f.expect_state(0, "online", "none")
    f.expect_untouched("offline SIZE", but=want)
    # now memory0 is the only online block: still not chosen
    f.before = tree(f.root)
    r = f.run("offline", "128M")
    r.expect(rc=1, status="failed", done_bytes=0)
    r.block(0, "skipped", reason="multi-zone")
    eq(len(f.log()), len(want), "memory0 is never written")
    f.expect_untouched("offline 128M with only memory0 left")
    # online SIZE: lowest first, Movable where offered
    g = Fix(tmp, "online")
    r = g.run("online", "384M")
    r.expect(rc=0, status="done", done_bytes=3 * BS)
    eq([(b, v) for b, v, _ in g.log()],
       [(10, "online_movable"), (11, "online_movable"), (22, "online_movable")],
       "online SIZE: writes")
    g.expect_state(23, "offline", "Normal Movable")


# BASE with a page census: every page of the online blocks free (memory0
# is flagged multi-zone and never chosen anyway). The fake kernel's
# spill:M and pinned turn a block's pages to slab while memtopo runs.
CENSUS = BASE + "pages 1-9 free\npages 16-21 free\n"


def case_census_fresh(tmp):
    """offline SIZE takes a fresh census of each candidate right before its
    write: the plan's census is stale once earlier blocks went offline."""
    # offlining memory21 leaves unmovable pages in memory20, the next in
    # line: memory20 is passed over (never written), memory9 taken. Then
    # the target is met: memory8 (unmovable pages since memory9 went) is
    # neither read nor reported.
    f = Fix(tmp, "spill", scn=CENSUS)
    f.script(21, "spill:20")
    f.script(20, "forever:EBUSY")
    f.script(9, "spill:8")
    r = f.run("offline", "256M")
    r.expect(rc=0, status="done", done_bytes=2 * BS, requested=2 * BS)
    f.expect_log([(21, "offline", "ok"), (9, "offline", "ok")], "spill")
    eq(r.order(), [21, 9, 20, 0], "spill: the report (memory20 passed over, after the others)")
    r.block(20, "skipped", attempts=0, reason="census")
    eq(r.blocks.get(20, {}).get("offline_verdict"), "unlikely", "spill: memory20's verdict")
    r.block(21, "done", attempts=1)
    r.block(9, "done", attempts=1)
    eq([r.blocks.get(b, {}).get("offline_verdict") for b in (21, 9)], ["likely"] * 2,
       "spill: verdicts of the fresh census")
    f.expect_state(20, "online", "Movable")
    # the same with --no-census: memory20 is written, fails, memory9 after
    g = Fix(tmp, "spill-no-census", scn=CENSUS)
    g.script(21, "spill:20")
    g.script(20, "forever:EBUSY")
    r = g.run("offline", "--retries", "0", "--no-census", "256M")
    r.expect(rc=0, status="done", done_bytes=2 * BS)
    g.expect_log([(21, "offline", "ok"), (20, "offline", "EBUSY"), (9, "offline", "ok")],
                 "spill --no-census")
    # memory20 now holds pages the census cannot judge: behind the likely ones
    u = Fix(tmp, "unflag", scn=CENSUS)
    u.script(21, "unflag:20")
    r = u.run("offline", "256M")
    r.expect(rc=0, status="done", done_bytes=2 * BS)
    u.expect_log([(21, "offline", "ok"), (9, "offline", "ok")], "unflag")
    r.block(20, "skipped", attempts=0, reason="cannot judge")
    eq(r.blocks.get(20, {}).get("offline_verdict"), "unknown", "unflag: memory20's verdict")
    # no better candidate left: the unlikely one is still tried
    h = Fix(tmp, "spill-last", scn=CENSUS)
    h.script(21, "spill:20")
    r = h.run("offline", "--node", "1", "--zone", "Movable", "256M")
    r.expect(rc=0, status="done", done_bytes=2 * BS)
    h.expect_log([(21, "offline", "ok"), (20, "offline", "ok")], "spill, last candidate")
    r.block(20, "done", attempts=1)
    eq(r.blocks.get(20, {}).get("offline_verdict"), "unlikely",
       "spill, last candidate: memory20's fresh verdict")


def case_census_named(tmp):
    """Named blocks are tried in their order whatever their census says:
    the fresh census is for offline by size only."""
    f = Fix(tmp, "named", scn=CENSUS + "pages 20 slab:1,free\n")
    r = f.run("offline", "--blocks", "20-21")
    r.expect(rc=0, status="done", done_bytes=2 * BS)
    f.expect_log([(20, "offline", "ok"), (21, "offline", "ok")], "named blocks")
    eq(r.order()[:2], [20, 21], "named blocks: the report")
    eq([r.blocks.get(b, {}).get("offline_verdict") for b in (20, 21)], ["unlikely", "likely"],
       "named blocks: their census, for the report")


def case_census_ebusy(tmp):
    """offline SIZE: after EBUSY the block's census is read again; pages
    that do not move end its retries (the next candidate is the better bet).
    Named blocks and --no-census keep their retries."""
    f = Fix(tmp, "size", scn=CENSUS)
    f.script(21, "pinned")
    r = f.run("offline", "128M")
    r.expect(rc=0, status="done", done_bytes=BS)
    f.expect_log([(21, "offline", "EBUSY"), (20, "offline", "ok")], "pinned, SIZE")
    r.block(21, "failed", attempts=1, errno="EBUSY", reason="unmovable")
    eq(r.blocks.get(21, {}).get("offline_verdict"), "unlikely",
       "pinned, SIZE: memory21's verdict after the EBUSY")
    r.block(20, "done", attempts=1)
    for name, args in (("no-census", ["--no-census", "128M"]),
                       ("named", ["--blocks", "21"])):
        g = Fix(tmp, name, scn=CENSUS)
        g.script(21, "pinned")
        r = g.run("offline", *args)
        r.expect(rc=0, status="done", done_bytes=BS)
        g.expect_log([(21, "offline", "EBUSY"), (21, "offline", "ok")], "pinned, " + name)
        r.block(21, "done", attempts=2)


def case_force_flagged(tmp):
    f = Fix(tmp)
    r = f.run("offline", "--blocks", "0")
    r.expect(rc=1, status="failed", done_bytes=0)
    r.block(0, "skipped", attempts=0, reason="multi-zone")
    f.expect_log([], "flagged block without --force")
    f.expect_unchanged("flagged block without --force")
    # --force: chosen, written; the (fake) kernel refuses a valid_zones none block
    r = f.run("offline", "--force", "--blocks", "0")
    r.expect(rc=1, status="failed", done_bytes=0)
    r.block(0, "failed", attempts=1, errno="EINVAL")
    f.expect_log([(0, "offline", "EINVAL")], "flagged block with --force")
    f.expect_state(0, "online", "none")
    # SIZE --force: memory0 is a candidate too (the last: lowest kernel block)
    g = Fix(tmp, "size")
    n = len(ONLINE_BLOCKS)
    r = g.run("offline", "--force", "%dM" % (n * 128))
    r.expect(rc=64, status="partial", done_bytes=(n - 1) * BS)
    eq(r.order()[-1:], [0], "SIZE --force: memory0 last")
    r.block(0, "failed", attempts=1, errno="EINVAL")
    eq(g.log()[-1:], [(0, "offline", "EINVAL")], "SIZE --force: memory0 tried")


RATIO = """block-size 128M
memory 0-1 zones=Normal node=0
memory 2-3 zones=Movable node=0
memory 4-11 state=offline zones=Normal,Movable node=0
""" + MEMINFO


def case_movable_ratio(tmp):
    """MOVABLE:KERNEL past 3:1 after onlining to Movable is refused."""
    f = Fix(tmp, scn=RATIO)
    r = f.run("online", "1G")          # Movable 10 : kernel 2
    r.expect(rc=1, status="failed", done_bytes=0)
    check(r.doc is not None and "MOVABLE:KERNEL" in (r.doc.get("refusal") or ""),
          "online 1G: refusal names MOVABLE:KERNEL: %r" % (r.doc or {}).get("refusal"))
    f.expect_log([], "ratio refused")
    f.expect_unchanged("ratio refused")
    # the text form: one line on stderr
    r = f.run("online", "1G", js=False)
    r.expect(rc=1)
    lines = r.err_lines()
    check(len(lines) == 1 and "MOVABLE:KERNEL" in lines[0] and "--force" in lines[0],
          "ratio refused: one stderr line naming the rule and --force: %r" % lines)
    f.expect_unchanged("ratio refused (text)")
    # 3:1 exactly is allowed, the next block is not
    g = Fix(tmp, "edge", scn=RATIO)
    r = g.run("online", "512M")        # Movable 6 : kernel 2
    r.expect(rc=0, status="done", done_bytes=4 * BS)
    r = g.run("online", "128M")        # 7 : 2
    r.expect(rc=1, status="failed")
    eq(len(g.log()), 4, "3:1 allowed, 3.5:1 refused: writes")
    # --to kernel is not Movable: no refusal
    h = Fix(tmp, "kernel", scn=RATIO)
    r = h.run("online", "--to", "kernel", "1G")
    r.expect(rc=0, status="done", done_bytes=8 * BS)
    eq(set(v for _, v, _ in h.log()), {"online_kernel"}, "--to kernel: writes")
    h.expect_state(4, "online", "Normal")
    # --force overrides
    k = Fix(tmp, "force", scn=RATIO)
    r = k.run("online", "--force", "1G")
    r.expect(rc=0, status="done", done_bytes=8 * BS)
    eq(r.doc and r.doc.get("refusal"), None, "--force: no refusal")
    for b in range(4, 12):
        k.expect_state(b, "online", "Movable")


def meminfo(total_kb, avail_kb=None):
    text = "file proc/meminfo\nMemTotal: %d kB\nMemFree: %d kB\n" % (
        total_kb, total_kb // 2)
    if avail_kb is not None:
        text += "MemAvailable: %d kB\n" % avail_kb
    return text + "end\n"


def case_memavailable(tmp):
    """offline needs MemAvailable >= the size + max(MemTotal/20, 256M)."""
    low = MACHINE + meminfo(3 * 1024 * 1024, 640 * 1024)
    f = Fix(tmp, scn=low)
    r = f.run("offline", "512M")       # 512M + 256M > 640M
    r.expect(rc=1, status="failed", done_bytes=0)
    check(r.doc is not None and "MemAvailable" in (r.doc.get("refusal") or ""),
          "offline 512M: refusal names MemAvailable: %r" % (r.doc or {}).get("refusal"))
    f.expect_log([], "MemAvailable refusal")
    f.expect_unchanged("MemAvailable refusal")
    r = f.run("offline", "512M", js=False)
    lines = r.err_lines()
    check(r.rc == 1 and len(lines) == 1 and "MemAvailable" in lines[0],
          "MemAvailable refusal: exit 1, one stderr line: %r %r" % (r.rc, lines))
    r = f.run("offline", "384M")       # 384M + 256M = 640M: just fits
    r.expect(rc=0, status="done", done_bytes=3 * BS)
    g = Fix(tmp, "force", scn=low)
    r = g.run("offline", "--force", "512M")
    r.expect(rc=0, status="done", done_bytes=4 * BS)
    # no meminfo at all, and a meminfo without MemAvailable (< 3.14): rule skipped
    for name, scn in (("absent", MACHINE),
                      ("old", MACHINE + meminfo(3 * 1024 * 1024))):
        h = Fix(tmp, name, scn=scn)
        r = h.run("offline", "512M")
        r.expect(rc=0, status="done", done_bytes=4 * BS)
        eq(r.doc and r.doc.get("refusal"), None, "%s meminfo: refusal" % name)


def case_lock_held(tmp):
    """Another run holds <sysroot>/run/lock/memtopo.lock: exit 1 naming it."""
    f = Fix(tmp, lock="default")
    path = os.path.join(f.root, "run/lock/memtopo.lock")
    fd = hold_lock(path)
    try:
        f.before = tree(f.root)
        r = f.run("offline", "--blocks", "9", js=False)
        r.expect(rc=1)
        lines = r.err_lines()
        check(len(lines) == 1 and ("pid %d" % os.getpid()) in lines[0]
              and path in lines[0],
              "lock held: one stderr line naming the lock and pid %d: %r" %
              (os.getpid(), lines))
        eq(r.out, b"", "lock held: stdout")
        f.expect_log([], "lock held")
        f.expect_unchanged("lock held")
        # -J too: exit 1, the error on stderr
        r = f.run("offline", "--blocks", "9")
        r.expect(rc=1)
        # a dry run takes no lock
        r = f.run("offline", "--dry-run", "--blocks", "9")
        r.expect(rc=0, status="planned")
        f.expect_unchanged("dry run while locked")
        # MEMTOPO_LOCK names another path: held there too
        g = Fix(tmp, "env")
        fd2 = hold_lock(g.lock)
        try:
            r = g.run("offline", "--blocks", "9", js=False)
            r.expect(rc=1)
            check(any(g.lock in line for line in r.err_lines()),
                  "MEMTOPO_LOCK held: stderr names it: %r" % r.err_lines())
            g.expect_log([], "MEMTOPO_LOCK held")
        finally:
            os.close(fd2)
    finally:
        os.close(fd)
    r = f.run("offline", "--blocks", "9")
    r.expect(rc=0, status="done")


def case_lock_wait(tmp):
    f = Fix(tmp)
    fd = hold_lock(f.lock)
    p = f.popen("offline", "--lock-wait", "10", "--blocks", "9")
    time.sleep(0.8)
    eq(p.poll(), None, "--lock-wait 10: still waiting while the lock is held")
    f.expect_log([], "--lock-wait: nothing written while waiting")
    os.close(fd)                        # released in time
    r = f.wait(p)
    r.expect(rc=0, status="done", done_bytes=BS)
    check(r.elapsed >= 0.8, "--lock-wait: returned after %.2f s" % r.elapsed)
    f.expect_log([(9, "offline", "ok")], "--lock-wait")
    # not in time: exit 1 after the wait, nothing written
    fd = hold_lock(f.lock)
    try:
        r = f.run("offline", "--lock-wait", "0.5", "--blocks", "8", js=False)
        r.expect(rc=1)
        check(0.4 <= r.elapsed < 5, "--lock-wait 0.5: took %.2f s" % r.elapsed)
        check(len(r.err_lines()) == 1 and "pid %d" % os.getpid() in r.err_text(),
              "--lock-wait timed out: one line naming the pid: %r" % r.err_lines())
        f.expect_state(8, "online", "Movable")
    finally:
        os.close(fd)
    eq(len(f.log()), 1, "--lock-wait timed out: writes")


def case_deadline(tmp):
    """--deadline: the write in flight at the deadline is cut short and the
    block left as it was; the blocks after it are skipped, never written."""
    f = Fix(tmp)
    for b in (8, 9, 20, 21):
        f.script(b, "delay:600")
    r = f.run("offline", "--deadline", "1", "--blocks", "8,9,20,21")
    r.expect(rc=64, status="partial", done_bytes=BS, requested=4 * BS)
    r.block(8, "done", attempts=1)
    r.block(9, "timeout", attempts=1, errno="ETIMEDOUT")
    r.block(20, "skipped", attempts=0, reason="deadline reached")
    r.block(21, "skipped", attempts=0, reason="deadline reached")
    check(r.elapsed < 3, "--deadline 1: the run took %.2f s" % r.elapsed)
    f.expect_log([(8, "offline", "ok")], "--deadline")
    eq((f.count(9), f.count(20), f.count(21)), (1, None, None),
       "--deadline: attempts of 9, 20, 21")
    f.expect_state(9, "online", "Movable")
    f.expect_state(20, "online", "Movable")
    f.expect_untouched("--deadline", but=[8])
    eq(leftover_processes(f.root), [], "--deadline: processes left behind")


def case_deadline_rollback(tmp):
    """--deadline stops the run short of its target; --rollback must still
    undo what was done (cli.md: "undo everything this run changed if the
    target is not met"), each undo bounded by --timeout, not by the spent
    deadline."""
    f = Fix(tmp)
    f.script(8, "delay:600", "delay:50")     # the undo takes 50 ms
    f.script(9, "delay:600")
    r = f.run("offline", "--deadline", "1", "--rollback", "--blocks", "8,9,20")
    r.expect(rc=1, status="failed", done_bytes=0, rolled_back=[8])
    r.block(8, "rolled-back")
    r.block(9, "timeout", errno="ETIMEDOUT")
    r.block(20, "skipped", attempts=0, reason="deadline reached")
    f.expect_log([(8, "offline", "ok"), (8, "online_movable", "ok")],
                 "--deadline --rollback")
    for b in (8, 9, 20):
        f.expect_state(b, "online", "Movable")
    f.expect_untouched("--deadline --rollback")


def case_zone_dma(tmp):
    """--zone DMA is DMA only, never DMA32 (chmem's prefix match)."""
    f = Fix(tmp)
    r = f.run("offline", "--zone", "DMA", "128M")
    r.expect(rc=1, status="failed", done_bytes=0)
    check(not any(b["result"] in ("planned", "done") for b in r.doc["blocks"])
          if r.doc else False, "--zone DMA: a block was chosen: %r" % r.order())
    r = f.run("offline", "--zone", "DMA", "--blocks", "1-3")
    check(not r.blocks or all(b["result"] != "done" for b in r.blocks.values()),
          "--zone DMA --blocks 1-3: a DMA32 block was changed")
    f.expect_log([], "--zone DMA")
    f.expect_unchanged("--zone DMA")
    r = f.run("offline", "--zone", "DMA32", "128M")
    r.expect(rc=0, status="done", done_bytes=BS)
    f.expect_log([(3, "offline", "ok")], "--zone DMA32")
    r = f.run("offline", "--zone", "dma32,Normal", "--blocks", "2,4,8")
    r.expect(rc=0, status="done", done_bytes=2 * BS)
    eq([b for b, _, _ in f.log()], [3, 2, 4], "--zone dma32,Normal --blocks 2,4,8")
    f.expect_state(8, "online", "Movable")


def case_online_to(tmp):
    scn = BASE + "memory 12 state=offline zones=Normal node=0\n"
    f = Fix(tmp, scn=scn)
    runs = [("kernel", 10, "online_kernel", "Normal"),
            ("movable", 11, "online_movable", "Movable"),
            ("auto", 22, "online", "Normal"),
            (None, 23, "online_movable", "Movable"),
            (None, 12, "online", "Normal")]       # no Movable offered
    for to, b, write, zone in runs:
        args = ["online"] + (["--to", to] if to else []) + ["--blocks", str(b)]
        r = f.run(*args)
        r.expect(rc=0, status="done", done_bytes=BS)
        r.block(b, "done", attempts=1, write=write, zone=zone)
        f.expect_state(b, "online", zone, "--to %s: " % to)
    f.expect_log([(b, w, "ok") for _, b, w, _ in runs], "--to")
    f.expect_untouched("--to", but=[10, 11, 22, 23, 12])
    # SIZE --to kernel
    g = Fix(tmp, "size")
    r = g.run("online", "--to", "kernel", "256M")
    r.expect(rc=0, status="done", done_bytes=2 * BS)
    eq([(b, v) for b, v, _ in g.log()],
       [(10, "online_kernel"), (11, "online_kernel")], "online --to kernel 256M")


def case_hang_timeout(tmp):
    """A write that never returns: killed at --timeout, block as it was."""
    f = Fix(tmp)
    f.script(9, "hang", "ok")
    r = f.run("offline", "--timeout", "1", "--blocks", "9")
    r.expect(rc=1, status="failed", done_bytes=0)
    r.block(9, "timeout", attempts=1, errno="ETIMEDOUT")
    b = r.blocks.get(9) or {}
    check(900 <= b.get("elapsed_ms", 0) < 3000,
          "--timeout 1: elapsed_ms %r" % b.get("elapsed_ms"))
    check(r.elapsed < 5, "--timeout 1: the run took %.2f s" % r.elapsed)
    f.expect_log([(9, "offline", "hang")], "hang")
    f.expect_state(9, "online", "Movable")
    f.expect_untouched("hang")
    lines = r.err_lines()
    check(len(lines) == 1 and "memory9" in lines[0] and "ETIMEDOUT" in lines[0],
          "hang: one stderr line naming memory9 and ETIMEDOUT: %r" % lines)
    eq(leftover_processes(f.root), [], "hang: the hung writer is still running")
    # a hang in SIZE: the next candidate is taken
    g = Fix(tmp, "size")
    g.script(21, "hang")
    r = g.run("offline", "--timeout", "1", "128M")
    r.expect(rc=0, status="done", done_bytes=BS)
    r.block(21, "timeout")
    r.block(20, "done")
    eq(leftover_processes(g.root), [], "hang (SIZE): processes left behind")


def case_race_already(tmp):
    """udev onlines the block just before our write: EINVAL, reported as
    already, with the zone it landed in."""
    f = Fix(tmp)
    f.script(10, "race:online_movable")
    r = f.run("online", "--blocks", "10")
    r.expect(rc=0, status="done", done_bytes=0)
    r.block(10, "already", attempts=1, errno=None, zone="Movable",
            reason="another agent")
    f.expect_log([(10, "online_movable", "EINVAL")], "race")
    f.expect_state(10, "online", "Movable")
    # we wanted kernel, udev made it Movable: the report says Movable
    f.script(11, "race:online_movable")
    r = f.run("online", "--to", "kernel", "--blocks", "11")
    r.expect(rc=0, status="done")
    r.block(11, "already", attempts=1, zone="Movable")
    # offline raced by another agent's offline
    f.script(9, "race:offline")
    r = f.run("offline", "--blocks", "9")
    r.expect(rc=0, status="done", done_bytes=0)
    r.block(9, "already", attempts=1, errno=None)
    f.expect_state(9, "offline", "Normal Movable")
    eq(len(f.log()), 3, "race: one attempt each")
    # a block already in the target state is reported, never written
    r = f.run("offline", "--blocks", "9")
    r.expect(rc=0, status="done")
    r.block(9, "already", attempts=0)
    eq(len(f.log()), 3, "already there: no write")


def case_rollback(tmp):
    f = Fix(tmp)
    f.script(20, "forever:EBUSY")
    r = f.run("offline", "--rollback", "--retries", "0", "--blocks", "8,9,20")
    r.expect(rc=1, status="failed", done_bytes=0, rolled_back=[9, 8])
    r.block(8, "rolled-back")
    r.block(9, "rolled-back")
    r.block(20, "failed", errno="EBUSY")
    f.expect_log([(8, "offline", "ok"), (9, "offline", "ok"),
                  (20, "offline", "EBUSY"), (9, "online_movable", "ok"),
                  (8, "online_movable", "ok")], "rollback")
    for b in (8, 9, 20):
        f.expect_state(b, "online", "Movable")
    f.expect_untouched("rollback", but=[8, 9])
    # online rollback: back offline, the kernel-zone block offers its zones again
    g = Fix(tmp, "online")
    g.script(11, "EHWPOISON")
    r = g.run("online", "--to", "kernel", "--rollback", "--blocks", "10,11")
    r.expect(rc=1, status="failed", done_bytes=0, rolled_back=[10])
    r.block(10, "rolled-back")
    r.block(11, "failed", errno="EHWPOISON")
    g.expect_log([(10, "online_kernel", "ok"), (11, "online_kernel", "EHWPOISON"),
                  (10, "offline", "ok")], "online rollback")
    g.expect_state(10, "offline", "Normal Movable")
    g.expect_untouched("online rollback")
    # SIZE: rollback only when the target is not met
    h = Fix(tmp, "size")
    for b in (9, 8):
        h.script(b, "forever:EBUSY")
    r = h.run("offline", "--rollback", "--retries", "0", "--zone", "Movable", "384M")
    r.expect(rc=1, status="failed", done_bytes=0, rolled_back=[20, 21])
    h.expect_untouched("SIZE rollback")
    for b in (21, 20):
        h.expect_state(b, "online", "Movable")
    k = Fix(tmp, "met")
    k.script(9, "forever:EBUSY")
    r = k.run("offline", "--rollback", "--retries", "0", "--zone", "Movable", "384M")
    r.expect(rc=0, status="done", done_bytes=3 * BS, rolled_back=[])
    # a rollback that fails: that block stays done, the run is partial
    m = Fix(tmp, "rbfail")
    m.script(9, "ok", "forever:EBUSY")
    m.script(20, "EINVAL")
    r = m.run("offline", "--rollback", "--retries", "0", "--blocks", "8,9,20")
    r.expect(rc=64, status="partial", done_bytes=BS, rolled_back=[8])
    r.block(9, "done", reason="rollback failed")
    r.block(8, "rolled-back")
    m.expect_state(9, "offline", "Normal Movable")
    m.expect_state(8, "online", "Movable")


def interrupted_run(tmp, name, extra):
    f = Fix(tmp, name)
    for b in (8, 9, 20, 21):
        f.script(b, "delay:800")
    p = f.popen("offline", *extra, "--blocks", "8,9,20,21")
    # after the first block completes, while the second write is in flight
    f.wait_for(lambda: f.count(9) == 1, "the write to memory9 to start")
    eq([b for b, _, _ in f.log()], [8], "SIGINT sent after memory8 only")
    os.kill(p.pid, signal.SIGINT)
    return f, f.wait(p)


def case_sigint(tmp):
    f, r = interrupted_run(tmp, "root", [])
    r.expect(rc=64, status="partial", done_bytes=2 * BS, rolled_back=[])
    r.block(8, "done")
    r.block(9, "done", attempts=1)          # the write in flight finished
    r.block(20, "skipped", attempts=0, reason="interrupted")
    r.block(21, "skipped", attempts=0, reason="interrupted")
    f.expect_log([(8, "offline", "ok"), (9, "offline", "ok")], "SIGINT")
    eq((f.count(20), f.count(21)), (None, None), "SIGINT: later blocks attempted")
    f.expect_state(9, "offline", "Normal Movable")
    f.expect_untouched("SIGINT", but=[8, 9])
    # a second SIGINT aborts the write in flight (the block stays as it was)
    g = Fix(tmp, "twice")
    for b in (8, 9, 20):
        g.script(b, "delay:3000" if b == 9 else "delay:300")
    p = g.popen("offline", "--blocks", "8,9,20")
    g.wait_for(lambda: g.count(9) == 1, "the write to memory9 to start")
    os.kill(p.pid, signal.SIGINT)
    time.sleep(0.2)
    os.kill(p.pid, signal.SIGINT)
    r = g.wait(p)
    r.expect(rc=64, status="partial", done_bytes=BS)
    r.block(9, "failed", errno="ECANCELED")
    r.block(20, "skipped", reason="interrupted")
    check(r.elapsed < 2.5, "second SIGINT: the run took %.2f s" % r.elapsed)
    g.expect_state(9, "online", "Movable")
    g.expect_untouched("second SIGINT", but=[8])
    eq(leftover_processes(g.root), [], "second SIGINT: processes left behind")


def case_sigint_rollback(tmp):
    f, r = interrupted_run(tmp, "root", ["--rollback"])
    r.expect(rc=1, status="failed", done_bytes=0, rolled_back=[9, 8])
    r.block(8, "rolled-back")
    r.block(9, "rolled-back")
    r.block(20, "skipped", attempts=0, reason="interrupted")
    r.block(21, "skipped", attempts=0, reason="interrupted")
    f.expect_log([(8, "offline", "ok"), (9, "offline", "ok"),
                  (9, "online_movable", "ok"), (8, "online_movable", "ok")],
                 "SIGINT --rollback")
    for b in (8, 9, 20, 21):
        f.expect_state(b, "online", "Movable")
    f.expect_untouched("SIGINT --rollback")


def case_concurrent(tmp):
    """Two runs on one machine: serialised by the lock, never the same block."""
    f = Fix(tmp)
    for b in (21, 20, 9, 8):
        f.script(b, "delay:300")
    p1 = f.popen("offline", "--lock-wait", "30", "256M")
    p2 = f.popen("offline", "--lock-wait", "30", "256M")
    r1, r2 = f.wait(p1), f.wait(p2)
    done = []
    for r in (r1, r2):
        r.expect(rc=0, status="done", done_bytes=2 * BS)
        done.append(set(b for b, e in r.blocks.items() if e["result"] == "done"))
    eq(len(done[0]), 2, "first run: blocks done")
    eq(done[0] & done[1], set(), "two runs took the same block")
    eq(done[0] | done[1], {21, 20, 9, 8}, "blocks done by the two runs")
    log = f.log()
    eq(sorted(b for b, _, _ in log), [8, 9, 20, 21], "each block written once")
    check(all(res == "ok" for _, _, res in log), "concurrent: log %r" % log)
    # the writes did not interleave: one run's two blocks, then the other's
    order = [b for b, _, _ in log]
    check(set(order[:2]) in (done[0], done[1]),
          "concurrent: writes interleaved: %r" % order)
    for b in (21, 20, 9, 8):
        f.expect_state(b, "offline", "Normal Movable")


def case_readonly_sysfs(tmp):
    """A read-only sysfs (a container's): refused before any write."""
    if not shutil.which("unshare") or not shutil.which("mount"):
        skip("unshare or mount not installed: cannot make a read-only bind")
    probe = os.path.join(tmp, "probe")
    os.makedirs(probe)
    p = subprocess.run(["unshare", "-m", "sh", "-c",
                        'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" '
                        '&& ! touch "$1/x" 2>/dev/null', "sh", probe],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        skip("cannot make a read-only bind mount in a private mount namespace "
             "(unshare -m: %s)" % p.stdout.decode("utf-8", "replace").strip())
    f = Fix(tmp)
    f.script(9, "ok")
    env = f.env(preload=False)          # the shim goes to memtopo only

    def ro_run(*args):
        argv = ["unshare", "-m", "sh", "-c",
                'mount --bind "$1/sys" "$1/sys" && '
                'mount -o remount,ro,bind "$1/sys" && shift && '
                'exec env LD_PRELOAD="$PRELOAD" "$@"', "sh", f.root] + \
            f.argv(args, js=False)
        env["PRELOAD"] = PRELOAD
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=60)
        return Result(argv, p.returncode, p.stdout, p.stderr, 0,
                      "read-only sysfs: memtopo " + " ".join(args))

    r = ro_run("offline", "--blocks", "9")
    r.expect(rc=1)
    lines = r.err_lines()
    check(len(lines) == 1 and "read-only" in lines[0],
          "read-only sysfs: one stderr line saying read-only: %r" % lines)
    f.expect_log([], "read-only sysfs")
    f.expect_unchanged("read-only sysfs")
    r = ro_run("online", "--blocks", "10")
    r.expect(rc=1)
    f.expect_unchanged("read-only sysfs (online)")
    # a dry run only reads: fine there
    r = ro_run("offline", "--dry-run", "--blocks", "9")
    r.expect(rc=0)
    f.expect_unchanged("read-only sysfs (dry run)")
    # and the same tree read-write: the write happens (the refusal was the mount)
    r = f.run("offline", "--blocks", "9")
    r.expect(rc=0, status="done")


def case_not_root(tmp):
    if not shutil.which("setpriv"):
        skip("setpriv not installed: cannot drop to nobody")
    if os.geteuid() != 0:
        skip("not root: cannot test dropping root")
    os.chmod(tmp, 0o755)
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    exe = os.path.join(bindir, "memtopo")
    shutil.copy2(MEMTOPO, exe)
    os.chmod(exe, 0o755)
    f = Fix(tmp, "machine")
    env = f.env(preload=False)
    # a lock nobody may take: only the root check stands before the write
    # (which the fixture's root-owned 0644 files would refuse anyway)
    locks = os.path.join(tmp, "locks")
    os.makedirs(locks)
    os.chmod(locks, 0o1777)
    env["MEMTOPO_LOCK"] = os.path.join(locks, "memtopo.lock")

    def nobody(*args):
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                exe, "--sysroot", f.root] + list(args)
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=60)
        return Result(argv, p.returncode, p.stdout, p.stderr, 0,
                      "as nobody: memtopo " + " ".join(args))

    for args in (["offline", "--blocks", "9"], ["online", "128M"]):
        r = nobody(*args)
        r.expect(rc=1)
        lines = r.err_lines()
        check(len(lines) == 1 and
              re.search(r"\broot\b", lines[0].replace(f.root, "")) is not None,
              "not root: one stderr line saying root is needed: %r" % lines)
        f.expect_unchanged("not root: %s" % " ".join(args))
    r = nobody("offline", "--dry-run", "256M")
    r.expect(rc=0)
    f.expect_unchanged("not root, dry run")


def case_dry_run(tmp):
    """A dry run plans, writes nothing, takes no lock: the tree is unchanged."""
    f = Fix(tmp, lock="default")
    for b in ONLINE_BLOCKS + OFFLINE_BLOCKS:
        f.script(b, "forever:EBUSY")
    f.before = tree(f.root)
    r = f.run("offline", "--dry-run", "512M")
    r.expect(rc=0, status="planned", done_bytes=0, requested=4 * BS, rolled_back=[])
    eq(r.doc and r.doc["dry_run"], True, "dry_run")
    eq(r.order(), [21, 20, 9, 8, 0], "dry run: the plan")
    for b in (21, 20, 9, 8):
        r.block(b, "planned", attempts=0, errno=None)
    r.block(0, "skipped", reason="multi-zone")
    runs = [
        ("online", "--dry-run", "--blocks", "10,11"),
        ("online", "--dry-run", "--to", "kernel", "512M"),
        ("offline", "--dry-run", "0x40000000-0x4fffffff"),
        ("offline", "--dry-run", "--force", "--blocks", "0"),
        ("offline", "--dry-run", "--node", "1", "--zone", "Normal", "256M"),
        ("offline", "--dry-run", "--timeout", "1", "--deadline", "1",
         "--retries", "0", "--lock-wait", "1", "--progress=always", "128M"),
    ]
    for args in runs:
        r = f.run(*args)
        r.expect(rc=0, status="planned", done_bytes=0)
        check(r.doc and all(b["result"] in ("planned", "already", "skipped")
                            for b in r.doc["blocks"]),
              "%s: results %r" % (r.what(), r.doc and r.doc["blocks"]))
        r = f.run(*args, js=False)
        r.expect(rc=0)
    r = f.run("offline", "--dry-run", "0x40000000-0x4fffffff")
    eq(r.order(), [8, 9], "dry run of a range")
    # a plan that would be refused: exit 1, still nothing written
    g = Fix(tmp, "ratio", scn=RATIO, lock="default")
    r = g.run("online", "--dry-run", "1G")
    r.expect(rc=1, status="failed")
    g.expect_unchanged("dry run, refused plan")
    f.expect_log([], "dry run")
    f.expect_unchanged("dry run")
    check(not os.path.exists(os.path.join(f.root, "run")),
          "dry run: a lock file was created")


# Requests whose dry run must predict the real run (every write succeeds):
# all met, named blocks left alone (partial, failed), too few candidates
# by size, named blocks already there, a refused plan, the text header.
AGREE = [
    ("offline", "512M"),
    ("offline", "--blocks", "0,1"),
    ("offline", "--blocks", "0"),
    ("offline", "--blocks", "10,11"),
    ("offline", "--blocks", "1,10"),
    ("offline", "2G"),
    ("offline", "0x0-0x1fffffff"),
    ("offline", "--node", "1", "--zone", "Normal", "256M"),
    ("online", "--blocks", "10,11,22"),
    ("online", "--to", "kernel", "512M"),
    ("online", "1G"),
]


def dry_agrees(tmp, name, args):
    """One request, dry and real, each on a fresh copy of BASE."""
    dry = Fix(tmp, name + "-dry")
    real = Fix(tmp, name + "-real")
    d = dry.run(args[0], "--dry-run", *args[1:])
    r = real.run(*args)
    what = " ".join(args)
    if not check(d.doc is not None and r.doc is not None,
                 "%s: a JSON report from both runs" % what):
        return
    eq(d.rc, r.rc, "%s: exit status, dry run vs real" % what)
    real_status = r.doc["status"]
    eq(d.doc["status"], "planned" if real_status == "done" else real_status,
       "%s: status, dry run vs real" % what)
    for key in ("requested_bytes", "refusal", "action"):
        eq(d.doc[key], r.doc[key], "%s: %s, dry run vs real" % (what, key))
    as_real = {"planned": "done"}
    eq([(b["block"], as_real.get(b["result"], b["result"]), b["reason"])
        for b in d.doc["blocks"]],
       [(b["block"], b["result"], b["reason"]) for b in r.doc["blocks"]],
       "%s: blocks and results, dry run vs real" % what)
    dry.expect_unchanged(what + " (dry run)")
    # the text header names the same size, and what the real run would say
    dt = dry.run(args[0], "--dry-run", *args[1:], js=False)
    rt = Fix(tmp, name + "-realtext").run(*args, js=False)
    dh = dt.out.decode().split("\n")[0]
    rh = rt.out.decode().split("\n")[0]
    eq(dh.split(" (dry run")[0], rh.split(":")[0],
       "%s: text header's request, dry run vs real" % what)
    verdict = {"done": "plan", "partial": "plan, would be partial",
               "failed": "would be refused" if r.doc["refusal"]
               else "plan, would fail"}[real_status]
    eq(dh.split("nothing written): ")[-1], verdict, what + ": dry run's verdict")
    eq(dt.rc, rt.rc, what + ": exit status of the text runs")


def case_dry_run_agrees(tmp):
    """A dry run predicts the real run: plan, requested bytes, status and
    exit (64 partial, 1 failed), text header; only the writes differ."""
    for i, args in enumerate(AGREE):
        dry_agrees(tmp, "agree%d" % i, args)


# (args, a word the one stderr line must contain)
BAD_INPUTS = [
    (["offline", "0"], "'0'"),
    (["offline", "0M"], "'0M'"),
    (["offline", "--", "-1G"], "-1G"),
    (["offline", "-1G"], "-1"),
    (["online", "-512M"], "-5"),
    (["offline", "1.5G"], "1.5G"),
    (["offline", "0.5"], "0.5"),
    (["offline", "abc"], "abc"),
    (["offline", "12Q"], "12Q"),
    (["offline", "4GG"], "4GG"),
    (["offline", ""], "''"),
    (["offline", "99999999999999999999G"], "99999999999999999999G"),
    (["offline", "18446744073709551615"], "18446744073709551615"),
    (["offline", "17179869184G"], "17179869184G"),
    (["offline", "3G"], "3G"),
    (["online", "3G"], "3G"),
    (["offline", "100M"], "block size"),
    (["offline", "192M"], "block size"),
    (["offline", "0x10000000-0x0"], "0x10000000-0x0"),
    (["offline", "0x100-0x8000fff"], "aligned"),
    (["offline", "0x0-0x7fff"], "aligned"),
    (["offline", "0x100000000000-0x100007ffffff"], "0x100000000000"),
    (["offline", "0x60000000-0x67ffffff"], "0x60000000"),
    (["offline", "0xZZ-0x1"], "0xZZ"),
    (["offline", "0x0-"], "0x0-"),
    (["offline", "--blocks", "7-3"], "7-3"),
    (["offline", "--blocks", "abc"], "abc"),
    (["offline", "--blocks", ""], "--blocks"),
    (["offline", "--blocks", "1,,2"], "1,,2"),
    (["offline", "--blocks", "99"], "memory99"),
    (["offline", "--blocks", "12"], "memory12"),
    (["online", "--blocks", "10-13"], "memory12"),
    (["offline", "--node", "7", "128M"], "7"),
    (["offline", "--node", "abc", "128M"], "abc"),
    (["online", "--node", "2", "--blocks", "10"], "2"),
    (["offline", "--zone", "Foo", "128M"], "Foo"),
    (["offline", "--zone", "", "128M"], "--zone"),
    (["offline", "--zone", "DMA,Bogus", "128M"], "Bogus"),
    (["offline", "--to", "movable", "--blocks", "9"], "--to"),
    (["offline", "--to", "kernel", "128M"], "--to"),
    (["online", "--to", "sideways", "--blocks", "10"], "sideways"),
    (["offline", "128M", "--blocks", "9"], "--blocks"),
    (["online", "--blocks", "10", "0x0-0x7ffffff"], "--blocks"),
    (["offline", "--rollback", "--dry-run", "--blocks", "9"], "--rollback"),
    (["online", "--dry-run", "--rollback", "128M"], "--rollback"),
    (["offline"], "SIZE"),
    (["online"], "SIZE"),
    (["offline", "128M", "256M"], "256M"),
    (["offline", "--timeout", "0", "--blocks", "9"], "--timeout"),
    (["offline", "--timeout", "abc", "--blocks", "9"], "--timeout"),
    (["offline", "--timeout", "-1", "--blocks", "9"], "--timeout"),
    (["offline", "--timeout", "nan", "--blocks", "9"], "--timeout"),
    (["offline", "--deadline", "0", "--blocks", "9"], "--deadline"),
    (["offline", "--retries", "-1", "--blocks", "9"], "--retries"),
    (["offline", "--retries", "101", "--blocks", "9"], "--retries"),
    (["offline", "--retries", "x", "--blocks", "9"], "--retries"),
    # strtoul's unsigned long cast to unsigned once took these for 0 and 3
    (["offline", "--retries", "4294967296", "--blocks", "9"], "--retries"),
    (["offline", "--retries", "4294967299", "--blocks", "9"], "--retries"),
    (["offline", "--retries", "18446744073709551619", "--blocks", "9"], "--retries"),
    (["offline", "--retries", "+3", "--blocks", "9"], "--retries"),
    (["offline", "--lock-wait", "x", "--blocks", "9"], "--lock-wait"),
    (["offline", "--progress=sometimes", "--blocks", "9"], "sometimes"),
    (["offline", "--bogus", "--blocks", "9"], "bogus"),
    (["offline", "--blocks"], "--blocks"),
]


def case_bad_input(tmp):
    """Each bad input: exit 2, one line on stderr, nothing on stdout, every
    file of the tree unchanged (the shim's log included: no write tried)."""
    f = Fix(tmp)
    for b in ONLINE_BLOCKS + OFFLINE_BLOCKS:
        f.script(b, "ok")
    f.before = tree(f.root)
    for args, word in BAD_INPUTS:
        for js in (False, True):
            r = f.run(*args, js=js)
            w = r.what()
            eq(r.rc, 2, w + ": exit status (stderr %r)" % r.err_text())
            lines = r.err_lines()
            check(len(lines) == 1 and lines[0].startswith("memtopo: ")
                  and word in lines[0],
                  "%s: want one stderr line containing %r, got %r" % (w, word, lines))
            eq(r.out, b"", w + ": stdout")
    f.expect_log([], "bad input")
    f.expect_unchanged("bad input")


def escape_env(f, walk):
    env = f.env()
    if walk:
        env["MEMTOPO_TEST_NO_OPENAT2"] = "1"
    return env


def case_escape(tmp):
    """Nothing written outside the sysroot (issue 12): a memoryN, a state or
    the lock that links out of the tree is refused with one line naming it,
    and never written through; with openat2 and with the component walk of
    kernels before 5.6 (MEMTOPO_TEST_NO_OPENAT2)."""
    for walk in (False, True):
        how = "walk" if walk else "openat2"
        base = os.path.join(tmp, how)
        os.makedirs(base)
        outside = os.path.join(base, "outside")
        os.makedirs(outside)
        for link in ("absolute", "relative"):
            f = Fix(base, "root-" + link)
            f.script(9, "ok")
            out9 = os.path.join(outside, link, "memory9")
            os.makedirs(os.path.dirname(out9))
            shutil.move(os.path.join(f.mem, "memory9"), out9)
            target = out9 if link == "absolute" else \
                os.path.relpath(out9, f.mem)
            os.symlink(target, os.path.join(f.mem, "memory9"))
            f.before = tree(f.root)
            w = "%s, %s memory9 link" % (how, link)
            r = f.run("offline", "--blocks", "9", env=escape_env(f, walk))
            r.expect(rc=1)
            with open(os.path.join(out9, "state")) as fh:
                eq(fh.read().strip(), "online", w + ": the outside state")
            lines = [x for x in r.err_lines() if "not followed" in x]
            check(len(lines) == 1 and "/sys/devices/system/memory/memory9:" in lines[0],
                  "%s: one line naming memory9: %r" % (w, r.err_lines()))
            f.expect_log([], w)
            f.expect_unchanged(w)
        # state links to a file beside it: read, never written through
        f = Fix(base, "root-state")
        f.script(9, "ok")
        st = os.path.join(f.mem, "memory9", "state")
        os.rename(st, st + ".real")
        os.symlink("state.real", st)
        f.before = tree(f.root)
        w = how + ", state a link"
        r = f.run("offline", "--blocks", "9", env=escape_env(f, walk))
        r.expect(rc=1)
        r.block(9, "failed", errno="ELOOP")
        f.expect_log([], w)
        f.expect_unchanged(w)
        # the lock: run/ links out of the tree
        f = Fix(base, "root-lock", lock=None)
        f.script(9, "ok")
        run_out = os.path.join(outside, "run")
        os.makedirs(run_out)
        os.symlink(run_out, os.path.join(f.root, "run"))
        f.before = tree(f.root)
        w = how + ", run/ a link out"
        r = f.run("offline", "--blocks", "9", env=escape_env(f, walk))
        r.expect(rc=1)
        eq(os.listdir(run_out), [], w + ": nothing made outside")
        check(any("not followed" in x for x in r.err_lines()),
              "%s: a line says why: %r" % (w, r.err_lines()))
        f.expect_log([], w)
        f.expect_unchanged(w)
        # the lock file itself a link: O_NOFOLLOW
        f = Fix(base, "root-lockfile", lock=None)
        f.script(9, "ok")
        os.makedirs(os.path.join(f.root, "run/lock"))
        lock_out = os.path.join(outside, "memtopo.lock")
        os.symlink(lock_out, os.path.join(f.root, "run/lock/memtopo.lock"))
        f.before = tree(f.root)
        w = how + ", the lock file a link"
        r = f.run("offline", "--blocks", "9", env=escape_env(f, walk))
        r.expect(rc=1)
        check(not os.path.exists(lock_out), w + ": no lock file made outside")
        f.expect_log([], w)
        f.expect_unchanged(w)


CASES = {
    "shim-semantics": case_shim_semantics,
    "retry-then-success": case_retry_then_success,
    "retries-honoured": case_retries_honoured,
    "ebusy-forever": case_ebusy_forever,
    "enomem-retried-once": case_enomem_retried_once,
    "errno-not-retried": case_errno_not_retried,
    "size-fallback": case_size_fallback,
    "size-order": case_size_order,
    "census-fresh": case_census_fresh,
    "census-ebusy": case_census_ebusy,
    "census-named": case_census_named,
    "force-flagged": case_force_flagged,
    "movable-ratio": case_movable_ratio,
    "memavailable": case_memavailable,
    "lock-held": case_lock_held,
    "lock-wait": case_lock_wait,
    "deadline": case_deadline,
    "deadline-rollback": case_deadline_rollback,
    "zone-dma": case_zone_dma,
    "online-to": case_online_to,
    "hang-timeout": case_hang_timeout,
    "race-already": case_race_already,
    "rollback": case_rollback,
    "sigint": case_sigint,
    "sigint-rollback": case_sigint_rollback,
    "concurrent": case_concurrent,
    "readonly-sysfs": case_readonly_sysfs,
    "not-root": case_not_root,
    "dry-run": case_dry_run,
    "dry-run-agrees": case_dry_run_agrees,
    "bad-input": case_bad_input,
    "escape": case_escape,
}


def run_case(name):
    return TALLY.run_case(name, CASES[name], "memtopo-hotplug-")


def main(argv):
    global MEMTOPO, SHIM, WRITER, PRELOAD
    if argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(argv) != 4 or (argv[3] not in CASES and argv[3] != "all"):
        sys.stderr.write("usage: test-hotplug.py MEMTOPO FAKEKERNEL.so CASE|all\n"
                         "cases: %s\n" % " ".join(CASES))
        return 2
    MEMTOPO = mtlib.check_binary(argv[1])
    SHIM = os.path.abspath(argv[2])
    if not os.path.isfile(SHIM):
        sys.stderr.write("%s: no such shim\n" % SHIM)
        return 1
    PRELOAD = ":".join(preload_list(MEMTOPO, SHIM))
    WRITER = os.path.join(os.path.dirname(SHIM), "fk-write")
    names = list(CASES) if argv[3] == "all" else [argv[3]]
    results = {n: run_case(n) for n in names}
    return mtlib.cases_status(results)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
