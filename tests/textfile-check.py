#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Prometheus the textfile way, checked with the ecosystem's own tools.

    textfile-check.py MEMTOPO RULES SERVICE TIMER SCN...

  - every scenario tree (and a --sysroot that does not exist):
    `check --format prometheus --output DIR/memtopo.prom` exits as the run
    without --output, prints nothing on stdout, writes exactly what that
    run prints, mode 0644, and leaves no other file in DIR; the old file
    is replaced by a rename (a hard link to it keeps the old text: it was
    not written in place); `promtool check metrics` accepts the file with
    nothing to say;
  - RULES (the example alerting rules) passes `promtool check rules`;
  - bad input: --output into a directory that does not exist, into one
    that is not writable (as nobody when run as root), or onto a
    directory: exit 3, one "memtopo:" line on stderr, nothing on stdout,
    the old file untouched and no temporary file left;
  - SERVICE and TIMER (the built units) pass `systemd-analyze verify`
    with nothing on stderr, when systemd-analyze is on the machine (the
    ExecStart binary is MEMTOPO for the check: verify wants it to exist).
promtool missing: exit 77 (skipped, never counted as passed).
Exit: 0 pass, 1 fail, 77 skip.
"""

import os
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mtlib  # noqa: E402

OLD = "# old content, must survive a failed run\n"


def promtool(args, data=None):
    p = subprocess.run(["promtool"] + args, input=data, capture_output=True, timeout=120)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def one_tree(memtopo, root, out_dir, t, name):
    target = os.path.join(out_dir, "memtopo.prom")
    with open(target, "w") as f:
        f.write(OLD)
    os.link(target, os.path.join(out_dir, "old-link"))
    plain = mtlib.run_memtopo(memtopo, root, ["check", "--format", "prometheus"])
    to_file = mtlib.run_memtopo(memtopo, root, ["check", "--format", "prometheus",
                                                "--output", target])
    for r in (plain, to_file):
        if r.crash_reason():
            t.append("%s: CRASH %s" % (name, r.crash_reason()))
            return
    if to_file.returncode != plain.returncode:
        t.append("%s: --output exits %d, stdout run %d" % (name, to_file.returncode,
                                                           plain.returncode))
    if to_file.stdout:
        t.append("%s: --output printed on stdout: %r" % (name, to_file.text()[:100]))
    with open(target, "rb") as f:
        data = f.read()
    if data != plain.stdout:
        t.append("%s: the file differs from stdout:\n%s\n---\n%s" % (
            name, data.decode()[:300], plain.text()[:300]))
    mode = stat.S_IMODE(os.stat(target).st_mode)
    if mode != 0o644:
        t.append("%s: mode %o, want 644" % (name, mode))
    with open(os.path.join(out_dir, "old-link")) as f:
        if f.read() != OLD:
            t.append("%s: the old file was written in place, not replaced" % name)
    os.unlink(os.path.join(out_dir, "old-link"))
    left = sorted(set(os.listdir(out_dir)) - {"memtopo.prom"})
    if left:
        t.append("%s: files left in the directory: %r" % (name, left))
    rc, text = promtool(["check", "metrics"], data)
    if rc != 0 or text.strip():
        t.append("%s: promtool check metrics exits %d: %s" % (name, rc, text.strip()))


def bad_output(memtopo, root, tmp, t):
    """--output that cannot be written: exit 3, one line, old file intact."""
    as_nobody = os.getuid() == 0
    locked = os.path.join(tmp, "locked")
    os.makedirs(locked)
    with open(os.path.join(locked, "memtopo.prom"), "w") as f:
        f.write(OLD)
    os.chmod(locked, 0o555)
    os.chmod(tmp, 0o755)
    os.makedirs(os.path.join(tmp, "isdir", "memtopo.prom"))
    cases = [
        ("missing directory", os.path.join(tmp, "missing", "memtopo.prom"), None, False),
        ("unwritable directory", os.path.join(locked, "memtopo.prom"), locked, as_nobody),
        ("onto a directory", os.path.join(tmp, "isdir", "memtopo.prom"), None, False),
    ]
    for what, target, old_dir, nobody in cases:
        argv = [memtopo, "--sysroot", root, "check", "--format", "prometheus",
                "--output", target]
        if nobody:
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        r = mtlib.run(argv)
        lines = r.err_text().splitlines()
        if r.returncode != 3 or r.stdout or len(lines) != 1 or \
                not lines[0].startswith("memtopo: check: --output "):
            t.append("%s: exit %r, stdout %r, stderr %r (want 3, nothing, one line)"
                     % (what, r.returncode, r.text()[:100], r.err_text()))
        if old_dir:
            with open(target) as f:
                if f.read() != OLD:
                    t.append("%s: the old file changed" % what)
            if os.listdir(old_dir) != ["memtopo.prom"]:
                t.append("%s: files left: %r" % (what, os.listdir(old_dir)))
    if os.path.exists(os.path.join(tmp, "missing")):
        t.append("missing directory: it was created")
    if os.listdir(os.path.join(tmp, "isdir")) != ["memtopo.prom"] or \
            os.listdir(os.path.join(tmp, "isdir", "memtopo.prom")):
        t.append("onto a directory: something was left: %r"
                 % os.listdir(os.path.join(tmp, "isdir")))
    os.chmod(locked, 0o755)


def verify_units(memtopo, service, timer, tmp, t):
    if not shutil.which("systemd-analyze"):
        print("note: systemd-analyze not found: units not verified")
        return
    units = os.path.join(tmp, "units")
    os.makedirs(units)
    with open(service) as f:
        text = f.read()
    exec_lines = [l for l in text.splitlines() if l.startswith("ExecStart=")]
    if len(exec_lines) != 1 or " check --format prometheus --output " not in exec_lines[0]:
        t.append("service: ExecStart %r" % exec_lines)
        return
    installed = exec_lines[0].split("=", 1)[1].split(" ", 1)[0]
    with open(os.path.join(units, "memtopo-textfile.service"), "w") as f:
        f.write(text.replace(installed, memtopo))
    shutil.copy(timer, os.path.join(units, "memtopo-textfile.timer"))
    p = subprocess.run(["systemd-analyze", "verify", "--man=no",
                        os.path.join(units, "memtopo-textfile.service"),
                        os.path.join(units, "memtopo-textfile.timer")],
                       capture_output=True, timeout=120)
    out = (p.stdout + p.stderr).decode("utf-8", "replace").strip()
    if p.returncode != 0 or out:
        t.append("systemd-analyze verify exits %d: %s" % (p.returncode, out))


def main(argv):
    if len(argv) < 5 or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    import mkfixture
    memtopo = mtlib.check_binary(argv[0])
    rules, service, timer, scenarios = argv[1], argv[2], argv[3], argv[4:]
    if not shutil.which("promtool"):
        mtlib.die_skip("promtool not found (Debian package prometheus)")
    failed = 0
    with mtlib.TempDir("memtopo-textfile-") as tmp:
        os.chmod(tmp, 0o755)            # the unwritable-directory case runs as nobody
        trees = [("no-sysroot", os.path.join(tmp, "absent"), None)]
        trees += [(os.path.basename(p)[:-4], os.path.join(tmp, "tree"), p) for p in scenarios]
        for name, root, path in trees:
            t = []
            if path:
                shutil.rmtree(root, ignore_errors=True)
                with open(path, encoding="utf-8") as f:
                    mkfixture.generate(f.read(), root, path)
            out_dir = os.path.join(tmp, "out-" + name)
            os.makedirs(out_dir)
            one_tree(memtopo, root, out_dir, t, name)
            failed += report(name, t)
        t = []
        rc, text = promtool(["check", "rules", rules])
        if rc != 0 or "SUCCESS" not in text:
            t.append("promtool check rules exits %d: %s" % (rc, text.strip()))
        failed += report("alert rules " + os.path.basename(rules), t)
        t = []
        bad_output(memtopo, trees[-1][1], os.path.join(tmp, "bad"), t)
        failed += report("bad --output", t)
        t = []
        verify_units(memtopo, service, timer, tmp, t)
        failed += report("systemd units", t)
    print("%d failed" % failed)
    return 1 if failed else 0


def report(name, problems):
    if problems:
        print("FAIL %s" % name)
        for p in problems[:20]:
            print("  " + p.replace("\n", "\n  "))
        return 1
    print("ok   %s" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
