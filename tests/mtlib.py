# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers for memtopo's Python test tools (stdlib only)."""

import glob
import os
import re
import shutil
import subprocess
import sys

SKIP = 77                                   # meson's "skipped" exit code
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
SCENARIO_DIR = os.path.join(TESTS_DIR, "scenarios")
DATA_DIR = os.path.join(TESTS_DIR, "data")  # captures of real machines

# What a sanitizer (or glibc) prints when the process is broken even though
# the exit status may look fine.
_CRASH_PATTERNS = [
    re.compile(p) for p in (
        r"ERROR: AddressSanitizer", r"ERROR: LeakSanitizer",
        r"runtime error:", r"ERROR: UndefinedBehaviorSanitizer",
        r"AddressSanitizer:DEADLYSIGNAL", r"SUMMARY: \w+Sanitizer",
        r"\*\*\* stack smashing detected", r"double free or corruption",
        r"free\(\): invalid", r"malloc\(\): ", r"Segmentation fault")
]

ZONE_NAMES = ("DMA", "DMA32", "Normal", "HighMem", "Movable", "Device", "none")


def scenario_names():
    """Every tests/scenarios/NAME.scn, sorted: meson registers one test
    each (run-scenario.py --list), as it has no glob."""
    return sorted(f[:-len(".scn")] for f in os.listdir(SCENARIO_DIR)
                  if f.endswith(".scn"))


def scenario_path(name):
    return os.path.join(SCENARIO_DIR, name + ".scn")


def die_skip(msg):
    sys.stdout.write("SKIP: %s\n" % msg)
    sys.stdout.flush()
    sys.exit(SKIP)


