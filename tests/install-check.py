#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`meson install` into a temporary DESTDIR: the exact list of files.

    install-check.py BUILDDIR

Runs `meson install -C BUILDDIR --destdir TMP --no-rebuild` and compares
every file and symbolic link below TMP with INSTALLED (below), each
directory resolved from BUILDDIR/install-dirs.json (meson.build writes it
from meson_options.txt and pkg-config). Then: the binary is executable
and prints its version, the man alias is a link to its page, the other
files are mode 0644, the service runs BINDIR/memtopo into TEXTFILEDIR,
and the schemas are JSON.
Exit: 0 pass, 1 fail.
"""

import json
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mtlib  # noqa: E402

# Reviewed by hand: what a package of memtopo holds. A file added to the
# install goes here in the same change.
INSTALLED = [
    "{bindir}/memtopo",
    "{mandir}/man8/memtopo.8",
    "{mandir}/man8/memtopo-agent.8",
    "{mandir}/man8/memtopo-check.8",
    "{mandir}/man8/memtopo-list.8",
    "{mandir}/man8/memtopo-monitor.8",
    "{mandir}/man8/memtopo-offline.8",     # link to memtopo-online.8
    "{mandir}/man8/memtopo-online.8",
    "{mandir}/man8/memtopo-show.8",
    "{bashcompletiondir}/memtopo",
    "{systemdsystemunitdir}/memtopo-agent.service",
    "{systemdsystemunitdir}/memtopo-textfile.service",
    "{systemdsystemunitdir}/memtopo-textfile.timer",
    "{docdir}/examples/agent.conf",
    "{docdir}/examples/icinga2-memtopo.conf",
    "{docdir}/examples/memtopo-alerts.yml",
    "{docdir}/examples/nagios-memtopo.cfg",
    "{schemadir}/agent-state.json",
    "{schemadir}/check.json",
    "{schemadir}/hotplug.json",
    "{schemadir}/list.json",
    "{schemadir}/monitor-event.json",
    "{schemadir}/show.json",
]


def main(argv):
    if len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    build = os.path.abspath(argv[0])
    with open(os.path.join(build, "install-dirs.json"), encoding="utf-8") as f:
        dirs = json.load(f)
    t = mtlib.Tally(echo=False)
    want = sorted(p.format(**dirs).lstrip("/") for p in INSTALLED)
    with mtlib.TempDir("memtopo-install-") as dest:
        p = subprocess.run(["meson", "install", "-C", build, "--destdir", dest,
                            "--no-rebuild", "--quiet"], capture_output=True, text=True,
                           timeout=240)
        if not t.eq(p.returncode, 0, "meson install (%s)" % (p.stdout + p.stderr).strip()):
            for x in t.fails:
                print("FAIL " + x)
            return 1
        got = []
        for top, subdirs, files in os.walk(dest):
            for name in files + [d for d in subdirs if os.path.islink(os.path.join(top, d))]:
                got.append(os.path.relpath(os.path.join(top, name), dest))
        got.sort()
        for x in sorted(set(got) - set(want)):
            t.check(False, "installed but not in the list: /%s" % x)
        for x in sorted(set(want) - set(got)):
            t.check(False, "in the list but not installed: /%s" % x)

        def at(key, rel=""):
            return os.path.join(dest, (dirs[key] + rel).lstrip("/"))
        exe = at("bindir", "/memtopo")
        if os.path.exists(exe):
            t.check(os.access(exe, os.X_OK), "the binary is not executable")
            r = mtlib.run([exe, "--version"])
            t.eq(r.text().split(" ")[0], "memtopo", "installed memtopo --version")
        alias = at("mandir", "/man8/memtopo-offline.8")
        t.eq(os.readlink(alias) if os.path.islink(alias) else None, "memtopo-online.8",
             "memtopo-offline.8 links to")
        for rel in want:
            path = os.path.join(dest, rel)
            if not os.path.exists(path) or os.path.islink(path) or path == exe:
                continue
            t.eq(oct(stat.S_IMODE(os.stat(path).st_mode)), "0o644", "mode of /" + rel)
            if rel.endswith(".json"):
                try:
                    with open(path, encoding="utf-8") as f:
                        json.load(f)
                except ValueError as e:
                    t.check(False, "/%s is not JSON: %s" % (rel, e))
        svc = at("systemdsystemunitdir", "/memtopo-textfile.service")
        if os.path.exists(svc):
            text = open(svc, encoding="utf-8").read()
            t.check("\nExecStart=%s/memtopo check --format prometheus --output %s/memtopo.prom\n"
                 % (dirs["bindir"], dirs["textfiledir"]) in text,
                 "the service's ExecStart: %r" % [x for x in text.split("\n")
                                                  if x.startswith("ExecStart")])
            t.check("@" not in text.replace("@bindir@", "").split("[Unit]", 1)[1],
                 "an unsubstituted @...@ in the service")
    for x in t.fails:
        print("FAIL " + x)
    print("install-check: %d file(s), %d problem(s)" % (len(got), len(t.fails)))
    return 1 if t.fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
