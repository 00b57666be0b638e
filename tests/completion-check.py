#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The bash completion (completion/memtopo), sourced in bash.

    completion-check.py MEMTOPO COMPLETION SCENARIO.scn

  - its lists are memtopo's: the commands and every option of each
    command (`memtopo help`, `memtopo help CMD`), the columns (`memtopo
    help list`), the check ids (`memtopo help check`, plus the two notes);
  - for a table of command lines, run in `bash --norc` with
    bash-completion's own library sourced first (as when bash loads a
    completion from its completionsdir), COMPREPLY is exactly the
    expected list, and nothing is printed on stdout or stderr. The line is
    split into COMP_WORDS as readline does ('=' is a word break), the
    cursor at its end. Live values come from a tree built from SCENARIO
    (blocks and nodes known), including a --sysroot that does not exist
    (completes nothing, prints nothing).
Exit: 0 pass, 1 fail, 77 bash-completion missing.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mtlib  # noqa: E402

BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
NOTES = ["evidence-missing", "iomem-fallback"]


def split_words(line):
    """COMP_WORDS and COMP_CWORD for LINE with the cursor at its end."""
    words = []
    for w in line.split(" "):
        parts = re.split(r"(=)", w)
        words += [p for p in parts if p != ""] or [""]
    if line.endswith("="):
        pass                            # the cursor word is "="
    return words, len(words) - 1


def complete(completion, line, cwd):
    words, cword = split_words(line)
    script = ["source %s" % BASH_COMPLETION, "source %s" % sh_quote(completion),
              "COMP_WORDS=(%s)" % " ".join(sh_quote(w) for w in words),
              "COMP_CWORD=%d" % cword, "COMP_LINE=%s" % sh_quote(line),
              "COMP_POINT=%d" % len(line), "COMPREPLY=()",
              "_memtopo memtopo %s %s >/tmp/.memtopo-compl-out.$$ 2>&1" % (
                  sh_quote(words[cword]), sh_quote(words[cword - 1])),
              "cat /tmp/.memtopo-compl-out.$$ >&2; rm -f /tmp/.memtopo-compl-out.$$",
              "printf '%s\\n' \"${COMPREPLY[@]}\""]
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", "\n".join(script)],
                       capture_output=True, text=True, timeout=60, cwd=cwd,
                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                            "HOME": cwd, "LC_ALL": "C"})
    got = [x for x in p.stdout.split("\n") if x != ""]
    return sorted(got), p.stderr


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def help_options(memtopo, cmd):
    out = mtlib.run([memtopo, "help", cmd]).text() if cmd else \
        mtlib.run([memtopo, "help"]).text()
    opts = set()
    for line in out.split("\n"):
        m = re.match(r"^\s+(-\w, )?(--[a-z-]+)(\[=\w+\])?", line)
        if m:
            if m.group(1):
                opts.add(m.group(1)[:2])
            opts.add(m.group(2))
    return opts


