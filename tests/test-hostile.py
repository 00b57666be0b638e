#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""memtopo on trees that fight back (issue 12): every input hostile.

    test-hostile.py MEMTOPO CASE      (one case; meson runs each)
    test-hostile.py MEMTOPO all       (every case, by hand)
    test-hostile.py --list            (the cases, one a line: meson's tests)

Each case writes a small machine with mkfixture, breaks one file of it
(a FIFO, a character device, a file larger than any kernel writes, a link
out of the tree, bytes that are not text, numbers that overflow), and runs
the read-only commands on it (and `offline --dry-run`, which writes
nothing). Every run must end within RUN_TIMEOUT seconds, without a
sanitizer report, with an exit status of its command's table in
doc/cli.md, a JSON document that parses when -J was asked, and the
refused file named on stderr in one line. Nothing here writes outside the
temp dir, and no link in a tree points at the real /sys or /proc.
"""

import json
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkfixture  # noqa: E402
import mtlib  # noqa: E402

RUN_TIMEOUT = 30   # an ASan build on a loaded machine; a hang never ends
MEMTOPO = None
TALLY = mtlib.Tally()
check, eq, Skip = TALLY.check, TALLY.eq, mtlib.Skip

MACHINE = """block-size 128M
auto-online offline
node-mask has_memory 0
memory 0-3 zones=Normal node=0
memory 4-7 zones=Movable node=0
iomem 00000000-3fffffff : System RAM
file proc/meminfo
MemTotal:        1048576 kB
MemFree:          524288 kB
MemAvailable:     786432 kB
end
file proc/zoneinfo
Node 0, zone   Normal
  pages free     1000
        spanned  131072
        present  131072
        managed  131072
  start_pfn:           0
end
file sys/module/memory_hotplug/parameters/online_policy
contig-zones
end
file usr/lib/udev/rules.d/40-redhat.rules
SUBSYSTEM=="memory", ACTION=="add", ATTR{state}=="offline", ATTR{state}="online"
end
"""

MEM = "sys/devices/system/memory"
# Every file memtopo reads from the tree, by the commands that read it.
HOSTILE_FILES = [
    MEM + "/memory1/state",
    MEM + "/memory1/valid_zones",
    MEM + "/auto_online_blocks",
    MEM + "/block_size_bytes",
    "sys/devices/system/node/has_memory",
    "sys/module/memory_hotplug/parameters/online_policy",
    "proc/meminfo",
    "proc/iomem",
    "proc/zoneinfo",
    "usr/lib/udev/rules.d/40-redhat.rules",
]

# (args, allowed exit statuses): doc/cli.md, "Exit status" of each command.
COMMANDS = [
    (["list"], {0, 1}),
    (["list", "-J"], {0, 1}),
    (["list", "-J", "-o", "+OFFLINE"], {0, 1}),
    (["check"], {0, 1, 2, 3}),
    (["check", "--json"], {0, 1, 2, 3}),
    (["check", "--format", "prometheus"], {0, 1, 2, 3}),
    (["show", "-J", "1"], {0, 1, 2}),
    (["show", "1"], {0, 1, 2}),
    (["offline", "--dry-run", "-J", "--blocks", "1"], {0, 1, 2, 64}),
]


def machine(tmp, name, extra=""):
    root = os.path.join(tmp, name)
    mkfixture.generate(MACHINE + extra, root)
    return root


def run(root, args, env=None):
    e = mtlib.test_env()
    if env:
        e.update(env)
    return mtlib.run([MEMTOPO, "--sysroot", root] + args, env=e, timeout=RUN_TIMEOUT)


def judge(what, r, allowed):
    """The contract every run keeps, whatever the tree: returns stderr lines."""
    why = r.crash_reason()
    check(why is None, "%s: %s\n%s" % (what, why, r.err_text()[-2000:]))
    if r.timed_out:
        return []
    check(r.returncode in allowed, "%s: exit %s, not one of %s (stderr %r)"
          % (what, r.returncode, sorted(allowed), r.err_text()))
    if "-J" in r.argv or "--json" in r.argv:
        try:
            json.loads(r.stdout.decode("utf-8"))
        except ValueError as e:
            check(r.stdout == b"" and r.returncode != 0,
                  "%s: stdout is not a JSON document (%s): %r" % (what, e, r.stdout[:300]))
    for name, data in (("stdout", r.stdout), ("stderr", r.stderr)):
        bad = [c for c in data if c < 0x20 and c not in (0x09, 0x0a)]
        check(not bad, "%s: control bytes on %s: %r" % (what, name, data[:300]))
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            check(False, "%s: %s is not UTF-8 (%s)" % (what, name, e))
    return [line for line in r.err_text().split("\n") if line]


def all_commands(root, rel, words, env=None):
    """Run every command; the refused file must be named, in one line,
    by at least one of them (not every command reads every file)."""
    named = 0
    for args, allowed in COMMANDS:
        what = "%s as %s: memtopo %s" % (rel, words[0], " ".join(args))
        lines = judge(what, run(root, args, env), allowed)
        about = [ln for ln in lines if os.path.join(root, rel) in ln]
        check(len(about) <= 1, "%s: more than one line about %s: %r" % (what, rel, lines))
        if about:
            named += 1
            check(any(w in about[0] for w in words),
                  "%s: the line says %r, not why (%s)" % (what, about[0], words))
    check(named > 0, "%s as %s: no command named it on stderr" % (rel, words[0]))


def replace(root, rel):
    p = os.path.join(root, rel)
    if os.path.lexists(p):
        os.remove(p)
    return p


# ----------------------------------------------------------- the cases

def case_fifo(tmp):
    """A FIFO in place of any file: no command waits on it."""
    for i, rel in enumerate(HOSTILE_FILES):
        root = machine(tmp, "fifo%d" % i)
        os.mkfifo(replace(root, rel))
        all_commands(root, rel, ["FIFO"])


def case_device(tmp):
    """A character device (/dev/zero's numbers) inside the tree: refused,
    never read until memory runs out."""
    for i, rel in enumerate(HOSTILE_FILES):
        root = machine(tmp, "dev%d" % i)
        try:
            os.mknod(replace(root, rel), stat.S_IFCHR | 0o644, os.makedev(1, 5))
        except PermissionError:
            raise Skip("mknod not permitted here (not root)")
        all_commands(root, rel, ["character device"])


def case_endless(tmp):
    """Files longer than any kernel writes (sparse, so cheap): an error for
    that file, not an allocation of their size."""
    sizes = {
        MEM + "/memory1/state": (64 << 10) + 1,
        MEM + "/block_size_bytes": (64 << 10) + 1,
        "proc/meminfo": (64 << 10) + 1,
        "proc/iomem": (16 << 20) + 1,
        "proc/zoneinfo": (64 << 20) + 1,
        "usr/lib/udev/rules.d/40-redhat.rules": (1 << 20) + 1,
    }
    for i, (rel, size) in enumerate(sizes.items()):
        root = machine(tmp, "big%d" % i)
        with open(replace(root, rel), "wb") as f:
            f.truncate(size)
        all_commands(root, rel, ["larger than", "longer than"])


def case_escape_read(tmp):
    """Links out of the tree (absolute, or climbing with ..) are not
    followed for reading either: the outside file holds a value that would
    show if it were read."""
    outside = os.path.join(tmp, "outside")
    os.makedirs(outside)
    with open(os.path.join(outside, "state"), "w") as f:
        f.write("offline\n")
    for i, rel in enumerate([MEM + "/memory1/state", "proc/meminfo", "proc"]):
        root = machine(tmp, "esc%d" % i)
        p = replace(root, rel) if rel != "proc" else os.path.join(root, rel)
        if rel == "proc":
            os.rename(p, os.path.join(outside, "proc"))
            os.symlink(os.path.join(outside, "proc"), p)
        else:
            os.symlink(os.path.relpath(os.path.join(outside, "state"),
                                       os.path.dirname(p)), p)
        all_commands(root, rel, ["not followed"])
        if rel.endswith("state"):
            text = run(root, ["show", "-J", "1"]).stdout.decode()
            check('"offline"' not in text,
                  "the outside state was read: %s" % text[:400])
    # the walk of kernels before 5.6 agrees
    root = machine(tmp, "esc-walk")
    rel = MEM + "/memory1/state"
    os.symlink(os.path.join(outside, "state"), replace(root, rel))
    all_commands(root, rel, ["not followed"], env={"MEMTOPO_TEST_NO_OPENAT2": "1"})


def case_numbers(tmp):
    """block_size_bytes outside what a kernel has, or block ids whose
    addresses pass 2^64: one line, exit 1 (list, show) or an error finding
    (check), never a wrapped range and never a census of that size."""
    bad = [("8000000000000000", None, "4 KiB to 64 GiB"),   # 2^63: a power of two
           ("800", None, "4 KiB to 64 GiB"),                # half a page
           ("2000000000", None, "4 KiB to 64 GiB"),         # 128 GiB
           ("1000000000", 4294967295, "pass 2^64"),         # 64 GiB, the last id
           ("8000000", 4294967295, None)]                   # 128 MiB: fits
    for i, (size, extra, words) in enumerate(bad):
        root = machine(tmp, "num%d" % i)
        with open(os.path.join(root, MEM, "block_size_bytes"), "w") as f:
            f.write(size + "\n")
        if extra is not None:
            src = os.path.join(root, MEM, "memory7")
            dst = os.path.join(root, MEM, "memory%d" % extra)
            os.rename(src, dst)
        w = "block_size_bytes %s%s" % (size, " memory%d" % extra if extra else "")
        for args, allowed in COMMANDS:
            r = run(root, args)
            lines = judge("%s: memtopo %s" % (w, " ".join(args)), r,
                          allowed if words is None or args[0] == "check" else {1})
            if words is None:
                if args == ["list", "-J"]:
                    doc = json.loads(r.stdout)
                    for rg in doc["memory"]:
                        start, end = (int(x, 16) for x in rg["range"].split("-"))
                        eq(end - start + 1, rg["size"], w + ": range and size")
                continue
            if args[0] == "check":
                eq(r.returncode, 2, "%s: memtopo %s: exit" % (w, " ".join(args)))
                check((words if "prometheus" not in args else "bad-block-size")
                      in r.text(),
                      "%s: check says %r? %r" % (w, words, r.text()[:500]))
            else:
                check(len(lines) == 1 and words in lines[0],
                      "%s: memtopo %s: one line saying %r: %r"
                      % (w, " ".join(args), words, lines))


def case_bytes(tmp):
    """Bytes that are not text in the files whose text is shown: every JSON
    document parses, and no control byte or bad UTF-8 reaches stdout or
    stderr (judge() checks both), in tables and messages alike."""
    values = [b"on\377line", b"\033[2J", b"online\033]0;owned\007", b"\xc2\x9b2J",
              b"\xed\xa0\x80", b"caf\xc3\xa9"]
    files = [MEM + "/memory1/state", MEM + "/auto_online_blocks",
             "sys/module/memory_hotplug/parameters/online_policy",
             "proc/sys/kernel/osrelease"]
    for i, value in enumerate(values):
        for j, rel in enumerate(files):
            root = machine(tmp, "bytes%d-%d" % (i, j))
            p = replace(root, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(value + b"\n")
            for args, allowed in COMMANDS + [(["check", "-v"], {0, 1, 2, 3})]:
                judge("%s = %r: memtopo %s" % (rel, value, " ".join(args)),
                      run(root, args), allowed)
    # and the garbage is still named, visibly, in check's message
    root = machine(tmp, "bytes-named")
    with open(replace(root, MEM + "/memory1/state"), "wb") as f:
        f.write(b"\033[2J\n")
    r = run(root, ["check"])
    check("\\x1b[2J" in r.text(), "check names the state as \\x1b[2J: %r" % r.text())
    r = run(root, ["check", "--json"])
    check("\\\\x1b[2J" in r.text(), "check --json names it as \\x1b[2J: %r" % r.text())


def case_help_args(tmp):
    """Global options around `help` are options, not command names (issue
    12, a newcomer's); more than one command is one line of usage error."""
    for argv, rc, out in [
            (["-v", "help"], 0, "Usage: memtopo"),
            (["-J", "help"], 0, "Usage: memtopo"),
            (["--sysroot", "/", "help"], 0, "Usage: memtopo"),
            (["help", "--help"], 0, "Usage: memtopo"),
            (["-v", "help", "list"], 0, "Usage: memtopo list"),
            (["help", "-q", "check"], 0, "Usage: memtopo check"),
            (["help", "list", "check"], 2, None),
            (["help", "--bogus"], 2, None),
            (["help", "bogus"], 2, None)]:
        r = mtlib.run([MEMTOPO] + argv, timeout=RUN_TIMEOUT)
        w = "memtopo " + " ".join(argv)
        eq(r.returncode, rc, w + ": exit (stderr %r)" % r.err_text())
        if out:
            check(r.text().startswith(out), "%s: stdout %r" % (w, r.text()[:80]))
        else:
            lines = [x for x in r.err_text().split("\n") if x]
            check(len(lines) == 1 and r.stdout == b"",
                  "%s: one line on stderr, nothing on stdout: %r" % (w, lines))


def case_output_all(tmp):
    """--output-all checks -o and MEMTOPO_COLUMNS like list alone does (issue
    12): an unknown column is exit 2, and "-o -J" takes -J as the column
    list, as getopt (and so util-linux) does, and refuses it. -o LIST
    replaces every column, -o +LIST adds to them (lsmem's rules)."""
    root = machine(tmp, "cols")
    for args, env, rc, words in [
            (["list", "--output-all", "-o", "FOO"], None, 2, "'FOO'"),
            (["list", "-o", "FOO", "--output-all"], None, 2, "'FOO'"),
            (["list", "--output-all", "-o", "+FOO"], None, 2, "'FOO'"),
            (["list", "--output-all", "-o", "-J"], None, 2, "'-J'"),
            (["list", "-o", "-J"], None, 2, "'-J'"),
            (["list", "-o", "FOO"], None, 2, "'FOO'"),
            (["list", "--output-all"], {"MEMTOPO_COLUMNS": "RANGE,FOO"}, 2, "MEMTOPO_COLUMNS"),
            (["list", "--output-all", "-o", "+SIZE"], {"MEMTOPO_COLUMNS": "BAR"}, 2, "'BAR'"),
            (["list", "-o", "RANGE"], {"MEMTOPO_COLUMNS": "BAR"}, 2, "'BAR'")]:
        w = " ".join(args) + (" %r" % env if env else "")
        r = run(root, args, env)
        lines = judge(w, r, {rc})
        check(r.stdout == b"" and len(lines) == 1 and words in lines[0],
              "%s: one line naming %s, nothing on stdout: %r %r"
              % (w, words, lines, r.stdout[:200]))
    heads = {}
    for name, args in [("all", ["--output-all"]), ("range", ["--output-all", "-o", "RANGE"]),
                       ("plus", ["--output-all", "-o", "+REMOVABLE,SIZE"]),
                       ("plus-env", ["--output-all"])]:
        env = {"MEMTOPO_COLUMNS": "RANGE,SIZE"} if name == "plus-env" else None
        r = run(root, ["list", "--no-census"] + args, env)
        judge(name, r, {0})
        heads[name] = r.text().split("\n", 1)[0].split()
    check(len(heads["all"]) >= 10 and "REMOVABLE" not in heads["all"],
          "--output-all: every column but REMOVABLE: %r" % heads["all"])
    eq(heads["range"], ["RANGE"], "--output-all -o RANGE: the columns")
    eq(heads["plus"], heads["all"] + ["REMOVABLE"], "--output-all -o +REMOVABLE,SIZE: the columns")
    eq(heads["plus-env"], heads["all"], "--output-all with MEMTOPO_COLUMNS: the columns")


def case_meminfo_wrap(tmp):
    """/proc/meminfo numbers whose kB x 1024 passes 2^64 (or that are
    negative, or past 2^64 themselves) are refused as if the line were
    absent, never wrapped: 2^54 kB read as 0 bytes of MemAvailable refused
    an offline; a MemTotal wrapped to 2^60 made the margin huge. A sane
    small MemAvailable still refuses (the rule reads the file)."""
    for avail, total, rc in [("1024", "1048576", 1),                 # the rule works
                             ("18014398509481984", "1048576", 0),    # 2^54 kB: 2^64 B
                             ("18014398509481985", "1048576", 0),    # wraps to 1 KiB
                             ("99999999999999999999", "1048576", 0),  # past 2^64
                             ("-1", "1048576", 0),
                             ("786432", "19140298416324608", 0),     # wraps to 2^60
                             ("786432", "-1", 0)]:
        root = machine(tmp, "mi-%s-%s" % (avail, total))
        p = os.path.join(root, "proc/meminfo")
        with open(p, "w") as f:
            f.write("MemTotal:        %s kB\nMemFree:          524288 kB\n"
                    "MemAvailable:     %s kB\n" % (total, avail))
        w = "MemAvailable %s kB, MemTotal %s kB: offline --dry-run -b 1" % (avail, total)
        r = run(root, ["offline", "--dry-run", "-J", "--blocks", "1"])
        judge(w, r, {0, 1, 2, 64})
        eq(r.returncode, rc, w + ": exit (stdout %r)" % r.stdout[-300:])
        doc = json.loads(r.stdout)
        refusal = doc.get("refusal") or ""
        check(("MemAvailable" in refusal) == (rc == 1), "%s: refusal %r" % (w, refusal))


MANY_BLOCKS = 20000
MANY_CPU_S = 8


def case_many_blocks(tmp):
    """A tree of 20,000 blocks, each linked to two nodes: no command grows
    an array one realloc per block (a sanitizer's realloc copies it all:
    offline --dry-run took 146 s of CPU under ASan on 50,000 blocks, list
    and check over 100 s). Judged in CPU seconds of the child (user + system),
    so a loaded machine does not fail it: 1-2.5 s now under ASan, 9-125 s before."""
    import resource
    root = os.path.join(tmp, "many")
    mkfixture.generate("block-size 128M\nauto-online online\n"
                       "memory 0-%d zones=Normal node=0,1\n" % (MANY_BLOCKS - 1), root)
    # The commands whose arrays grow per block (the rest read the same
    # snapshot): one each, as a tree this size is slow to run under ASan.
    for args, allowed in [(["list", "-J"], {0, 1}), (["check", "--json"], {0, 1, 2, 3}),
                          (["show", "-J", "1"], {0, 1, 2}),
                          (["offline", "--dry-run", "-J", "256M"], {0, 1, 2, 64}),
                          (["online", "--dry-run", "-J", "--blocks", "0-%d"
                            % (MANY_BLOCKS - 1)], {0, 1, 2, 64})]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = mtlib.run([MEMTOPO, "--sysroot", root] + args, timeout=600)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        w = "%d blocks: memtopo %s" % (MANY_BLOCKS, " ".join(args))
        judge(w, r, allowed)
        check(cpu < MANY_CPU_S, "%s: %.1f s of CPU, more than %d" % (w, cpu, MANY_CPU_S))
        sys.stdout.write("  %5.2f s CPU  %s\n" % (cpu, " ".join(args)))


def case_node_links_only(tmp):
    """A capture of node directories without sys/devices/system/memory
    (util-linux's sysfs-sample2): check reports what the node links show,
    a block linked to two nodes with exit 1, but never "ok": with nothing at
    warning level it is exit 3, the block checks could not run; list refuses
    both."""
    import shutil
    for name, links, rc in [("fine", "memory 0-3 node=0\nmemory 4-7 node=1\n", 3),
                            ("two", "memory 0-3 node=0\nmemory 4-7 node=1\n"
                                    "memory 3 node=0,1\n", 1)]:
        root = os.path.join(tmp, name)
        mkfixture.generate("block-size 128M\n" + links, root)
        shutil.rmtree(os.path.join(root, MEM))
        for args, allowed in [(["check"], {rc}), (["check", "--json"], {rc}),
                              (["check", "--format", "nagios"], {rc}), (["list"], {1})]:
            w = "%s: memtopo %s" % (name, " ".join(args))
            r = run(root, args)
            lines = judge(w, r, allowed)
            if rc == 3 or args == ["list"]:
                check(len(lines) == 1 and MEM in lines[0], "%s: one line naming %s: %r"
                      % (w, MEM, lines))
            if rc == 3 and args == ["check"]:
                eq(r.stdout, b"", w + ": stdout")
            if args == ["check", "--json"]:
                doc = json.loads(r.stdout)
                eq(doc["status"], {1: "warning", 3: "unknown"}[rc], w + ": status")
                eq([f["id"] for f in doc["findings"] if f["severity"] != "info"],
                   ["multi-node-link"] if rc == 1 else [], w + ": findings")


S390_LIKE = """block-size 256M
memory 0-6 zones=DMA node=0
memory 7 zones=DMA,Normal node=0
memory 8-13 zones=Normal node=0
memory 14 state=offline zones=Normal,Movable node=0
memory 15-16 zones=Normal node=0
memory 17-18 zones=Normal,Movable node=0
memory 19 zones=Movable node=0
file proc/meminfo
MemTotal:        6291456 kB
MemAvailable:    5000000 kB
end
"""


def case_zone_first_word(tmp):
    """Before 4.13 an online block's valid_zones lists its zone first, then
    those it could move to (the s390 dump: memory17 "Normal Movable" is in
    Normal). `offline --zone Movable` takes only blocks in Movable; the
    plan (a dry run: nothing is written) says which."""
    root = os.path.join(tmp, "s390")
    mkfixture.generate(S390_LIKE, root)
    for args, want in [(["--zone", "Movable", "512M"], [19]),
                       (["--zone", "Movable", "--blocks", "17-19"], [19]),
                       (["--zone", "Normal", "256M"], [18])]:
        r = run(root, ["offline", "--dry-run", "-J"] + args)
        w = "offline --dry-run " + " ".join(args)
        judge(w, r, {0, 1, 2, 64})
        doc = json.loads(r.stdout)
        planned = [b["block"] for b in doc["blocks"] if b["result"] == "planned"]
        eq(planned, want, w + ": planned blocks")


CASES = {
    "fifo": case_fifo,
    "device": case_device,
    "endless": case_endless,
    "escape-read": case_escape_read,
    "numbers": case_numbers,
    "bytes": case_bytes,
    "help-args": case_help_args,
    "output-all": case_output_all,
    "meminfo-wrap": case_meminfo_wrap,
    "many-blocks": case_many_blocks,
    "node-links-only": case_node_links_only,
    "zone-first-word": case_zone_first_word,
}


def main(argv):
    global MEMTOPO
    if argv[1:] == ["--list"]:
        sys.stdout.write("".join(n + "\n" for n in CASES))
        return 0
    if len(argv) != 3 or (argv[2] not in CASES and argv[2] != "all"):
        sys.stderr.write("usage: test-hostile.py MEMTOPO CASE|all\ncases: %s\n"
                         % " ".join(CASES))
        return 2
    MEMTOPO = mtlib.check_binary(argv[1])
    names = list(CASES) if argv[2] == "all" else [argv[2]]
    results = {n: TALLY.run_case(n, CASES[n], "memtopo-hostile-") for n in names}
    return mtlib.cases_status(results)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
