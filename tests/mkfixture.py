#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn a scenario (tests/scenarios/FORMAT.md) into a sysroot tree.

    mkfixture.py SCENARIO.scn OUTDIR      (SCENARIO may be '-' for stdin)

Importable: generate(text, outdir) parses and writes in one call;
parse(text) returns a Scenario (run-scenario.py reads its `expects`).

Speed matters (the benchmark builds 65,536-block machines): no subprocess,
and every file is created relative to a directory fd (os.open/os.mkdir/
os.symlink with dir_fd), so the kernel never walks the full path again.
"""

import codecs
import os
import re
import shlex
import sys

__all__ = ["ScenarioError", "Scenario", "parse", "write_tree", "generate",
           "parse_size"]

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
    return scn


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
