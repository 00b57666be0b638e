#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the seed corpus of the harnesses from real captures and scenarios.

    tests/fuzz/mkcorpus.py [OUTDIR]       (default tests/fuzz/corpus)

Reads the captures in tests/data/ (real/*/*.tar.xz, util-linux/*.tar.bz2)
and the trees of
tests/scenarios/*.scn (written by mkfixture.py), and writes, per harness,
small files named after where they come from: attribute values, node
masks, iomem, zoneinfo, meminfo, udev rules, kpageflags records, sizes,
and each whole tree in the format of tree.h. Files under OUTDIR/*/ whose
name starts with "issue12-" are hand-written and left alone. Deterministic:
the same inputs give the same files, so a re-run shows in `git status`
only what changed.
"""

import glob
import hashlib
import os
import re
import shutil
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)
import mkfixture  # noqa: E402
import mtlib  # noqa: E402

MEM = "sys/devices/system/memory"
NODE = "sys/devices/system/node"
# Caps that keep the committed corpus at a few hundred KB.
TEXT_CAP = 16384       # iomem, zoneinfo, meminfo, rules: the parser harnesses
TREE_FILE_CAP = 2048   # the same files inside a whole-tree seed
TREE_CAP = 12288       # one whole-tree seed
ATTR_SELECT = {"state": 0, "valid_zones": 1, "online": 2, "removable": 2,
               "phys_index": 3, "block_size_bytes": 3, "name": 4,
               "osrelease": 5, "severity": 6, "seconds": 7}


def data_captures():
    data = os.path.join(TESTS, "data")
    return sorted(glob.glob(os.path.join(data, "real", "*", "*.tar.xz")) +
                  glob.glob(os.path.join(data, "util-linux", "*.tar.bz2")))


def read(path, cap=None):
    try:
        with open(path, "rb") as f:
            return f.read() if cap is None else f.read(cap)
    except OSError:
        return None


def cut_lines(text, cap):
    """At most cap bytes, whole lines."""
    if len(text) <= cap:
        return text
    return text[:text.rfind(b"\n", 0, cap) + 1]


def runs(ids):
    """Sorted ids -> [(lo, hi)] of consecutive ids."""
    out = []
    for i in ids:
        if out and out[-1][1] + 1 == i:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [(a, b) for a, b in out]


def value_runs(values):
    """{id: value} -> [(lo, hi, value)] of consecutive ids with one value."""
    out = []
    for i in sorted(values):
        v = values[i]
        if out and out[-1][1] + 1 == i and out[-1][2] == v:
            out[-1][1] = i
        else:
            out.append([i, i, v])
    return out


def one_line(b):
    """An attribute as tree.h writes it back: the text without its newline."""
    return b[:-1] if b.endswith(b"\n") else b


def rules_files(root):
    """udev rules files of a tree (sysfs captures hold link loops: no glob **)."""
    out = []
    for sub in ("etc", "run", "usr/local/lib", "usr/lib", "lib"):
        out += glob.glob(os.path.join(root, sub, "udev", "rules.d", "*.rules"))
    return sorted(out)


class Tree:
    """What tree.h can say about a sysroot, read from the files."""

    def __init__(self, root):
        self.root = root
        self.lines = []

    def encode(self):
        mem, node = os.path.join(self.root, MEM), os.path.join(self.root, NODE)
        out = []
        bs = read(os.path.join(mem, "block_size_bytes"))
        if bs is not None and b"\n" not in one_line(bs):
            out.append(b"B " + one_line(bs))
        ids, attrs, fwd = [], {}, {}
        for e in sorted(os.listdir(mem)) if os.path.isdir(mem) else []:
            m = re.match(r"^memory([0-9]+)$", e)
            d = os.path.join(mem, e)
            if not m or not os.path.isdir(d):
                continue
            i = int(m.group(1))
            ids.append(i)
            for a in sorted(os.listdir(d)):
                p = os.path.join(d, a)
                nm = re.match(r"^node([0-9]+)$", a)
                if nm:
                    fwd.setdefault(int(nm.group(1)), []).append(i)
                elif os.path.isfile(p) and not os.path.islink(p):
                    v = one_line(read(p, 256) or b"")
                    if b"\n" in v:
                        continue
                    if a == "phys_index" and v == b"%016x" % i:
                        v = b"="
                    attrs.setdefault(a, {})[i] = v
        for lo, hi in runs(sorted(ids)):
            out.append(b"m %d %d" % (lo, hi))
        for a in sorted(attrs):
            for lo, hi, v in value_runs(attrs[a]):
                out.append(b"a %d %d %s %s" % (lo, hi, a.encode(), v))
        for n in sorted(fwd):
            for lo, hi in runs(sorted(fwd[n])):
                out.append(b"n %d %d %d" % (lo, hi, n))
        for e in sorted(os.listdir(node)) if os.path.isdir(node) else []:
            m = re.match(r"^node([0-9]+)$", e)
            p = os.path.join(node, e)
            if m and os.path.isdir(p):
                out.append(b"N %s" % m.group(1).encode())
                back = sorted(int(x[6:]) for x in os.listdir(p)
                              if re.match(r"^memory[0-9]+$", x))
                for lo, hi in runs(back):
                    out.append(b"b %d %d %s" % (lo, hi, m.group(1).encode()))
            elif os.path.isfile(p):
                v = one_line(read(p, 256) or b"")
                if b"\n" not in v:
                    out.append(b"w %s/%s %s" % (NODE.encode(), e.encode(), v))
        for rel in ("sys/module/memory_hotplug/parameters/online_policy",
                    "sys/module/memory_hotplug/parameters/memmap_on_memory",
                    "sys/module/memory_hotplug/parameters/auto_movable_ratio",
                    MEM + "/auto_online_blocks", "proc/sys/kernel/osrelease",
                    "page_size"):
            v = read(os.path.join(self.root, rel), 256)
            if v is not None and b"\n" not in one_line(v):
                out.append(b"w %s %s" % (rel.encode(), one_line(v)))
        for rel in ("proc/iomem", "proc/zoneinfo", "proc/meminfo"):
            v = read(os.path.join(self.root, rel))
            if v:
                body = cut_lines(v, TREE_FILE_CAP)
                if b"\n.\n" not in body:
                    out.append(b"f %s\n%s." % (rel.encode(), body))
        for rules in rules_files(self.root):
            body = cut_lines(read(rules) or b"", TREE_FILE_CAP)
            rel = os.path.relpath(rules, self.root).encode()
            if b"\n.\n" not in body and not body.startswith(b".\n"):
                out.append(b"f %s\n%s." % (rel, body))
        kpf = os.path.join(self.root, "proc/kpageflags")
        if os.path.isfile(kpf):
            out += kpageflags_lines(kpf)
        text = b"\n".join(out) + b"\n"
        return text if len(text) <= TREE_CAP else cut_lines(text, TREE_CAP)


def kpageflags_lines(path, max_lines=24):
    """Runs of equal words of a (sparse) kpageflags as 'k PFN COUNT HEX'."""
    out = []
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        pos = 0
        while pos < size and len(out) < max_lines:
            try:
                pos = os.lseek(f.fileno(), pos, os.SEEK_DATA)
            except OSError:
                break
            f.seek(pos)
            chunk = f.read(1 << 16)
            words = struct.unpack("=%dQ" % (len(chunk) // 8),
                                  chunk[:len(chunk) // 8 * 8])
            i = 0
            while i < len(words) and len(out) < max_lines:
                j = i
                while j < len(words) and words[j] == words[i]:
                    j += 1
                if words[i]:
                    out.append(b"k %d %d %x" % (pos // 8 + i, j - i, words[i]))
                i = j
            pos += max(len(chunk), 8)
    return out


class Corpus:
    def __init__(self, outdir):
        self.outdir = outdir
        self.seen = {}

    def add(self, harness, name, data):
        """One file, named after its source; a duplicate of another is dropped."""
        key = (harness, hashlib.sha1(data).hexdigest())
        if key in self.seen or not data:
            return
        self.seen[key] = name
        d = os.path.join(self.outdir, harness)
        os.makedirs(d, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", name)
        with open(os.path.join(d, safe), "wb") as f:
            f.write(data)


def harvest(corpus, tag, root):
    """Every seed a sysroot gives."""
    tree = Tree(root).encode()
    if tree.strip():
        corpus.add("sysroot", tag, tree)
    mem = os.path.join(root, MEM)
    values = {}
    for dirpath, _dirs, files in os.walk(mem):
        for fn in files:
            if fn in ATTR_SELECT:
                v = one_line(read(os.path.join(dirpath, fn), 256) or b"")
                values.setdefault(fn, set()).add(v)
        for d in _dirs:
            values.setdefault("name", set()).add(d.encode())
    for a in sorted(values):
        for k, v in enumerate(sorted(values[a])[:8]):
            corpus.add("attrs", "%s-%s-%d" % (tag, a, k),
                       bytes([ATTR_SELECT[a]]) + v)
    rel = os.path.join(root, "proc/sys/kernel/osrelease")
    if os.path.isfile(rel):
        corpus.add("attrs", tag + "-osrelease",
                   bytes([ATTR_SELECT["osrelease"]]) + one_line(read(rel, 256)))
    node = os.path.join(root, NODE)
    for mask in ("possible", "online", "has_memory", "has_normal_memory",
                 "has_cpu"):
        v = read(os.path.join(node, mask), 4096)
        if v is not None:
            corpus.add("idlist", "%s-%s" % (tag, mask), one_line(v.rstrip(b"\0")))
    for fn, harness in (("proc/iomem", "iomem"), ("proc/zoneinfo", "zoneinfo"),
                        ("proc/meminfo", "meminfo")):
        v = read(os.path.join(root, fn))
        if v:
            corpus.add(harness, tag, cut_lines(v, TEXT_CAP))
    for p in sorted(glob.glob(os.path.join(node, "node*", "meminfo")))[:2]:
        corpus.add("meminfo", "%s-%s" % (tag, os.path.basename(
            os.path.dirname(p))), cut_lines(read(p), TEXT_CAP))
    for p in rules_files(root):
        corpus.add("udev-rules", "%s-%s" % (tag, os.path.basename(p)),
                   cut_lines(read(p), TEXT_CAP))
    kpf = os.path.join(root, "proc/kpageflags")
    if os.path.isfile(kpf):
        for k, line in enumerate(kpageflags_lines(kpf, 6)):
            pfn, count, word = line.split()[1:]
            words = struct.pack("=Q", int(word, 16)) * min(int(count), 64)
            # range header (first pfn 0, all the words) then the records
            corpus.add("census", "%s-%d" % (tag, k),
                       struct.pack("=QQ", 0, len(words) // 8) + words)


def scenario_seeds(corpus, tmp):
    for scn in sorted(glob.glob(os.path.join(TESTS, "scenarios", "*.scn"))):
        name = os.path.basename(scn)[:-4]
        out = os.path.join(tmp, "scn-" + name)
        with open(scn) as f:
            text = f.read()
        try:
            parsed = mkfixture.generate(text, out, source=scn)
        except (mkfixture.ScenarioError, ValueError, OSError) as e:
            print("mkcorpus: %s: %s" % (scn, e), file=sys.stderr)
            continue
        harvest(corpus, "scn-" + name, out)
        # Sizes and ranges the scenarios type on command lines.
        for ex in getattr(parsed, "expects", []):
            for arg in ex.args:
                if re.match(r"^[0-9]+[KMGTPkmgtp]?(i?B)?$|^0[xX][0-9a-fA-F]+-", arg):
                    corpus.add("units", "scn-%s-%s" % (name, arg), arg.encode())
                if re.match(r"^[0-9][0-9,-]*$", arg):
                    corpus.add("idlist", "scn-%s-arg-%s" % (name, arg), arg.encode())


# Agent configurations: every key, a drop-in amending a [match], errors.
AGENT_CONFIGS = [
    ("full", "[agent]\ntakeover = yes\ntimeout = 2.5\nretries = 0\n[policy]\n"
     "zone = movable\n[match virtio]\nsource = virtio-mem, kmem\nnode = 0,2-3\n"
     "size = 512M-4G\nzone = auto-movable\nratio = 200\nnuma-aware = no\n"
     "[match virtio]\nzone = ignore # later wins\n"),
    ("bad-zone", "[policy]\nzone = sideways\n"),
    ("no-section", "zone = movable\n[bogus]\n"),
]


def static_seeds(corpus):
    """What no capture holds: page classes, sizes, units data of the unit tests."""
    for cls, (word, _kind) in sorted(mkfixture.PAGE_CLASSES.items()):
        words = struct.pack("=Q", word) * 8
        corpus.add("census", "class-" + cls, struct.pack("=QQ", 0, 8) + words)
    for s in ("128M", "4G", "1T", "512MiB", "2GB", "16", "0x0-0x7fffffff",
              "0x100000000-0x17fffffff"):
        corpus.add("units", "size-" + s, s.encode())
    for s in ("1", "30", "0.5", "1e6"):
        corpus.add("attrs", "seconds-" + s, bytes([ATTR_SELECT["seconds"]]) + s.encode())
    for s in ("info", "warning", "error"):
        corpus.add("attrs", "severity-" + s, bytes([ATTR_SELECT["severity"]]) + s.encode())
    for name, text in AGENT_CONFIGS:
        corpus.add("agent-config", name, text.encode())
    with open(os.path.join(TESTS, "..", "doc", "examples", "agent.conf"), "rb") as f:
        corpus.add("agent-config", "example", f.read())
    unit_data = os.path.join(TESTS, "unit", "data")
    for p in sorted(glob.glob(os.path.join(unit_data, "*.txt"))):
        base = os.path.basename(p)[:-4]
        harness = "iomem" if base.startswith("iomem") else "zoneinfo"
        corpus.add(harness, "unit-" + base, cut_lines(read(p), TEXT_CAP))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    # Regenerated files go; hand-written regression inputs stay.
    for p in glob.glob(os.path.join(outdir, "*", "*")):
        if not os.path.basename(p).startswith("issue12-"):
            os.unlink(p)
    corpus = Corpus(outdir)
    with tempfile.TemporaryDirectory(prefix="memtopo-corpus-") as tmp:
        for tb in data_captures():
            tag = mtlib.capture_name(tb).replace("/", "-")
            root = mtlib.unpack(tb, os.path.join(tmp, tag))
            harvest(corpus, tag, root)
            shutil.rmtree(os.path.join(tmp, tag))
        scenario_seeds(corpus, tmp)
    static_seeds(corpus)
    total = 0
    for h in sorted(os.listdir(outdir)):
        files = glob.glob(os.path.join(outdir, h, "*"))
        size = sum(os.path.getsize(f) for f in files)
        total += size
        print("%-12s %4d files %7d bytes" % (h, len(files), size))
    print("%-12s %4s       %7d bytes" % ("total", "", total))


if __name__ == "__main__":
    main()
