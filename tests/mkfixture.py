#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn a scenario (tests/scenarios/FORMAT.md) into a sysroot tree.

    mkfixture.py SCENARIO.scn OUTDIR      (SCENARIO may be '-' for stdin)

Importable: generate(text, outdir) parses and writes in one call;
parse(text) returns a Scenario (run-scenario.py reads its `expects`).

Speed matters (the benchmark builds 65,536-block machines): no subprocess,
and every file is created relative to a directory fd (os.open/os.mkdir/
os.symlink with dir_fd), so the kernel never walks the full path again.
proc/kpageflags (the `pages` directive) is a sparse file: one bytes object
per distinct page description, pwritten at each described block's offset.
"""

import codecs
import os
import re
import shlex
import struct
import sys

__all__ = ["ScenarioError", "Scenario", "parse", "write_tree", "generate",
           "parse_size", "PAGE_CLASSES", "page_class_word", "block_pages"]

MEMORY_DIR = "sys/devices/system/memory"
NODE_DIR = "sys/devices/system/node"
PARAM_DIR = "sys/module/memory_hotplug/parameters"

BLOCK_ATTRS = ("state", "online", "valid_zones", "removable", "phys_index",
               "phys_device")
BLOCK_KEYS = ("state", "zones", "node", "forward", "backlinks", "online",
              "phys_index", "removable", "phys_device", "missing")
_SUFFIX = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40,
           "P": 1 << 50}
_NAME_RE = re.compile(r"^[A-Za-z0-9_.+-]+$")

# ------------------------------------------------------- page census classes
# /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h; 32 and up
# are the kernel-internal ones root sees).
KPF = {"LOCKED": 0, "ERROR": 1, "REFERENCED": 2, "UPTODATE": 3, "DIRTY": 4,
       "LRU": 5, "ACTIVE": 6, "SLAB": 7, "WRITEBACK": 8, "RECLAIM": 9,
       "BUDDY": 10, "MMAP": 11, "ANON": 12, "SWAPCACHE": 13, "SWAPBACKED": 14,
       "COMPOUND_HEAD": 15, "COMPOUND_TAIL": 16, "HUGE": 17,
       "UNEVICTABLE": 18, "HWPOISON": 19, "NOPAGE": 20, "KSM": 21, "THP": 22,
       "OFFLINE": 23, "ZERO_PAGE": 24, "IDLE": 25, "PGTABLE": 26,
       "RESERVED": 32, "MLOCKED": 33, "MAPPEDTODISK": 34, "PRIVATE": 35}
DEFAULT_PAGE_SIZE = 4096
COMPOUND_BYTES = 2 << 20        # thp / hugetlb: a head page every 2 MiB


def _w(*names):
    v = 0
    for n in names:
        v |= 1 << KPF[n]
    return v


# class -> (flag word, census class memtopo should count it in); compound
# classes also have a tail word (PAGE_TAIL). Keep FORMAT.md in sync.
PAGE_CLASSES = {
    "free": (_w("BUDDY"), "free"),
    "lru": (_w("LRU", "UPTODATE", "MAPPEDTODISK"), "movable"),
    "file": (_w("LRU", "UPTODATE", "MAPPEDTODISK", "MMAP", "REFERENCED"),
             "movable"),
    "anon": (_w("ANON", "SWAPBACKED", "LRU", "MMAP", "UPTODATE"), "movable"),
    "swapcache": (_w("SWAPCACHE", "SWAPBACKED", "LRU", "UPTODATE"),
                  "movable"),
    "ksm": (_w("KSM", "ANON", "LRU", "MMAP", "UPTODATE"), "movable"),
    "buffers": (_w("UPTODATE", "PRIVATE"), "movable"),
    "thp": (_w("THP", "COMPOUND_HEAD", "ANON", "SWAPBACKED", "LRU", "MMAP",
               "UPTODATE"), "huge"),
    "hugetlb": (_w("HUGE", "COMPOUND_HEAD"), "huge"),
    "slab": (_w("SLAB"), "unmovable"),
    "pgtable": (_w("PGTABLE"), "unmovable"),
    "reserved": (_w("RESERVED"), "unmovable"),
    # mlocked pages on the LRU migrate (measured); off it they stay put
    "unevictable": (_w("UNEVICTABLE", "MLOCKED", "LRU"), "movable"),
    "pinned": (_w("UNEVICTABLE", "MLOCKED"), "unmovable"),
    "hwpoison": (_w("HWPOISON"), "unmovable"),
    "balloon": (_w("OFFLINE"), "unmovable"),
    "nopage": (_w("NOPAGE"), "unknown"),
    "zero": (0, "unknown"),
}
PAGE_TAIL = {
    "thp": _w("THP", "COMPOUND_TAIL", "ANON", "SWAPBACKED", "MMAP"),
    "hugetlb": _w("HUGE", "COMPOUND_TAIL"),
}
_RAW_CLASS_RE = re.compile(r"^0[xX][0-9a-fA-F]{1,16}$")


def page_class_word(cls):
    """The flag word of CLASS (a name or 0xHEX); a compound class's head."""
    if _RAW_CLASS_RE.match(cls):
        return int(cls, 16)
    return PAGE_CLASSES[cls][0]