def test_env():
    """Environment for deterministic output: no TTY is up to the caller
    (stdout is a pipe), C locale, no colour, no user column list."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MEMTOPO_")
           and not k.startswith("LIBSMARTCOLS_")
           and not k.startswith("LC_")
           and k not in ("LANG", "LANGUAGE", "COLUMNS", "LINES",
                         "TERM", "CLICOLOR_FORCE", "FORCE_COLOR")}
    env["LC_ALL"] = "C"
    env["NO_COLOR"] = "1"
    env["TERM"] = "dumb"
    return env


class Run:
    def __init__(self, argv, returncode, stdout, stderr, timed_out=False):
        self.argv, self.returncode = argv, returncode
        self.stdout, self.stderr, self.timed_out = stdout, stderr, timed_out

    def crash_reason(self):
        """None, or why this run counts as a crash whatever the goldens say."""
        if self.timed_out:
            return "timed out"
        if self.returncode is not None and self.returncode < 0:
            import signal
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = str(-self.returncode)
            return "killed by signal %s" % name
        err = self.stderr.decode("utf-8", "replace")
        for pat in _CRASH_PATTERNS:
            m = pat.search(err)
            if m:
                line = err[err.rfind("\n", 0, m.start()) + 1:]
                return "sanitizer/libc report on stderr: %s" % \
                    line.split("\n", 1)[0]
        return None

    def text(self):
        return self.stdout.decode("utf-8", "replace")

    def err_text(self):
        return self.stderr.decode("utf-8", "replace")


def _schema_check():
    """tests/schema-check.py, loaded once (its name is not a module name)."""
    global _SCHEMA_CHECK
    if _SCHEMA_CHECK is None:
        import importlib.util
        spec = importlib.util.spec_from_file_location(
            "schema_check", os.path.join(TESTS_DIR, "schema-check.py"))
        _SCHEMA_CHECK = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_SCHEMA_CHECK)
    return _SCHEMA_CHECK


_SCHEMA_CHECK = None


def check_state_schema(doc):
    """The agent's state file (a file it writes, not output) against
    doc/schema/agent-state.json; raises SchemaViolation otherwise."""
    _schema_check().check_document(doc, "agent-state")


def check_json_schema(argv, stdout):
    """The schema hook: every JSON memtopo prints must match
    doc/schema/*.json; raises schema_check.SchemaViolation otherwise."""
    _schema_check().check_output(argv, stdout)


def run(argv, env=None, timeout=120):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=test_env() if env is None else env,
                           timeout=timeout)
        check_json_schema(argv, p.stdout)
        return Run(argv, p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired as e:
        return Run(argv, None, e.stdout or b"", e.stderr or b"",
                   timed_out=True)


def run_memtopo(memtopo, sysroot, args, timeout=120):
    return run([memtopo, "--sysroot", sysroot] + list(args), timeout=timeout)


def check_binary(path):
    if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
        die_skip("memtopo binary %r not found or not executable" % path)
    return os.path.abspath(path)


def util_linux_dumps():
    return sorted(glob.glob(os.path.join(DATA_DIR, "util-linux", "*.tar.bz2")))


def real_captures():
    return sorted(glob.glob(os.path.join(DATA_DIR, "real", "*", "*.tar.xz")))


def capture_name(tarball):
    """'ghw/xeon-2socket-8581cf3a' or 'util-linux/x86_64-16g'."""
    base = os.path.basename(tarball)
    for ext in (".tar.bz2", ".tar.xz"):
        if base.endswith(ext):
            base = base[:-len(ext)]
    return "%s/%s" % (os.path.basename(os.path.dirname(tarball)), base)


def unpack(tarball, dest):
    """Unpack into a fresh dest; return the sysroot (the single top dir)."""
    os.makedirs(dest, exist_ok=True)
    flag = "-xjf" if tarball.endswith(".bz2") else "-xJf"
    p = subprocess.run(["tar", flag, tarball, "-C", dest, "--no-same-owner"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("tar %s %s failed: %s" % (
            flag, tarball, p.stderr.decode("utf-8", "replace").strip()))
    tops = [e for e in os.listdir(dest)
            if os.path.isdir(os.path.join(dest, e))]
    if len(tops) != 1:
        raise RuntimeError("%s: expected one top directory, got %r"
                           % (tarball, tops))
    return os.path.join(dest, tops[0])


# ------------------------------------------------- independent capture facts

_MEM_RE = re.compile(r"^memory([0-9]+)$")
_NODE_RE = re.compile(r"^node([0-9]+)$")


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return None


class Capture:
    """What a sysroot says, read directly (never through memtopo)."""

    def __init__(self, sysroot):
        self.sysroot = sysroot
        mem = os.path.join(sysroot, "sys/devices/system/memory")
        node = os.path.join(sysroot, "sys/devices/system/node")
        self.has_memory_dir = os.path.isdir(mem)
        self.has_node_dir = os.path.isdir(node)
        bs = _read(os.path.join(mem, "block_size_bytes"))
        self.block_size = None
        if bs is not None:
            try:
                self.block_size = int(bs.strip(), 16)
            except ValueError:
                self.block_size = None
        self.blocks = {}            # id -> dict
        if self.has_memory_dir:
            for e in os.listdir(mem):
                m = _MEM_RE.match(e)
                if not m or not os.path.isdir(os.path.join(mem, e)):
                    continue
                bid = int(m.group(1))
                d = os.path.join(mem, e)
                st = _read(os.path.join(d, "state"))
                vz = _read(os.path.join(d, "valid_zones"))
                fwd = set()
                for f in os.listdir(d):
                    nm = _NODE_RE.match(f)
                    if nm:
                        fwd.add(int(nm.group(1)))
                self.blocks[bid] = {
                    "state": None if st is None else st.strip(),
                    "zones": None if vz is None else vz.split(),
                    "fwd": fwd, "back": set(),
                }
        if self.has_node_dir:
            for e in os.listdir(node):
                nm = _NODE_RE.match(e)
                if not nm:
                    continue
                k = int(nm.group(1))
                nd = os.path.join(node, e)
                if not os.path.isdir(nd):
                    continue
                for f in os.listdir(nd):
                    m = _MEM_RE.match(f)
                    if m and int(m.group(1)) in self.blocks:
                        self.blocks[int(m.group(1))]["back"].add(k)

    def nodes_of(self, bid):
        b = self.blocks[bid]
        return b["fwd"] | b["back"]

    def ids(self):
        return sorted(self.blocks)


def ranges_of(ids):
    """[0,1,2,5] -> [(0,2),(5,5)]"""
    out = []
    for i in ids:
        if out and out[-1][1] + 1 == i:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def fmt_ids(ids):
    return ",".join("%d" % a if a == b else "%d-%d" % (a, b)
                    for a, b in ranges_of(sorted(ids)))


class TempDir:
    """A temp dir removed on exit unless MEMTOPO_KEEP_TMP is set."""

    def __init__(self, prefix="memtopo-test-"):
        import tempfile
        self.path = tempfile.mkdtemp(prefix=prefix)

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        if os.environ.get("MEMTOPO_KEEP_TMP"):
            sys.stderr.write("kept %s\n" % self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


class Skip(Exception):
    """A case that cannot run here (said on stdout, counted as skipped)."""


class Tally:
    """The checks of a test script, the one checker of the suite: check()
    and eq() count every check and keep every failure (fails), so a run
    says how much it asserted. echo=True prints each failure at once (the
    case runners); echo=False leaves the report to the caller (the fixture
    scripts print a capture's failures under its name). run_case() runs
    one case in a temp dir."""

    def __init__(self, echo=True):
        self.fails, self.checks, self.echo = [], 0, echo

    def check(self, cond, msg):
        self.checks += 1
        if not cond:
            self.fails.append(msg)
            if self.echo:
                sys.stdout.write("FAIL: %s\n" % msg)
                sys.stdout.flush()
        return bool(cond)

    def eq(self, got, want, what):
        return self.check(got == want, "%s: got %r, want %r" % (what, got, want))

    def run_case(self, name, fn, tmp_prefix):
        """True passed, False failed, None skipped."""
        import time
        self.fails, self.checks = [], 0
        t = time.monotonic()
        with TempDir(tmp_prefix) as tmp:
            try:
                fn(tmp)
            except Skip as e:
                sys.stdout.write("%s: SKIP: %s\n" % (name, e))
                return None
        sys.stdout.write("%s: %s (%d checks, %.2f s)\n" % (
            name, "FAILED" if self.fails else "ok", self.checks, time.monotonic() - t))
        return not self.fails


def cases_status(results):
    """Exit status of a run of cases: {name: True ok, False failed, None skipped}."""
    bad = [n for n, ok in results.items() if ok is False]
    if bad:
        sys.stdout.write("failed: %s\n" % " ".join(bad))
        return 1
    if all(ok is None for ok in results.values()):
        return SKIP
    return 0
