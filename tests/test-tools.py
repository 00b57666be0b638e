#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The scenario generator and the scenarios themselves (no memtopo needed):
what every golden's verdict rests on.

    test-tools.py [REGISTERED-SCENARIO-NAME...]

- mkfixture: a scenario produces exactly the files, contents and links
  FORMAT.md says (overrides apply key by key), so a golden is about the
  machine its scenario describes; malformed directives are refused with
  their line number instead of silently modelling another machine; unsafe
  output dirs and link targets are refused (a fixture never reaches the
  real /sys).
- every tests/scenarios/*.scn parses, starts with a header comment, has
  `expect table` (list) and `expect json` (list -J) -- `check` and
  `check -J` for the check-*.scn scenarios -- and (if names are given) is
  one of them: the names meson registered at configure time, which a .scn
  added since is not.
Whether lsmem reads the generated trees is the lsmem suite's job
(diff-lsmem.py), not this script's.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkfixture  # noqa: E402
import mtlib  # noqa: E402

TALLY = mtlib.Tally()
check = TALLY.check


def read(p):
    with open(p, "rb") as f:
        return f.read().decode()


BAD = [
    ("block-size 128M\nfrobnicate 1\n", 2, "unknown directive"),
    ("\n\nmemory 3 colour=red\n", 3, "unknown block key"),
    ("memory 5-3\n", 1, "empty block range"),
    ("memory x\n", 1, "bad block range"),
    ("block-size 12Q\n", 1, "bad size"),
    ("block-size\n", 1, "usage: block-size"),
    ("# c\nmemory 1 node=a\n", 2, "bad node list"),
    ("memory 1 missing=stat\n", 1, "unknown attribute"),
    ("memory 1 forward=maybe\n", 1, "yes or no"),
    ("memory 1 state\n", 1, "key=value"),
    ("expect t\n", 1, "usage: expect"),
    ("expect t x list\n", 1, "EXIT must be a number"),
    ("expect t 0 list\nexpect t 0 list -J\n", 2, "used twice"),
    ("link a /sys/devices\n", 1, "absolute"),
    ("link sys/a ../../x\n", 1, "leaves the sysroot"),
    ("dir ../x\n", 1, "leaves the sysroot"),
    ("file /etc/x\nend\n", 1, "relative"),
    ("block-size 1M\nfile a\nno end\n", 2, "no closing 'end'"),
    ("nodes none\nnode 1\n", 2, "contradicts"),
    ("node 1\nnodes none\n", 2, "after node"),
    ("nodes all\n", 1, "usage: nodes none"),
    ("node-mask has_memory\n", 1, "usage: node-mask"),
    ("param a\n", 1, "usage: param"),
    ("memory 1 state='unterminated\n", 1, "cannot split"),
]


def test_errors():
    for text, line, frag in BAD:
        try:
            mkfixture.parse(text, "t.scn")
        except mkfixture.ScenarioError as e:
            check(e.lineno == line and frag in str(e)
                  and str(e).startswith("t.scn:%d: " % line),
                  "error for %r: got %r, want line %d with %r"
                  % (text, str(e), line, frag))
        else:
            check(False, "no error for %r" % text)


GOOD = r"""
# a comment
block-size 128M   # trailing comment
auto-online online_movable
param online_policy auto-movable
node 7
node-mask has_memory 0-1
node-mask has_cpu -
memory 0-3 zones=Normal,Movable node=0
memory 2 state=offline node=0,1 missing=removable
memory 3 forward=no phys_index=000000ff
memory 4 node=1 backlinks=no zones= removable=0 phys_device=5
memory 5 state="going-offline" online=1 missing=state,valid_zones
link sys/devices/system/node/node1/memory9 ../../memory/memory9
dir sys/devices/system/memory/memoryX
file proc/zoneinfo
Node 0, zone   Normal
  # kept verbatim
end
file-raw sys/devices/system/node/online 0-1\n\0
iomem 00000000-00000fff : Reserved
iomem   00001000-0009ffff : System RAM
expect t 0 list -o "RANGE,NODE" --node 1
"""


def refused(fn):
    """True if fn raised ValueError (the generator's "will not write")."""
    try:
        fn()
    except ValueError:
        return True
    return False


def test_tree():
    with mtlib.TempDir("memtopo-tools-") as tmp:
        root = os.path.join(tmp, "r")
        scn = mkfixture.generate(GOOD, root, "good.scn")
        m = os.path.join(root, "sys/devices/system/memory")
        n = os.path.join(root, "sys/devices/system/node")
        want_files = {
            m + "/block_size_bytes": "8000000\n",
            m + "/auto_online_blocks": "online_movable\n",
            root + "/sys/module/memory_hotplug/parameters/online_policy":
                "auto-movable\n",
            n + "/has_memory": "0-1\n", n + "/has_cpu": "\n",
            m + "/memory0/state": "online\n", m + "/memory0/online": "1\n",
            m + "/memory0/valid_zones": "Normal Movable\n",
            m + "/memory0/removable": "1\n",
            m + "/memory0/phys_index": "00000000\n",
            m + "/memory0/phys_device": "0\n",
            m + "/memory2/state": "offline\n", m + "/memory2/online": "0\n",
            m + "/memory3/phys_index": "000000ff\n",
            m + "/memory4/valid_zones": "\n",
            m + "/memory4/removable": "0\n",
            m + "/memory4/phys_device": "5\n",
            m + "/memory5/online": "1\n",
            root + "/proc/zoneinfo": "Node 0, zone   Normal\n"
                                     "  # kept verbatim\n",
            root + "/proc/iomem": "00000000-00000fff : Reserved\n"
                                  "  00001000-0009ffff : System RAM\n",
        }
        for p, want in want_files.items():
            try:
                got = read(p)
            except OSError as e:
                check(False, "tree: %s" % e)
                continue
            check(got == want, "tree: %s holds %r, want %r"
                  % (os.path.relpath(p, root), got, want))
        with open(n + "/online", "rb") as f:
            check(f.read() == b"0-1\n\0", "file-raw: exact bytes")
        for p in (m + "/memory2/removable", m + "/memory5/state",
                  m + "/memory5/valid_zones", m + "/memory4/node1" + "x"):
            check(not os.path.lexists(p), "tree: %s should not exist" % p)
        links = {
            m + "/memory0/node0": "../../node/node0",
            m + "/memory2/node0": "../../node/node0",
            m + "/memory2/node1": "../../node/node1",
            m + "/memory4/node1": "../../node/node1",
            n + "/node0/memory0": "../../memory/memory0",
            n + "/node0/memory3": "../../memory/memory3",
            n + "/node1/memory2": "../../memory/memory2",
            n + "/node1/memory9": "../../memory/memory9",
        }
        for p, want in links.items():
            check(os.path.islink(p) and os.readlink(p) == want,
                  "tree: link %s -> %s" % (os.path.relpath(p, root), want))
        check(not os.path.lexists(m + "/memory3/node0"), "forward=no")
        check(not os.path.lexists(n + "/node1/memory4"), "backlinks=no")
        check(os.path.isdir(n + "/node7"), "node 7 dir")
        check(os.path.isdir(m + "/memoryX"), "dir directive")
        check(sorted(e for e in os.listdir(m) if e.startswith("memory")) ==
              ["memory0", "memory1", "memory2", "memory3", "memory4",
               "memory5", "memoryX"], "block dirs: %r" % os.listdir(m))
        check(len(scn.expects) == 1 and scn.expects[0].args ==
              ["list", "-o", "RANGE,NODE", "--node", "1"],
              "expect args: %r" % scn.expects)
        # refusing to overwrite / to write outside
        check(refused(lambda: mkfixture.generate("block-size 1M\n", root,
                                                 "again")),
              "second write into a non-empty dir accepted")
        for bad in ("/", "/sys/devices", "/proc/x"):
            check(refused(lambda: mkfixture.write_tree(
                mkfixture.parse("memory 0\n"), bad)), "wrote into %s" % bad)
        # nodes none: forward links only, no node dir
        r2 = os.path.join(tmp, "r2")
        mkfixture.generate("nodes none\nblock-size 128M\nmemory 0-1 node=0\n",
                           r2)
        check(not os.path.exists(os.path.join(r2, "sys/devices/system/node")),
              "nodes none: node dir created")
        check(os.readlink(os.path.join(
            r2, "sys/devices/system/memory/memory1/node0")) ==
            "../../node/node0", "nodes none: forward link")


def test_scenarios(registered):
    names = mtlib.scenario_names()
    for name in names:
        f = name + ".scn"
        path = mtlib.scenario_path(name)
        text = read(path)
        check(text.startswith("# " + name + ":"),
              "%s: must start with a '# %s: what it models' header"
              % (f, name))
        try:
            scn = mkfixture.parse(text, path)
        except mkfixture.ScenarioError as e:
            check(False, str(e))
            continue
        ex = {e.name: e for e in scn.expects}
        # check-* scenarios are about `check`: their table/json run it.
        cmd = "check" if name.startswith("check-") else "list"
        check("table" in ex and ex["table"].args == [cmd],
              "%s: needs 'expect table N %s'" % (f, cmd))
        check("json" in ex and ex["json"].args == [cmd, "-J"],
              "%s: needs 'expect json N %s -J'" % (f, cmd))
    if registered:
        # meson lists the scenarios at configure time (run-scenario.py
        # --list) and cannot see a .scn added since: that one would
        # silently not run.
        missing = sorted(set(names) - set(registered))
        extra = sorted(set(registered) - set(names))
        check(not missing, "scenarios the build does not run (added since "
              "meson configured: meson setup --reconfigure): %s"
              % ", ".join(missing))
        check(not extra, "registered scenarios without a .scn: %s"
              % ", ".join(extra))


def main(argv):
    test_errors()
    test_tree()
    test_scenarios(argv)
    print("test-tools: %d problem(s), %d checks"
          % (len(TALLY.fails), TALLY.checks))
    return 1 if TALLY.fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