def _class_run(cls, count, page_size):
    """COUNT pages of CLASS as native-endian u64s (bytes)."""
    head = struct.pack("=Q", page_class_word(cls))
    tail = PAGE_TAIL.get(cls)
    if tail is None:
        return head * count
    order = max(COMPOUND_BYTES // page_size, 1)
    unit = head + struct.pack("=Q", tail) * (order - 1)
    whole, part = divmod(count, order)
    return unit * whole + unit[:part * 8]


def block_pages(spec, page_size):
    """The kpageflags bytes of one block described by SPEC ((class, count)
    pairs, counts resolved)."""
    return b"".join(_class_run(c, n, page_size) for c, n in spec if n)


def _parse_page_specs(words):
    """['free:10,slab:2', 'lru'] -> [('free', 10), ('slab', 2),
    ('lru', None)]"""
    out = []
    for w in words:
        for item in w.split(","):
            if not item:
                raise ValueError("empty page class in %r" % w)
            cls, sep, count = item.partition(":")
            if cls not in PAGE_CLASSES and not _RAW_CLASS_RE.match(cls):
                raise ValueError("unknown page class %r (known: %s, or 0xHEX)"
                                 % (cls, ", ".join(PAGE_CLASSES)))
            if sep:
                if not re.match(r"^[0-9]+$", count):
                    raise ValueError("bad page count %r in %r" % (count, item))
                out.append((cls, int(count)))
            else:
                out.append((cls, None))
    if not out:
        raise ValueError("usage: pages RANGE CLASS[:COUNT][,CLASS[:COUNT]...]")
    if sum(1 for _, n in out if n is None) > 1:
        raise ValueError("only one page class may go without a count (it "
                         "takes the pages the others leave)")
    return out


def _resolve_page_specs(spec, per_block):
    """Counts for one block of PER_BLOCK pages; ValueError when they do
    not add up to exactly that."""
    given = sum(n for _, n in spec if n is not None)
    if given > per_block:
        raise ValueError("page counts add up to %d, more than the %d pages of "
                         "a block" % (given, per_block))
    if all(n is not None for _, n in spec):
        if given != per_block:
            raise ValueError("page counts add up to %d, not the %d pages of a "
                             "block (leave one class without a count to fill "
                             "the rest)" % (given, per_block))
        return tuple(spec)
    return tuple((c, per_block - given if n is None else n) for c, n in spec)


class ScenarioError(Exception):
    """A malformed scenario; str() is 'SOURCE:LINE: message'."""

    def __init__(self, source, lineno, msg):
        self.source, self.lineno, self.msg = source, lineno, msg
        super().__init__("%s:%s: %s" % (source, lineno, msg))


class Expect:
    def __init__(self, name, exit_status, args, lineno):
        self.name, self.exit, self.args, self.lineno = \
            name, exit_status, args, lineno

    def __repr__(self):
        return "Expect(%r, %r, %r)" % (self.name, self.exit, self.args)


class Scenario:
    def __init__(self, source):
        self.source = source
        self.block_size = None          # int, or None (file absent)
        self.block_size_raw = None      # verbatim text, wins over block_size
        self.auto_online = None
        self.params = {}                # name -> value
        self.nodes_none = False
        self.nodes = set()              # node ids declared with `node K`
        self.node_masks = {}            # name -> text ('' for empty)
        self.blocks = {}                # id -> {key: value} (overrides merged)
        self.extras = []                # (kind, lineno, args...) in order
        self.iomem = []                 # proc/iomem lines
        self.expects = []               # [Expect]
        self.page_size = None           # `page-size`: int (file page_size)
        self.pages = {}                 # block id -> ((class, count), ...)
        self.kpf_truncate = None        # `kpageflags-truncate`: bytes
        self.kpf_mode = None            # `kpageflags-mode`: int
        self.kpf_lineno = None          # first line that asks for the file

    def pages_per_block(self):
        return self.block_size // (self.page_size or DEFAULT_PAGE_SIZE)

    def wants_kpageflags(self):
        return bool(self.pages) or self.kpf_truncate is not None or \
            self.kpf_mode is not None


def parse_size(text):
    """'128M', '2G', '0x8000000', '134217728' -> bytes (binary suffixes)."""
    m = re.match(r"^(0[xX][0-9a-fA-F]+|[0-9]+)([KMGTPkmgtp]?)$", text)
    if not m:
        raise ValueError("bad size %r (want e.g. 128M, 2G, 0x8000000)" % text)
    num = int(m.group(1), 16) if m.group(1)[:2].lower() == "0x" \
        else int(m.group(1))
    return num * _SUFFIX[m.group(2).upper()]


def _int(text):
    return int(text, 16) if text[:2].lower() == "0x" else int(text, 10)


def _parse_range(text):
    m = re.match(r"^(0[xX][0-9a-fA-F]+|[0-9]+)(?:-(0[xX][0-9a-fA-F]+|[0-9]+))?$",
                 text)
    if not m:
        raise ValueError("bad block range %r (want N or N-M)" % text)
    lo = _int(m.group(1))
    hi = _int(m.group(2)) if m.group(2) else lo
    if hi < lo:
        raise ValueError("empty block range %r" % text)
    return lo, hi


def _strip_comment(rest):
    """Drop a trailing '# ...' that follows whitespace (verbatim directives)."""
    m = re.search(r"(^|\s)#", rest)
    if m:
        rest = rest[:m.start()]
    return rest.rstrip()


def _cut_comment(line):
    """Drop '# ...' that starts the line or follows whitespace, outside
    quotes (so `zones=a#b` and `state="x # y"` keep their '#')."""
    quote = None
    prev = " "
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if quote:
            if c == quote:
                quote = None
            elif c == "\\" and quote == '"':
                i += 1                  # skip the escaped character
        elif c in "'\"":
            quote = c
        elif c == "#" and prev in " \t":
            return line[:i]
        prev = c
        i += 1
    return line


def _split(line):
    return shlex.split(_cut_comment(line), comments=False)


def _safe_relpath(path):
    """A tree-relative path that cannot leave the sysroot."""
    if not path or path.startswith("/"):
        raise ValueError("path %r must be relative to the sysroot" % path)
    norm = os.path.normpath(path)
    if norm == "." or norm.startswith("..") or "/../" in "/" + norm + "/":
        raise ValueError("path %r leaves the sysroot" % path)
    return norm


def _check_link_target(path, target):
    """Refuse links that point outside the tree: a test must never reach the
    real /sys through a fixture (memtopo writes to state files)."""
    if target.startswith("/"):
        raise ValueError("link target %r is absolute: it would point outside "
                         "the sysroot" % target)
    resolved = os.path.normpath(os.path.join(os.path.dirname(path), target))
    if resolved == ".." or resolved.startswith("../"):
        raise ValueError("link target %r leaves the sysroot" % target)


def _parse_block_kv(scn, words, lineno, err):
    kv = {}
    for w in words:
        if "=" not in w:
            raise err("expected key=value, got %r" % w)
        key, val = w.split("=", 1)
        if key not in BLOCK_KEYS:
            raise err("unknown block key %r (known: %s)"
                      % (key, ", ".join(BLOCK_KEYS)))
        if key in kv:
            raise err("key %r given twice" % key)
        if key == "zones":
            # '' -> an empty valid_zones file (extension)
            kv[key] = val.split(",") if val else []
            if any(not z for z in kv[key]):
                raise err("empty zone name in %r" % w)
        elif key == "node":
            if val in ("", "-"):
                kv[key] = []            # extension: no node link
            else:
                try:
                    kv[key] = sorted({_int(x) for x in val.split(",")})
                except ValueError:
                    raise err("bad node list %r" % val) from None
        elif key in ("forward", "backlinks"):
            if val not in ("yes", "no"):
                raise err("%s must be yes or no, got %r" % (key, val))
            kv[key] = (val == "yes")
        elif key == "missing":
            names = [x for x in val.split(",") if x]
            for n in names:
                if n not in BLOCK_ATTRS:
                    raise err("missing=%s: unknown attribute (known: %s)"
                              % (n, ", ".join(BLOCK_ATTRS)))
            kv[key] = frozenset(names)
        else:
            kv[key] = val
    return kv


def parse(text, source="<scenario>"):
    """Parse scenario text into a Scenario; raise ScenarioError."""
    scn = Scenario(source)
    page_lines = []                     # (lineno, lo, hi, spec) of `pages`
    lines = text.split("\n")
    i = 0
    n = len(lines)
    while i < n:
        lineno = i + 1
        raw = lines[i]
        i += 1

        def err(msg, _l=lineno):
            return ScenarioError(source, _l, msg)

        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        directive, _, rest = stripped.partition(" ")
        directive = directive.rstrip("\t")

        # Directives whose argument is the verbatim rest of the line.
        if directive == "iomem":
            # everything after 'iomem ' with leading spaces kept
            body = raw.lstrip()[len("iomem"):]
            body = body[1:] if body[:1] in (" ", "\t") else body
            body = _strip_comment(body)
            if not body.strip():
                raise err("iomem needs a line")
            scn.iomem.append(body)
            continue
        if directive == "block-size-raw":
            body = _strip_comment(rest.lstrip())
            scn.block_size_raw = body
            continue
        if directive == "file-raw":
            # extension: PATH, then the rest of the line verbatim with Python
            # escapes (\n, \0, \xNN); exact bytes, no newline added
            path, _, body = rest.strip().partition(" ")
            if not path:
                raise err("usage: file-raw PATH TEXT")
            try:
                path = _safe_relpath(path)
                content = codecs.decode(body, "unicode_escape")
                content = content.encode("latin-1")
            except (ValueError, UnicodeError) as e:
                raise err(str(e)) from None
            scn.extras.append(("file", lineno, path, content))
            continue
        if directive == "file":
            try:
                words = _split(rest)
            except ValueError as e:
                raise err(str(e)) from None
            if len(words) != 1:
                raise err("usage: file PATH (then the content, then 'end')")
            try:
                path = _safe_relpath(words[0])
            except ValueError as e:
                raise err(str(e)) from None
            body = []
            while i < n and lines[i].rstrip() != "end":
                body.append(lines[i])
                i += 1
            if i >= n:
                raise err("'file %s' has no closing 'end' line" % words[0])
            i += 1
            content = ("\n".join(body) + "\n") if body else ""
            scn.extras.append(("file", lineno, path, content.encode()))
            continue

        try:
            words = _split(stripped)
        except ValueError as e:
            raise err("cannot split line: %s" % e) from None
        if not words:
            continue
        directive, args = words[0], words[1:]

        if directive == "block-size":
            if len(args) != 1:
                raise err("usage: block-size SIZE")
            try:
                scn.block_size = parse_size(args[0])
            except ValueError as e:
                raise err(str(e)) from None
            if scn.block_size <= 0:
                raise err("block size must be positive")
        elif directive == "auto-online":
            if len(args) != 1:
                raise err("usage: auto-online VALUE")
            scn.auto_online = args[0]
        elif directive == "param":
            if len(args) != 2:
                raise err("usage: param NAME VALUE")
            if not _NAME_RE.match(args[0]):
                raise err("bad parameter name %r" % args[0])
            scn.params[args[0]] = args[1]
        elif directive == "nodes":
            if args != ["none"]:
                raise err("usage: nodes none")
            if scn.nodes or scn.node_masks:
                raise err("'nodes none' after node directives")
            scn.nodes_none = True
        elif directive == "node":
            if not args:
                raise err("usage: node K [K...]")
            if scn.nodes_none:
                raise err("'node' contradicts 'nodes none'")
            try:
                scn.nodes.update(_int(a) for a in args)
            except ValueError:
                raise err("bad node id in %r" % " ".join(args)) from None
        elif directive == "node-mask":
            if len(args) != 2:
                raise err("usage: node-mask NAME LIST ('-' for empty)")
            if scn.nodes_none:
                raise err("'node-mask' contradicts 'nodes none'")
            if not _NAME_RE.match(args[0]):
                raise err("bad mask name %r" % args[0])
            scn.node_masks[args[0]] = "" if args[1] == "-" else args[1]
        elif directive == "memory":
            if not args:
                raise err("usage: memory RANGE [key=value ...]")
            try:
                lo, hi = _parse_range(args[0])
            except ValueError as e:
                raise err(str(e)) from None
            kv = _parse_block_kv(scn, args[1:], lineno, err)
            blocks = scn.blocks
            for b in range(lo, hi + 1):
                d = blocks.get(b)
                if d is None:
                    blocks[b] = dict(kv)
                else:
                    d.update(kv)
        elif directive == "link":
            if len(args) != 2:
                raise err("usage: link PATH TARGET")
            try:
                path = _safe_relpath(args[0])
                _check_link_target(path, args[1])
            except ValueError as e:
                raise err(str(e)) from None
            scn.extras.append(("link", lineno, path, args[1]))
        elif directive == "dir":
            if len(args) != 1:
                raise err("usage: dir PATH")
            try:
                path = _safe_relpath(args[0])
            except ValueError as e:
                raise err(str(e)) from None
            scn.extras.append(("dir", lineno, path))
        elif directive == "remove":
            # extension: delete a generated file or symlink
            if len(args) != 1:
                raise err("usage: remove PATH")
            try:
                path = _safe_relpath(args[0])
            except ValueError as e:
                raise err(str(e)) from None
            scn.extras.append(("remove", lineno, path))
        elif directive == "page-size":
            # extension: <sysroot>/page_size, and the PFN arithmetic of pages
            if len(args) != 1:
                raise err("usage: page-size BYTES (4096, 16K, 64K)")
            try:
                ps = parse_size(args[0])
            except ValueError as e:
                raise err(str(e)) from None
            if ps < 4096 or ps & (ps - 1):
                raise err("page size %d is not a power of two >= 4096" % ps)
            scn.page_size = ps
        elif directive == "pages":
            # extension: the kpageflags of every page of the blocks in RANGE
            if len(args) < 2:
                raise err("usage: pages RANGE "
                          "CLASS[:COUNT][,CLASS[:COUNT]...]")
            try:
                lo, hi = _parse_range(args[0])
                spec = _parse_page_specs(args[1:])
            except ValueError as e:
                raise err(str(e)) from None
            page_lines.append((lineno, lo, hi, spec))
            if scn.kpf_lineno is None:
                scn.kpf_lineno = lineno
        elif directive == "kpageflags-truncate":
            if len(args) != 1:
                raise err("usage: kpageflags-truncate BYTES")
            try:
                scn.kpf_truncate = parse_size(args[0])
            except ValueError as e:
                raise err(str(e)) from None
            if scn.kpf_lineno is None:
                scn.kpf_lineno = lineno
        elif directive == "kpageflags-mode":
            if len(args) != 1 or not re.match(r"^[0-7]{1,4}$", args[0]):
                raise err("usage: kpageflags-mode OCTAL (e.g. 0000)")
            scn.kpf_mode = int(args[0], 8)
            if scn.kpf_lineno is None:
                scn.kpf_lineno = lineno
        elif directive == "expect":
            if len(args) < 2:
                raise err("usage: expect NAME EXIT ARGS...")
            name = args[0]
            if not _NAME_RE.match(name):
                raise err("bad expect name %r" % name)
            if any(e.name == name for e in scn.expects):
                raise err("expect name %r used twice" % name)
            try:
                status = int(args[1])
            except ValueError:
                raise err("expect EXIT must be a number, got %r"
                          % args[1]) from None
            scn.expects.append(Expect(name, status, args[2:], lineno))
        else:
            raise err("unknown directive %r" % directive)
    _resolve_pages(scn, page_lines)
    return scn


def _resolve_pages(scn, page_lines):
    """Counts of every `pages` line, now that block-size and page-size are
    known (they may come later in the file). A later line for a block
    replaces an earlier one."""
    if scn.kpf_lineno is None:
        return
    if scn.block_size is None or scn.block_size_raw is not None:
        raise ScenarioError(scn.source, scn.kpf_lineno,
                            "kpageflags needs a 'block-size' line (not "
                            "block-size-raw): page frame numbers come from it")
    ps = scn.page_size or DEFAULT_PAGE_SIZE
    if scn.block_size % ps:
        raise ScenarioError(scn.source, scn.kpf_lineno,
                            "block size %d is not a multiple of the page size "
                            "%d" % (scn.block_size, ps))
    per_block = scn.block_size // ps
    for lineno, lo, hi, spec in page_lines:
        try:
            resolved = _resolve_page_specs(spec, per_block)
        except ValueError as e:
            raise ScenarioError(scn.source, lineno, str(e)) from None
        for b in range(lo, hi + 1):
            scn.pages[b] = resolved


# ---------------------------------------------------------------- writing

_WFLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) \
    | getattr(os, "O_NOFOLLOW", 0)
_DFLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def _write_at(dirfd, name, data, mode=0o644):
    fd = os.open(name, _WFLAGS, mode, dir_fd=dirfd)
    try:
        if data:
            os.write(fd, data)
    finally:
        os.close(fd)


def _makedirs_fd(root, path):
    """mkdir -p ROOT/PATH; return an fd on it."""
    fd = os.open(root, _DFLAGS)
    try:
        for part in path.split("/"):
            if not part:
                continue
            try:
                os.mkdir(part, 0o755, dir_fd=fd)
            except FileExistsError:
                pass
            nfd = os.open(part, _DFLAGS, dir_fd=fd)
            os.close(fd)
            fd = nfd
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_outdir(outdir):
    real = os.path.realpath(outdir)
    under = lambda p: real == p or real.startswith(p + "/")  # noqa: E731
    if real == "/" or under("/sys") or under("/proc") or \
            (under("/dev") and not under("/dev/shm")):
        raise ValueError("refusing to write a fixture into %s" % real)
    for sub in ("sys", "proc"):
        if os.path.lexists(os.path.join(outdir, sub)):
            raise ValueError("%s already exists: use an empty directory"
                             % os.path.join(outdir, sub))


def write_tree(scn, outdir):
    """Write the sysroot tree described by scn under outdir."""
    _check_outdir(outdir)
    os.makedirs(outdir, exist_ok=True)
    root = os.path.realpath(outdir)

    # --- memory/
    memfd = _makedirs_fd(root, MEMORY_DIR)
    try:
        if scn.block_size_raw is not None:
            _write_at(memfd, "block_size_bytes",
                      (scn.block_size_raw + "\n").encode(), 0o444)
        elif scn.block_size is not None:
            _write_at(memfd, "block_size_bytes",
                      ("%x\n" % scn.block_size).encode(), 0o444)
        if scn.auto_online is not None:
            _write_at(memfd, "auto_online_blocks",
                      (scn.auto_online + "\n").encode())

        backlinks = {}                      # node -> [block ids]
        for b in sorted(scn.blocks):
            kv = scn.blocks[b]
            name = "memory%d" % b
            os.mkdir(name, 0o755, dir_fd=memfd)
            bfd = os.open(name, _DFLAGS, dir_fd=memfd)
            try:
                missing = kv.get("missing", ())
                state = kv.get("state", "online")
                if "state" not in missing:
                    _write_at(bfd, "state", (state + "\n").encode())
                if "online" not in missing:
                    online = kv.get("online",
                                    "1" if state == "online" else "0")
                    _write_at(bfd, "online", (online + "\n").encode())
                zones = kv.get("zones")
                if zones is not None and "valid_zones" not in missing:
                    _write_at(bfd, "valid_zones",
                              (" ".join(zones) + "\n").encode(), 0o444)
                if "removable" not in missing:
                    _write_at(bfd, "removable",
                              (kv.get("removable", "1") + "\n").encode(),
                              0o444)
                if "phys_index" not in missing:
                    _write_at(bfd, "phys_index",
                              (kv.get("phys_index", "%08x" % b) + "\n")
                              .encode(), 0o444)
                if "phys_device" not in missing:
                    _write_at(bfd, "phys_device",
                              (kv.get("phys_device", "0") + "\n").encode(),
                              0o444)
                nodes = kv.get("node", ())
                if nodes and kv.get("forward", True):
                    for k in nodes:
                        os.symlink("../../node/node%d" % k, "node%d" % k,
                                   dir_fd=bfd)
                if nodes and kv.get("backlinks", True) and not scn.nodes_none:
                    for k in nodes:
                        backlinks.setdefault(k, []).append(b)
            finally:
                os.close(bfd)
    finally:
        os.close(memfd)

    # --- node/
    if not scn.nodes_none:
        nodefd = _makedirs_fd(root, NODE_DIR)
        try:
            for name, text in sorted(scn.node_masks.items()):
                _write_at(nodefd, name, (text + "\n").encode(), 0o444)
            wanted = set(scn.nodes)
            for kv in scn.blocks.values():
                wanted.update(kv.get("node", ()))
            for k in sorted(wanted):
                os.mkdir("node%d" % k, 0o755, dir_fd=nodefd)
            for k, blist in sorted(backlinks.items()):
                kfd = os.open("node%d" % k, _DFLAGS, dir_fd=nodefd)
                try:
                    for b in blist:
                        os.symlink("../../memory/memory%d" % b,
                                   "memory%d" % b, dir_fd=kfd)
                finally:
                    os.close(kfd)
        finally:
            os.close(nodefd)

    # --- module parameters
    if scn.params:
        pfd = _makedirs_fd(root, PARAM_DIR)
        try:
            for name, val in sorted(scn.params.items()):
                _write_at(pfd, name, (val + "\n").encode())
        finally:
            os.close(pfd)

    # --- proc/iomem
    if scn.iomem:
        pfd = _makedirs_fd(root, "proc")
        try:
            _write_at(pfd, "iomem",
                      ("\n".join(scn.iomem) + "\n").encode(), 0o444)
        finally:
            os.close(pfd)

    # --- page_size, proc/kpageflags
    if scn.page_size is not None:
        rfd = os.open(root, _DFLAGS)
        try:
            _write_at(rfd, "page_size", ("%d\n" % scn.page_size).encode(),
                      0o444)
        finally:
            os.close(rfd)
    if scn.wants_kpageflags():
        _write_kpageflags(scn, root)

    # --- arbitrary content, in file order, after the generated tree
    for item in scn.extras:
        kind, lineno, path = item[0], item[1], item[2]
        full = os.path.join(root, path)
        try:
            parent = os.path.dirname(path)
            if kind == "dir":
                os.close(_makedirs_fd(root, path))
                continue
            if parent:
                os.close(_makedirs_fd(root, parent))
            if kind == "remove":
                if os.path.isdir(full) and not os.path.islink(full):
                    raise ValueError("remove %s: is a directory" % path)
                os.unlink(full)
                continue
            if os.path.lexists(full) and (os.path.islink(full)
                                          or not os.path.isdir(full)):
                os.unlink(full)
            if kind == "link":
                os.symlink(item[3], full)
            elif kind == "file":
                with open(full, "wb") as f:
                    f.write(item[3])
        except (OSError, ValueError) as e:
            raise ScenarioError(scn.source, lineno, str(e)) from None
    return root


