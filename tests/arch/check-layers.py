#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The layering rule of ARCHITECTURE.md, read off the built objects.

    check-layers.py SRCDIR NM LIBSHARED LIBCORE LIBCLI

From the symbol tables of the three static libraries (nm), it fails when
- an object uses a symbol defined in a layer above its own
  (shared < core < cli),
- the modules form a cycle (module: a header X.h and its sources X.c,
  X-*.c in the same folder; the longest such prefix wins),
- a source file belongs to no header (every module has one), or
- a module exports a symbol its header (or X-internal.h) does not name.
Exit 0 pass, 1 fail; every problem is one line.
"""
import os
import re
import subprocess
import sys

LAYERS = ("shared", "core", "cli")


def module_of(srcdir, layer, stem):
    """The longest '-'-separated prefix of stem that has a header beside it."""
    parts = stem.split("-")
    for n in range(len(parts), 0, -1):
        name = "-".join(parts[:n])
        if os.path.exists(os.path.join(srcdir, layer, name + ".h")):
            return name
    return None


def read_lib(nm, path):
    """{member: (defined set, undefined set)} from `nm -A`."""
    out = subprocess.run([nm, "-A", path], check=True, capture_output=True,
                         text=True).stdout
    members = {}
    for line in out.splitlines():
        m = re.match(r"^[^:]+:([^:]+):\s*(?:[0-9a-f]+)?\s+([A-Za-z])\s+(\S+)$", line)
        if not m:
            continue
        member, kind, sym = m.groups()
        if sym.startswith("__"):
            continue  # the compiler's own (__odr_asan.*, __asan_*, __stack_chk_fail)
        defined, undefined = members.setdefault(member, (set(), set()))
        if kind == "U":
            undefined.add(sym)
        elif kind.isupper():
            defined.add(sym)
    return members


def find_cycle(graph):
    """One cycle in a {node: set(nodes)} graph as a list, or None."""
    colour, stack = {}, []

    def visit(n):
        colour[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if colour.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in colour:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        colour[n] = 2
        return None

    for n in sorted(graph):
        if n not in colour:
            found = visit(n)
            if found:
                return found
    return None


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    srcdir, nm = sys.argv[1], sys.argv[2]
    problems = []
    owner = {}    # symbol -> (layer, module)
    objects = []  # (layer, module, member, undefined)
    exports = {}  # (layer, module) -> symbols
    for layer, lib in zip(LAYERS, sys.argv[3:]):
        for member, (defined, undefined) in sorted(read_lib(nm, lib).items()):
            member = os.path.basename(member)
            stem = member.rsplit(".c.o", 1)[0]
            module = module_of(srcdir, layer, stem)
            if module is None:
                problems.append("src/%s/%s.c: no header %s.h (or of a prefix) declares "
                                "its module" % (layer, stem, stem))
                module = stem
            for sym in defined:
                owner[sym] = (layer, module)
            exports.setdefault((layer, module), set()).update(defined)
            objects.append((layer, module, member, undefined))

    graph = {}
    for layer, module, member, undefined in objects:
        for sym in sorted(undefined):
            if sym not in owner:
                continue  # libc, json-c, libsmartcols ...
            to_layer, to_module = owner[sym]
            if LAYERS.index(to_layer) > LAYERS.index(layer):
                problems.append("src/%s/%s uses %s from src/%s/%s: %s may not reach up "
                                "into %s" % (layer, member.replace(".o", ""), sym,
                                             to_layer, to_module, layer, to_layer))
            if (to_layer, to_module) != (layer, module):
                graph.setdefault("%s/%s" % (layer, module), set()).add(
                    "%s/%s" % (to_layer, to_module))
    cycle = find_cycle(graph)
    if cycle:
        problems.append("modules depend on each other in a cycle: " + " -> ".join(cycle))

    for (layer, module), syms in sorted(exports.items()):
        text = ""
        for h in (module + ".h", module + "-internal.h"):
            p = os.path.join(srcdir, layer, h)
            if os.path.exists(p):
                text += open(p, encoding="utf-8").read()
        for sym in sorted(syms):
            if not re.search(r"\b%s\b" % re.escape(sym), text):
                problems.append("src/%s/%s: exports %s, which %s.h does not declare"
                                % (layer, module, sym, module))

    for p in problems:
        print(p)
    nmods = len(exports)
    nedges = sum(len(v) for v in graph.values())
    print("%d modules, %d dependencies between them, %d problem(s)"
          % (nmods, nedges, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
