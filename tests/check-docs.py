#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Keep doc/cli.md true against the binary, and the repository self-contained.

    check-docs.py MEMTOPO

doc/cli.md against what MEMTOPO says of itself:
  - the commands of its command table are exactly `memtopo help`'s;
  - its global options are exactly those `memtopo help` prints;
  - each command's options table lists exactly the options `memtopo help CMD`
    prints (long names, and the short letter where there is one), and no
    option is named in a command's section that the command does not take;
  - the list columns are exactly `memtopo list --help`'s, with the same
    default set;
  - the check table holds exactly the ids `memtopo help check` lists, in its
    order, with the same severities;
  - each exit status `memtopo help CMD` names is in the command's table;
  - the JSON fields of list, check, show, online and offline on a small
    machine written here are exactly the documented ones (monitor needs
    uevents and is not run), and so are the Prometheus metrics and labels.
The tree: no tracked file points outside the repository (OUTSIDE below: the
sibling checkout CI used to clone, the development machine's paths), and
every *.md file a tracked file cites is in the repository.

Exit 0 when all holds, 1 with every difference printed, 2 on bad usage.
"""

import json
import os
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mtlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI_MD = os.path.join(ROOT, "doc", "cli.md")

# Written in two parts so that this file does not match itself.
OUTSIDE = ["../" + "shared", "/work" + "/", "shared" + "/docs"]

problems = []


def problem(msg):
    problems.append(msg)


def compare(what, doc, binary, doc_name="doc/cli.md", bin_name="the binary"):
    """Report what one side has and the other lacks."""
    for x in sorted(set(binary) - set(doc)):
        problem("%s: %s in %s, missing from %s" % (what, x, bin_name, doc_name))
    for x in sorted(set(doc) - set(binary)):
        problem("%s: %s in %s, not in %s" % (what, x, doc_name, bin_name))


# ---------------------------------------------------------------- the binary

def run(memtopo, *args, ok=(0,)):
    env = {k: v for k, v in os.environ.items() if k != "MEMTOPO_COLUMNS"}
    env.update(LC_ALL="C", NO_COLOR="1")
    p = subprocess.run([memtopo, *args], capture_output=True, text=True,
                       env=env, timeout=120)
    if p.returncode not in ok:
        problem("memtopo %s: exit status %d, expected %s; stderr: %s"
                % (" ".join(args), p.returncode, ok, p.stderr.strip()))
        return None
    try:
        mtlib.check_json_schema([memtopo, *args], p.stdout)
    except AssertionError as e:
        problem(str(e))
    return p.stdout


def help_sections(text):
    """{'Options': [lines], 'Global options': [...], ...} of a help text."""
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^([A-Z][A-Za-z ]*?)(?: \(.*\))?:$", line)
        if m:
            cur = out.setdefault(m.group(1), [])
            if "(" in line:
                out[m.group(1) + " header"] = [line]
            continue
        if not line.strip() or not line.startswith(" "):
            cur = None
            continue
        if cur is not None:
            cur.append(line)
    return out


def help_options(lines):
    """{long: short or None} of the option lines of a help section."""
    opts = {}
    for line in lines:
        m = re.match(r"^\s+(?:-([A-Za-z]), )?--([a-z][a-z0-9-]*)", line)
        if m:
            opts[m.group(2)] = m.group(1)
    return opts


def help_exit_codes(text):
    m = re.search(r"^Exit status: (.*?)(?:See |\n\n|\Z)", text, re.M | re.S)
    return set(int(x) for x in re.findall(r"\b(\d+)\b", m.group(1))) if m else set()


# ---------------------------------------------------------------- doc/cli.md

def parse_doc(text):
    """{(h2, h3): [table, ...]} with each table a list of rows of cells
    (header and separator rows dropped), and {h2: section text}."""
    tables, sections = {}, {}
    h2 = h3 = ""
    table = None
    for line in text.splitlines():
        if line.startswith("## "):
            h2, h3 = line[3:].strip(), ""
        elif line.startswith("### "):
            h3 = line[4:].strip()
        sections[h2] = sections.get(h2, "") + line + "\n"
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if table is None:
                table = []
                tables.setdefault((h2, h3), []).append(table)
                continue  # the header row
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue
            table.append(cells)
        else:
            table = None
    return tables, sections


def ticked(cell):
    return re.findall(r"`([^`]*)`", cell)


def first_words(cell):
    return [t.split()[0] for t in ticked(cell) if t.split()]


def one_table(tables, key, what):
    found = tables.get(key, [])
    if len(found) != 1:
        problem("doc/cli.md: %d tables under %s (%s), expected one" % (len(found), key, what))
        return []
    return found[0]


def doc_options(rows):
    """{long: short or None} of an options table's first cells."""
    opts = {}
    for cells in rows:
        longs = re.findall(r"--([a-z][a-z0-9-]*)", cells[0])
        shorts = re.findall(r"(?<![\w-])-([A-Za-z])\b", cells[0])
        for lo in longs:
            opts[lo] = shorts[0] if shorts else None
    return opts


def command_sections(sections, commands):
    """{command: h2 title} for the sections whose title names commands."""
    out = {}
    for title in sections:
        names = ticked(title)
        if names and all(n in commands for n in names):
            for n in names:
                out[n] = title
    return out


# ---------------------------------------------------------------- JSON fields

def json_paths(v, prefix="", out=None):
    """Field paths of a document: `a.b`, `a[].b`; an array of scalars, an
    empty array or a null is one leaf at its own path."""
    out = set() if out is None else out
    if isinstance(v, dict):
        for k, x in v.items():
            json_paths(x, prefix + "." + k if prefix else k, out)
        if not v:
            out.add(prefix)
    elif isinstance(v, list):
        objs = [x for x in v if isinstance(x, dict)]
        for x in objs:
            json_paths(x, prefix + "[]", out)
        if len(objs) < len(v) or not v:
            out.add(prefix)
    else:
        out.add(prefix)
    return out


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


BLOCK = 128 << 20
PAGES = BLOCK // 4096


def make_machine(root):
    """Five 128 MiB blocks on two nodes: 0-1 online Normal on node0, 2 online
    across the node boundary (valid_zones none, linked to both), 3 offline on
    node1, 4 with a garbage state outside RAM and every zone. Every page is
    free (BUDDY) in /proc/kpageflags."""
    mem = os.path.join(root, "sys/devices/system/memory")
    node = os.path.join(root, "sys/devices/system/node")
    write(os.path.join(mem, "block_size_bytes"), "%x\n" % BLOCK)
    write(os.path.join(mem, "auto_online_blocks"), "offline\n")
    write(os.path.join(root, "sys/module/memory_hotplug/parameters/online_policy"),
          "contig-zones\n")
    blocks = [(0, "online", "Normal", [0]), (1, "online", "Normal", [0]),
              (2, "online", "none", [0, 1]), (3, "offline", "Normal Movable", [1]),
              (4, "garbage", "Normal", [1])]
    for n in (0, 1):
        os.makedirs(os.path.join(node, "node%d" % n))
    write(os.path.join(node, "has_memory"), "0-1\n")
    write(os.path.join(node, "online"), "0-1\n")
    write(os.path.join(node, "possible"), "0-1\n")
    for i, state, zones, nodes in blocks:
        d = os.path.join(mem, "memory%d" % i)
        write(os.path.join(d, "state"), state + "\n")
        write(os.path.join(d, "online"), "%d\n" % (state == "online"))
        write(os.path.join(d, "valid_zones"), zones + "\n")
        write(os.path.join(d, "phys_index"), "%08x\n" % i)
        write(os.path.join(d, "removable"), "1\n")
        for n in nodes:
            os.symlink("../../node/node%d" % n, os.path.join(d, "node%d" % n))
            os.symlink("../../memory/memory%d" % i,
                       os.path.join(node, "node%d" % n, "memory%d" % i))
    proc = os.path.join(root, "proc")
    write(os.path.join(proc, "iomem"),
          "00000000-%08x : System RAM\n  01000000-01ffffff : Kernel code\n"
          % (4 * BLOCK - 1))
    zone = ("Node %d, zone   Normal\n  pages free     100\n        spanned  %d\n"
            "        present  %d\n        managed  %d\n  start_pfn:           %d\n")
    write(os.path.join(proc, "zoneinfo"),
          zone % (0, 5 * PAGES // 2, 5 * PAGES // 2, 5 * PAGES // 2, 0) +
          zone % (1, 3 * PAGES // 2, 3 * PAGES // 2, 3 * PAGES // 2, 5 * PAGES // 2))
    write(os.path.join(proc, "sys/kernel/osrelease"), "6.1.0-26-amd64\n")
    # pseries' LMBs (ibm,dynamic-memory v1) for blocks 0-3, so that show's
    # "lmb" object and list's DRC fields are printed; block 1's reserved,
    # not assigned (as QEMU's boot memory), so that one shown block has no
    # finding (dlpar-onlined names the assigned online ones)
    drconf = os.path.join(proc, "device-tree/ibm,dynamic-reconfiguration-memory")
    write(os.path.join(drconf, "ibm,lmb-size"), struct.pack(">Q", BLOCK), "wb")
    write(os.path.join(drconf, "ibm,dynamic-memory"),
          struct.pack(">I", 4) + b"".join(struct.pack(">QIIII", i * BLOCK, 0x80000000 + i,
                                                      0, 0, 0x80 if i == 1 else 0x8)
                                          for i in range(4)), "wb")
    write(os.path.join(proc, "kpageflags"), struct.pack("<Q", 1 << 10) * (5 * PAGES), "wb")
    # The agent's state file: check's Prometheus output then has its counters.
    write(os.path.join(root, "run/memtopo/agent.json"),
          '{"memtopo": {"version": "0", "schema": 1}, "counters": {"onlined_bytes": '
          '[{"node": 1, "zone": "Movable", "source": "acpi-dimm", "bytes": 134217728}], '
          '"refusals": {"unsafe": 1}}, "blocks": []}\n')


def json_of(memtopo, args, ok=(0,)):
    out = run(memtopo, *args, ok=ok)
    if out is None:
        return set()
    try:
        return json_paths(json.loads(out))
    except ValueError as e:
        problem("memtopo %s: not JSON (%s)" % (" ".join(args), e))
        return set()


def check_json(memtopo, tables, sections, columns):
    with tempfile.TemporaryDirectory(prefix="check-docs.") as tmp:
        make_machine(tmp)
        sr = ["--sysroot", tmp]
        # the same machine without /proc/kpageflags: list's census_error
        nokpf = os.path.join(tmp, "no-kpageflags")
        make_machine(nokpf)
        os.remove(os.path.join(nokpf, "proc", "kpageflags"))
        runs = {
            "list": [(sr + ["list", "-J", "-o", ",".join(columns)], (0,)),
                     (sr + ["list", "-J", "--state", "going-offline"], (0,)),
                     (["--sysroot", nokpf, "list", "-J", "-o", "OFFLINE"], (0,))],
            "check": [(sr + ["check", "-J"], (0, 1, 2)),
                      (sr + ["check", "-J", "--only", "going-offline"], (0,))],
            "show": [(sr + ["show", "-J", str(i)], (0,)) for i in (1, 2, 3, 4)],
            "online": [(sr + ["online", "-J", "--dry-run", "--blocks", "3"], (0,)),
                       (sr + ["offline", "-J", "--dry-run", "128M"], (0,)),
                       (sr + ["offline", "-J", "--dry-run", "--zone", "DMA", "128M"], (1,))],
        }
        for cmd, variants in runs.items():
            title = next((t for t in sections if cmd in ticked(t)), None)
            keys = [k for k in tables if k[0] == title and k[1].startswith("JSON")]
            if title is None or len(keys) != 1:
                problem("doc/cli.md: no single JSON table for %s" % cmd)
                continue
            doc = set()
            for cells in one_table(tables, keys[0], cmd + " JSON"):
                doc.update(ticked(cells[0])[:1])
            got = set()
            for args, ok in variants:
                got |= json_of(memtopo, args, ok)
            compare("%s JSON field" % title, doc, got, bin_name="the JSON printed")
        prom = run(memtopo, *sr, "check", "--format", "prometheus", ok=(0, 1, 2))
        if prom is not None:
            got = {}
            for line in prom.splitlines():
                m = re.match(r"^([a-z_]+)(?:\{(.*)\})? ", line)
                if m and not line.startswith("#"):
                    labels = re.findall(r"([a-z_]+)=", m.group(2) or "")
                    got.setdefault(m.group(1), set()).update(labels)
            doc = {}
            key = next((k for k in tables if k[0] == "`check`" and
                        k[1].startswith("Prometheus")), None)
            for cells in one_table(tables, key, "Prometheus"):
                doc[ticked(cells[0])[0]] = set(ticked(cells[1]))
            compare("Prometheus metric", doc, got, bin_name="the output")
            for name in set(doc) & set(got):
                compare("labels of " + name, doc[name], got[name], bin_name="the output")


# ---------------------------------------------------------------- the tree

def tracked_files():
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True,
                             check=True, timeout=60).stdout
        return [p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.SubprocessError):
        # Not a git checkout (a tarball): every file but build trees.
        # A worktree's .git is a file naming the main checkout: not ours.
        files = []
        for d, dirs, names in os.walk(ROOT):
            dirs[:] = sorted(x for x in dirs if x not in (".git", ".cache", "__pycache__")
                             and not x.startswith("build"))
            files += [os.path.relpath(os.path.join(d, n), ROOT) for n in sorted(names)
                      if n != ".git" and not n.endswith(".pyc")]
        return files


def check_tree():
    files = tracked_files()
    if not files:
        problem("no tracked files found under %s" % ROOT)
        return
    basenames = {os.path.basename(p) for p in files}
    for path in files:
        try:
            with open(os.path.join(ROOT, path), "rb") as f:
                data = f.read()
        except OSError as e:
            problem("%s: unreadable (%s)" % (path, e.strerror))
            continue
        text = data.decode("utf-8", "replace")
        for no, line in enumerate(text.splitlines(), 1):
            for pat in OUTSIDE:
                if pat in line:
                    problem("%s:%d: points outside the repository (%s): %s"
                            % (path, no, pat, line.strip()[:100]))
            for ref in re.findall(r"(?<![\w/.:-])((?:\.{1,2}/)?\w[\w./-]*\.md)\b", line):
                name = ref[2:] if ref.startswith("./") else ref
                if name.startswith("../"):
                    ok = False
                elif "/" in name:
                    ok = any(p == name or p.endswith("/" + name) for p in files)
                else:
                    ok = name in basenames
                if not ok:
                    problem("%s:%d: cites %s, which is not in the repository"
                            % (path, no, ref))


# ---------------------------------------------------------------- main

def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    memtopo = argv[1]
    with open(CLI_MD) as f:
        tables, sections = parse_doc(f.read())

    main_help = run(memtopo, "help") or ""
    hs = help_sections(main_help)
    commands = [re.split(r"\s+", l.strip())[0] for l in hs.get("Commands", [])]
    if not commands:
        problem("memtopo help: no commands found")
    doc_cmds = []
    for cells in one_table(tables, ("Commands", ""), "commands"):
        doc_cmds += first_words(cells[0])[:1]
    compare("command", doc_cmds, commands, bin_name="memtopo help")

    compare("global option", doc_options(one_table(tables, ("Global options", ""), "globals")),
            help_options(hs.get("Global options", [])), bin_name="memtopo help")

    where = command_sections(sections, set(commands))
    helps = {}
    for cmd in commands:
        text = run(memtopo, "help", cmd) or ""
        helps[cmd] = text
        title = where.get(cmd)
        if title is None:
            problem("doc/cli.md: no section for command %s" % cmd)
            continue
        hsc = help_sections(text)
        want = help_options(hsc.get("Options", []))
        rows = tables.get((title, "Options"), [[]])
        have = doc_options(rows[0] if rows else [])
        compare("%s option" % cmd, have, want, bin_name="memtopo help " + cmd)
        for lo in set(have) & set(want):
            if have[lo] != want[lo]:
                problem("%s option --%s: short form %s in doc/cli.md, %s in memtopo help %s"
                        % (cmd, lo, have[lo], want[lo], cmd))
        # Every option named anywhere in the section must exist for the
        # command(s) of that section, globals included.
        takes = set(want) | set(help_options(hsc.get("Global options", [])))
        for lo in sorted(set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", sections[title]))):
            if lo not in takes:
                problem("doc/cli.md section %s names --%s, which memtopo help %s does not list"
                        % (title, lo, cmd))
        codes = set()
        for cells in tables.get((title, "Exit status"), [[]])[0]:
            codes.update(int(x) for x in re.findall(r"^\d+$", cells[0]))
        for code in sorted(help_exit_codes(text) - codes):
            problem("%s: exit status %d in memtopo help %s, not in doc/cli.md"
                    % (cmd, code, cmd))

    list_help = run(memtopo, "list", "--help") or ""
    lh = help_sections(list_help)
    columns = [l.split()[0] for l in lh.get("Columns", [])]
    header = (lh.get("Columns header") or [""])[0]
    m = re.search(r"default ([A-Z,]+)", header)
    default = [c for c in m.group(1).split(",") if c] if m else []
    if not columns or not default:
        problem("memtopo list --help: no columns or no default list found")
    doc_cols, doc_default = [], []
    for cells in one_table(tables, (where.get("list", ""), "Columns"), "columns"):
        name = first_words(cells[0])[:1]
        doc_cols += name
        if len(cells) > 1 and cells[1] == "yes":
            doc_default += name
    compare("list column", doc_cols, columns, bin_name="memtopo list --help")
    compare("default list column", doc_default, default, bin_name="memtopo list --help")

    checks = []
    for line in help_sections(helps.get("check", "")).get("Checks", []):
        m = re.match(r"^\s+([a-z0-9-]+)\s+(info|warning|error)\s", line)
        if m:
            checks.append((m.group(1), m.group(2)))
    if not checks:
        problem("memtopo help check: no check table found")
    doc_checks = []
    for cells in one_table(tables, (where.get("check", ""), "Checks"), "checks"):
        sev = cells[1].split()[0] if len(cells) > 1 and cells[1].split() else "?"
        doc_checks += [(i, sev) for i in first_words(cells[0])[:1]]
    compare("check id", [i for i, _ in doc_checks], [i for i, _ in checks],
            bin_name="memtopo help check")
    sev_doc, sev_bin = dict(doc_checks), dict(checks)
    for i in sorted(set(sev_doc) & set(sev_bin)):
        if sev_doc[i] != sev_bin[i]:
            problem("check %s: severity %s in doc/cli.md, %s in memtopo help check"
                    % (i, sev_doc[i], sev_bin[i]))
    common = [i for i, _ in checks if i in sev_doc]
    if [i for i, _ in doc_checks if i in sev_bin] != common:
        problem("check table: doc/cli.md lists the ids in another order than "
                "memtopo help check (%s)" % ", ".join(common))

    check_json(memtopo, tables, sections, columns)
    check_tree()

    for p in problems:
        print("check-docs: " + p)
    print("check-docs: %d problem%s" % (len(problems), "" if len(problems) == 1 else "s"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