def kpageflags_size(scn):
    """The file's length before kpageflags-truncate: every page frame up to
    the end of the highest block named by `memory` or `pages` (the kernel's
    max_pfn), 8 bytes each."""
    top = max(list(scn.blocks) + list(scn.pages), default=-1) + 1
    return top * scn.pages_per_block() * 8


def _write_kpageflags(scn, root):
    """Sparse: only the blocks a `pages` line describes are written; holes
    read as zeros (no flags)."""
    ps = scn.page_size or DEFAULT_PAGE_SIZE
    per_block = scn.pages_per_block()
    pfd = _makedirs_fd(root, "proc")
    try:
        fd = os.open("kpageflags", _WFLAGS, 0o400, dir_fd=pfd)
        try:
            cache = {}
            for b in sorted(scn.pages):
                spec = scn.pages[b]
                data = cache.get(spec)
                if data is None:
                    data = cache[spec] = block_pages(spec, ps)
                if not any(c != "zero" for c, n in spec if n):
                    continue            # all zeros: leave the hole
                off = b * per_block * 8
                view = memoryview(data)
                while view:
                    n = os.pwrite(fd, view, off)
                    view, off = view[n:], off + n
            size = scn.kpf_truncate if scn.kpf_truncate is not None \
                else kpageflags_size(scn)
            os.ftruncate(fd, size)
            if scn.kpf_mode is not None:
                os.fchmod(fd, scn.kpf_mode)
        finally:
            os.close(fd)
    finally:
        os.close(pfd)


def generate(text, outdir, source="<scenario>"):
    """Parse scenario text and write its tree under outdir; return the
    Scenario."""
    scn = parse(text, source)
    write_tree(scn, outdir)
    return scn


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: mkfixture.py SCENARIO.scn|- OUTDIR\n")
        return 2
    src, outdir = argv
    try:
        if src == "-":
            text, source = sys.stdin.read(), "<stdin>"
        else:
            with open(src, encoding="utf-8") as f:
                text, source = f.read(), src
        generate(text, outdir, source)
    except ScenarioError as e:
        sys.stderr.write("mkfixture: %s\n" % e)
        return 1
    except (OSError, ValueError) as e:
        sys.stderr.write("mkfixture: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