def lists_match(memtopo, completion, t):
    src = open(completion, encoding="utf-8").read()

    def var(name):
        m = re.search(r"^%s='([^']*)'" % name, src, re.M)
        return m.group(1).split() if m else []
    out = mtlib.run([memtopo, "help"]).text()
    cmds = re.findall(r"^  ([a-z]+) {2,}", out.split("Commands:")[1].split("\n\n")[0], re.M)
    t.eq(sorted(var("_memtopo_commands")), sorted(cmds), "commands")
    glob = help_options(memtopo, None)
    t.eq(sorted(x for x in var("_memtopo_global") if not x.endswith("=")), sorted(glob),
         "global options")
    for cmd in ("list", "check", "show", "online", "offline", "monitor", "agent"):
        words, _ = None, None
        p = subprocess.run(["bash", "--norc", "-c", "source %s; _memtopo_opts %s"
                            % (sh_quote(completion), cmd)], capture_output=True, text=True)
        have = {x for x in p.stdout.split() if not x.endswith("=")}
        t.eq(sorted(have), sorted(help_options(memtopo, cmd) - glob), "options of " + cmd)
    helplist = mtlib.run([memtopo, "help", "list"]).text()
    cols = re.findall(r"^\s+([A-Z]+)  ", helplist.split("Columns")[1], re.M)
    t.eq(var("_memtopo_columns"), cols, "columns")
    checks = re.findall(r"^  ([a-z0-9-]+) +(?:info|warning|error) ",
                        mtlib.run([memtopo, "help", "check"]).text(), re.M)
    m = re.search(r"^_memtopo_checks='([^']*)'", src, re.M | re.S)
    t.eq(m.group(1).split() if m else None, checks + NOTES, "check ids")


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    memtopo = mtlib.check_binary(argv[0])
    completion, scn = os.path.abspath(argv[1]), argv[2]
    if not os.path.isfile(BASH_COMPLETION):
        mtlib.die_skip("%s not found (Debian package bash-completion)" % BASH_COMPLETION)
    import mkfixture
    t = mtlib.Tally(echo=False)
    lists_match(memtopo, completion, t)
    with mtlib.TempDir("memtopo-completion-") as tmp:
        root = os.path.join(tmp, "root")
        with open(scn, encoding="utf-8") as f:
            mkfixture.generate(f.read(), root, scn)
        mem = os.path.join(root, "sys/devices/system/memory")
        blocks = sorted(int(d[6:]) for d in os.listdir(mem) if re.match(r"memory\d+$", d))
        nodedir = os.path.join(root, "sys/devices/system/node")
        nodes = sorted(int(d[4:]) for d in os.listdir(nodedir) if re.match(r"node\d+$", d))
        if len(blocks) < 12 or len(nodes) < 2:
            t.check(False, "the scenario has %d blocks, %d nodes: too few to test"
                 % (len(blocks), len(nodes)))
        os.makedirs(os.path.join(tmp, "dirs", "sub1"))
        os.makedirs(os.path.join(tmp, "dirs", "sub2"))
        open(os.path.join(tmp, "dirs", "file.prom"), "w").close()
        sr = "memtopo --sysroot %s " % root
        b1 = sorted(str(b) for b in blocks if str(b).startswith("1"))
        checks = re.findall(r"^  ([a-z0-9-]+) +(?:info|warning|error) ",
                            mtlib.run([memtopo, "help", "check"]).text(), re.M)
        cases = [
            ("memtopo ", ["agent", "check", "help", "list", "monitor", "offline", "online",
                          "show"]),
            ("memtopo o", ["offline", "online"]),
            ("memtopo --sysroot %s s" % root, ["show"]),
            ("memtopo help ", ["agent", "check", "help", "list", "monitor", "offline", "online",
                               "show"]),
            ("memtopo --col", ["--color", "--color="]),
            ("memtopo --color=a", ["always", "auto"]),
            ("memtopo --color= ", ["agent", "check", "help", "list", "monitor", "offline", "online",
                                   "show"]),
            ("memtopo list --summary=", ["always", "never", "only"]),
            ("memtopo list -o ", ["BLOCK", "BLOCKS", "DEVICE", "DRC", "END", "FLAGS", "NODE", "OFFLINE",
                                  "RANGE", "REMOVABLE", "SIZE", "SOURCE", "START", "STATE",
                                  "ZONES"]),
            ("memtopo list -o +RANGE,Z", ["+RANGE,ZONES"]),
            ("memtopo list --output +F", ["+FLAGS"]),
            ("memtopo list -o SIZE,ST", ["SIZE,START", "SIZE,STATE"]),
            ("memtopo list -S N", ["NODE"]),
            ("memtopo list --state online,", ["online,going-offline", "online,offline",
                                             "online,online"]),
            ("memtopo list --out", ["--output", "--output-all"]),
            ("memtopo list -b ", []),
            ("memtopo check --format ", ["json", "nagios", "prometheus", "table"]),
            ("memtopo check --severity w", ["warning"]),
            ("memtopo check --only ", sorted(checks + NOTES)),
            ("memtopo check --skip multi-zone,st", ["multi-zone,stale-node-link",
                                                   "multi-zone,state-mismatch"]),
            ("memtopo check --output %s/dirs/f" % tmp, ["%s/dirs/file.prom" % tmp]),
            ("memtopo online --to ", ["auto", "kernel", "movable"]),
            ("memtopo offline --zone Mov", ["Movable"]),
            ("memtopo offline --zone Normal,D", ["Normal,DMA", "Normal,DMA32",
                                                "Normal,Device"]),
            ("memtopo offline --progress=n", ["never"]),
            ("memtopo offline --timeout ", []),
            ("memtopo --sysroot %s/di" % tmp, ["%s/dirs" % tmp]),
            ("memtopo --sysroot=%s/di" % tmp, ["%s/dirs" % tmp]),
            # live values from the sysroot
            (sr + "show ", sorted(str(b) for b in blocks)),
            (sr + "show 1", b1),
            ("memtopo --sysroot=%s show 1" % root, b1),
            (sr + "list --node ", sorted(str(n) for n in nodes)),
            (sr + "offline --node 0,", sorted("0,%d" % n for n in nodes)),
            (sr + "online --blocks 1", b1),
            (sr + "offline -b 2,1", sorted("2," + b for b in b1)),
            # a sysroot that does not exist: nothing, silently
            ("memtopo --sysroot %s/absent show " % tmp, []),
            ("memtopo --sysroot %s/absent list --node " % tmp, []),
            ("memtopo --sysroot %s/absent offline --blocks 1" % tmp, []),
        ]
        for line, want in cases:
            got, err = complete(completion, line, tmp)
            t.eq(got, sorted(want), "%r: COMPREPLY" % line)
            t.eq(err, "", "%r: printed" % line)
    for p in t.fails:
        print("FAIL " + p)
    print("completion-check: %d case(s), %d problem(s)" % (len(cases), len(t.fails)))
    return 1 if t.fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
