#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run one scenario's `expect` lines against memtopo and compare with goldens.

    run-scenario.py [--update] MEMTOPO SCENARIO.scn
    run-scenario.py --list        every tests/scenarios/*.scn by name (meson
                                  registers one test each)

For each `expect NAME EXIT ARGS...` the scenario tree is generated once into
a temp dir and `MEMTOPO --sysroot DIR ARGS...` runs with a deterministic
environment (LC_ALL=C, NO_COLOR=1, no MEMTOPO_COLUMNS, stdin /dev/null,
stdout a pipe). Then:
  - stdout must equal tests/expected/SCENARIO/NAME.out byte for byte,
  - stderr must equal tests/expected/SCENARIO/NAME.err if that file exists,
    else be empty,
  - the exit status must be EXIT,
  - no signal, no sanitizer report, no timeout (whatever the goldens say).
The temp dir's path is replaced by @SYSROOT@ in stdout and stderr before the
comparison (see FORMAT.md), so goldens do not depend on it.

The goldens of a scenario live in their own folder, as util-linux's
tests/expected/<tool>/: tests/expected/SCENARIO/ beside tests/scenarios/.

--update rewrites the goldens from the current output (a .err file is
written only when stderr is not empty, and removed when it is); never from a
run that crashed or exited with the wrong status. Goldens are
reviewed by a human before they are committed.

Exit: 0 pass, 1 fail, 77 skip (binary missing, or a scenario without expect).
"""

import difflib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkfixture  # noqa: E402
import mtlib  # noqa: E402

PLACEHOLDER = b"@SYSROOT@"


def golden_dir(scn_path):
    """tests/expected/SCENARIO for tests/scenarios/SCENARIO.scn."""
    name = os.path.basename(scn_path)
    name = name[:-len(".scn")] if name.endswith(".scn") else name
    return os.path.join(os.path.dirname(os.path.dirname(scn_path)),
                        "expected", name)


def golden_paths(scn_path, name):
    base = os.path.join(golden_dir(scn_path), name)
    return base + ".out", base + ".err"


def _shown(path):
    """expected/SCENARIO/NAME.out: where a golden is, for messages."""
    return os.path.join(*path.split(os.sep)[-3:])


def _read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def _diff(expected, actual, label):
    exp = expected.decode("utf-8", "replace").splitlines(keepends=True)
    act = actual.decode("utf-8", "replace").splitlines(keepends=True)
    out = "".join(difflib.unified_diff(exp, act, "expected/" + label,
                                       "actual/" + label))
    if not out and expected != actual:
        out = "(difference in line endings or trailing bytes: %r vs %r)\n" % (
            expected[-20:], actual[-20:])
    return out


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def scrub(data, sysroot):
    """Replace the temp sysroot path (and its realpath) by @SYSROOT@."""
    for p in sorted({sysroot, os.path.realpath(sysroot)}, key=len,
                    reverse=True):
        data = data.replace(p.encode(), PLACEHOLDER)
    return data


def main(argv):
    if argv == ["--list"]:
        print("\n".join(mtlib.scenario_names()))
        return 0
    update = False
    args = list(argv)
    if args and args[0] == "--update":
        update = True
        args = args[1:]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    memtopo = mtlib.check_binary(args[0])
    scn_path = os.path.abspath(args[1])
    name = os.path.basename(scn_path)
    name = name[:-4] if name.endswith(".scn") else name

    with open(scn_path, encoding="utf-8") as f:
        text = f.read()
    try:
        scn = mkfixture.parse(text, scn_path)
    except mkfixture.ScenarioError as e:
        print("FAIL: %s" % e)
        return 1
    if not scn.expects:
        mtlib.die_skip("%s has no expect lines" % scn_path)

    failures = []
    changed = []
    with mtlib.TempDir("memtopo-scn-%s-" % name) as tmp:
        sysroot = os.path.join(tmp, "root")
        try:
            mkfixture.write_tree(scn, sysroot)
        except mkfixture.ScenarioError as e:
            print("FAIL: %s" % e)
            return 1
        for exp in scn.expects:
            label = "%s.%s" % (name, exp.name)
            argv_run = [memtopo, "--sysroot", sysroot] + exp.args
            r = mtlib.run(argv_run)
            shown = " ".join(["memtopo", "--sysroot", "@SYSROOT@"] + exp.args)
            crash = r.crash_reason()
            out = scrub(r.stdout, sysroot)
            err = scrub(r.stderr, sysroot)
            problems = []
            if crash:
                problems.append("CRASH: %s" % crash)
            if r.returncode != exp.exit:
                problems.append("exit status %s, expected %d"
                                % (r.returncode, exp.exit))
            out_path, err_path = golden_paths(scn_path, exp.name)
            if update and not crash and r.returncode == exp.exit:
                os.makedirs(os.path.dirname(out_path), exist_ok=True)
                if _read_bytes(out_path) != out:
                    changed.append(out_path)
                _write(out_path, out)
                if err:
                    if _read_bytes(err_path) != err:
                        changed.append(err_path)
                    _write(err_path, err)
                elif os.path.exists(err_path):
                    os.unlink(err_path)
                    changed.append(err_path + " (removed)")
            elif update:
                problems.append("golden not written: fix the exit status or "
                                "the crash first")
            else:
                golden = _read_bytes(out_path)
                if golden is None:
                    problems.append("no golden %s (run with --update, then "
                                    "review it)" % _shown(out_path))
                elif golden != out:
                    problems.append("stdout differs from %s:\n%s" % (
                        _shown(out_path),
                        _diff(golden, out, label + ".out")))
                gerr = _read_bytes(err_path)
                if gerr is None and err and not crash:
                    problems.append("unexpected stderr (no %s):\n%s" % (
                        _shown(err_path),
                        err.decode("utf-8", "replace")))
                elif gerr is not None and gerr != err:
                    problems.append("stderr differs from %s:\n%s" % (
                        _shown(err_path),
                        _diff(gerr, err, label + ".err")))
            if problems:
                failures.append(label)
                print("FAIL %s (line %d): %s" % (label, exp.lineno, shown))
                for p in problems:
                    print("  " + p.rstrip("\n").replace("\n", "\n  "))
                if crash:
                    print("  stderr:\n    " + r.err_text().rstrip("\n")
                          .replace("\n", "\n    "))
            else:
                print("ok   %s: %s" % (label, shown))

    # Goldens nobody asks for any more.
    gdir = golden_dir(scn_path)
    names = {e.name for e in scn.expects}
    for f in sorted(os.listdir(gdir) if os.path.isdir(gdir) else []):
        for ext in (".out", ".err"):
            if f.endswith(ext) and f[:-len(ext)] not in names:
                print("warning: %s/%s has no expect line (stale golden?)"
                      % (name, f))

    if update:
        if changed:
            print("updated %d golden file(s):" % len(changed))
            for c in changed:
                print("  " + os.path.relpath(c))
            print("REMINDER: review every updated golden against %s before "
                  "committing it." % os.path.basename(scn_path))
        else:
            print("goldens unchanged")
    print("%s: %d/%d passed" % (name, len(scn.expects) - len(failures),
                                len(scn.expects)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
