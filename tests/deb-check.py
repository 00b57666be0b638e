#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Debian package: built, listed, linted.

    deb-check.py SOURCE_ROOT

Copies the tree (the files git knows, tracked or not ignored; without git,
everything but build*/ and .git) into a temporary directory, runs
`dpkg-buildpackage -us -uc -b` there, and checks:
  - `dpkg-deb -c` of memtopo_*.deb lists exactly CONTENTS (below: files and
    links, reviewed), the binary 0755 and the rest 0644;
  - `lintian` on the .changes reports no error, and every warning's tag is
    listed in debian/README.source ("- TAG" lines, each with why).
Exit: 0 pass, 1 fail, 77 dpkg-buildpackage or lintian missing.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mtlib  # noqa: E402

CONTENTS = [
    "./lib/systemd/system/memtopo-agent.service",
    "./lib/systemd/system/memtopo-textfile.service",
    "./lib/systemd/system/memtopo-textfile.timer",
    "./usr/bin/memtopo",
    "./usr/share/bash-completion/completions/memtopo",
    "./usr/share/doc/memtopo/changelog.gz",
    "./usr/share/doc/memtopo/copyright",
    "./usr/share/doc/memtopo/examples/agent.conf",
    "./usr/share/doc/memtopo/examples/icinga2-memtopo.conf",
    "./usr/share/doc/memtopo/examples/memtopo-alerts.yml",
    "./usr/share/doc/memtopo/examples/nagios-memtopo.cfg",
    "./usr/share/man/man8/memtopo-agent.8.gz",
    "./usr/share/man/man8/memtopo-check.8.gz",
    "./usr/share/man/man8/memtopo-list.8.gz",
    "./usr/share/man/man8/memtopo-monitor.8.gz",
    "./usr/share/man/man8/memtopo-offline.8.gz -> memtopo-online.8.gz",
    "./usr/share/man/man8/memtopo-online.8.gz",
    "./usr/share/man/man8/memtopo-show.8.gz",
    "./usr/share/man/man8/memtopo.8.gz",
    "./usr/share/memtopo/schema/agent-state.json",
    "./usr/share/memtopo/schema/check.json",
    "./usr/share/memtopo/schema/hotplug.json",
    "./usr/share/memtopo/schema/list.json",
    "./usr/share/memtopo/schema/monitor-event.json",
    "./usr/share/memtopo/schema/show.json",
]


def copy_tree(src, dst):
    p = subprocess.run(["git", "-C", src, "ls-files", "-z", "--cached", "--others",
                        "--exclude-standard"], capture_output=True)
    if p.returncode == 0:
        for rel in sorted(set(p.stdout.decode().split("\0")) - {""}):
            s = os.path.join(src, rel)
            if not os.path.lexists(s):
                continue                        # deleted, not yet committed
            os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
            shutil.copy2(s, os.path.join(dst, rel), follow_symlinks=False)
    else:
        shutil.copytree(src, dst, symlinks=True, ignore=lambda d, names: [
            n for n in names if d == src and (n.startswith("build") or n == ".git")])


def allowed_warnings(readme):
    with open(readme, encoding="utf-8") as f:
        return set(re.findall(r"^- ([a-z0-9-]+)", f.read(), re.M))


def main(argv):
    if len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    src = os.path.abspath(argv[0])
    for tool in ("dpkg-buildpackage", "dpkg-deb", "lintian"):
        if not shutil.which(tool):
            mtlib.die_skip("%s not found (tools/dev.sh installs dpkg-dev, debhelper, lintian)"
                           % tool)
    t = mtlib.Tally(echo=False)
    with mtlib.TempDir("memtopo-deb-") as tmp:
        tree = os.path.join(tmp, "memtopo")
        copy_tree(src, tree)
        env = dict(os.environ, DEB_BUILD_OPTIONS="parallel=%d" % (os.cpu_count() or 1))
        p = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=tree, env=env,
                           capture_output=True, text=True, timeout=1500)
        if p.returncode != 0:
            print("FAIL dpkg-buildpackage exits %d:\n%s" % (
                p.returncode, (p.stdout + p.stderr)[-4000:]))
            return 1
        debs = glob.glob(os.path.join(tmp, "memtopo_*.deb"))
        changes = glob.glob(os.path.join(tmp, "memtopo_*.changes"))
        if not t.eq((len(debs), len(changes)), (1, 1), "one .deb and one .changes"):
            debs, changes = debs[:1], changes[:1]
        if debs:
            out = subprocess.run(["dpkg-deb", "-c", debs[0]], capture_output=True,
                                 text=True).stdout
            got, modes = [], {}
            for line in out.splitlines():
                f = line.split(None, 5)
                if len(f) < 6 or f[0].startswith("d"):
                    continue
                got.append(f[5])
                modes[f[5]] = f[0]
            got.sort()
            for x in sorted(set(got) - set(CONTENTS)):
                t.check(False, "in the package but not in CONTENTS: %s" % x)
            for x in sorted(set(CONTENTS) - set(got)):
                t.check(False, "in CONTENTS but not in the package: %s" % x)
            for path, mode in modes.items():
                want = "-rwxr-xr-x" if path == "./usr/bin/memtopo" else \
                    "lrwxrwxrwx" if " -> " in path else "-rw-r--r--"
                t.eq(mode, want, "mode of " + path)
        if changes:
            p = subprocess.run(["lintian", "--no-cfg", changes[0]], capture_output=True,
                               text=True, timeout=600)
            allowed = allowed_warnings(os.path.join(src, "debian", "README.source"))
            tags = []
            for line in (p.stdout + p.stderr).splitlines():
                m = re.match(r"^([EWIPXOCN]): ([^:]+): ([a-z0-9-]+)", line)
                if m:
                    tags.append(m.groups())
            for level, pkg, tag in tags:
                t.check(level != "E", "lintian error: %s: %s" % (pkg, tag))
                t.check(level != "W" or tag in allowed,
                     "lintian warning not in debian/README.source: %s: %s" % (pkg, tag))
            print("lintian: %d tag(s): %s" % (len(tags), ", ".join(
                "%s:%s" % (lv, tg) for lv, _, tg in tags) or "none"))
    for x in t.fails:
        print("FAIL " + x)
    print("deb-check: %d problem(s)" % len(t.fails))
    return 1 if t.fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
