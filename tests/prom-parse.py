#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A strict parser of the Prometheus text exposition format (0.0.4), and the
test of `memtopo check --format prometheus` built on it.

    prom-parse.py FILE|-                    parse; print the families, or
                                            the first error (exit 1)
    prom-parse.py --self-test               the parser accepts and rejects
                                            what it must
    prom-parse.py --check MEMTOPO SCN...    the memtopo test (runs the
                                            self-test first)

What the parser enforces (a violation is an error naming the line):
  - UTF-8 text, "\\n" line ends, the last line ended, no "\\r", no blank
    lines made of spaces, no leading or trailing blanks on a line;
  - "# HELP name text" (text escapes \\\\ and \\n only) and
    "# TYPE name counter|gauge|histogram|summary|untyped", each at most once
    per family and before the family's first sample; other "# ..." lines
    are comments;
  - samples `name{label="value",...} value [timestamp]`: metric names
    [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* not
    starting with "__", no label twice, label values escaped (\\\\, \\",
    \\n only; a raw '"' or '\\' is an error), one space before the value,
    values as Go's ParseFloat reads them (decimal, NaN, [+-]Inf), integer
    timestamps;
  - one group per family: once another family's lines start, the family
    may not come back; histogram/summary samples (_bucket, _sum, _count)
    belong to their base family;
  - no duplicate series (same name, same label set).

The --check mode, for each scenario (tests/scenarios/*.scn format): build
the tree, run `memtopo --sysroot DIR check --format prometheus` and
`check -J` with the same options (none; --severity warning; --only and
--skip lists), and `list -J -a`, then assert:
  - the output parses strictly; the families memtopo_check_findings
    {id,severity}, memtopo_memory_bytes{node,zone,state} and
    memtopo_check_status (no labels, one sample) exist, typed gauge, with
    HELP, and carry exactly those labels;
  - both runs exit with the same status, memtopo_check_status is it, and
    it is the JSON "status" (ok 0, warning 1, error 2);
  - memtopo_check_findings{id,severity} is the number of JSON findings of
    that id and severity, for every check id `memtopo help check` lists
    (every check selected by --only/--skip has a series at its table
    severity when that is at or above --severity; no series for ids that
    were not selected or for severities below --severity; ids and
    severities are known ones; notes such as evidence-missing are not
    checks and get no series);
  - memtopo_memory_bytes: no series says 0 bytes (a series exists only for
    blocks that exist); when list -J works, the samples summed per
    (node, state) and per (node, zone, state) are the blocks' sizes from
    list -J -a (node "1,2" for a block linked to two nodes, "" for none;
    zone "" for an offline block, its one valid_zones token for others,
    "unknown" otherwise), and all of them sum to blocks_checked * block
    size.
Exit: 0 pass, 1 fail, 77 binary missing.
"""

import json
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mtlib  # noqa: E402

METRIC_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
VALUE_RE = re.compile(r"^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
                      r"(?:[eE][+-]?[0-9]+)?|[+-]?Inf|NaN)$")
TS_RE = re.compile(r"^-?[0-9]+$")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"),
            "summary": ("_sum", "_count")}


class PromError(Exception):
    def __init__(self, lineno, msg):
        super().__init__("line %d: %s" % (lineno, msg))
        self.lineno = lineno


class Family:
    def __init__(self, name):
        self.name = name
        self.type = None
        self.help = None
        self.samples = []       # (name, {label: value}, float, ts or None)


def _unescape(text, lineno, allowed, what):
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in allowed:
                raise PromError(lineno, "bad escape in %s: %r"
                                % (what, text[i:i + 2]))
            out.append({"\\": "\\", "n": "\n", '"': '"'}[text[i + 1]])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _parse_labels(line, pos, lineno):
    """line[pos] == '{': return ({name: value}, position after '}')."""
    labels = {}
    pos += 1
    while True:
        if pos >= len(line):
            raise PromError(lineno, "unterminated label set")
        if line[pos] == "}":
            return labels, pos + 1
        m = LABEL_RE.match(line, pos)
        if not m:
            raise PromError(lineno, "bad label name at %r" % line[pos:pos + 20])
        name = m.group(0)
        if name.startswith("__"):
            raise PromError(lineno, "reserved label name %r" % name)
        if name in labels:
            raise PromError(lineno, "label %r twice" % name)
        pos = m.end()
        if line[pos:pos + 2] != '="':
            raise PromError(lineno, "label %r: expected '=\"'" % name)
        pos += 2
        raw = []
        while True:
            if pos >= len(line):
                raise PromError(lineno, "label %r: unterminated value" % name)
            c = line[pos]
            if c == "\\":
                if pos + 1 >= len(line) or line[pos + 1] not in '\\"n':
                    raise PromError(lineno, "label %r: bad escape %r"
                                    % (name, line[pos:pos + 2]))
                raw.append(line[pos:pos + 2])
                pos += 2
                continue
            if c == '"':
                pos += 1
                break
            raw.append(c)
            pos += 1
        labels[name] = _unescape("".join(raw), lineno, '\\"n', "label value")
        if pos < len(line) and line[pos] == ",":
            pos += 1
            continue
        if pos < len(line) and line[pos] == "}":
            return labels, pos + 1
        raise PromError(lineno, "label set: expected ',' or '}' at %r"
                        % line[pos:pos + 20])


def _family_of(name, families):
    for ftype, sufs in SUFFIXES.items():
        for s in sufs:
            if name.endswith(s):
                base = name[:-len(s)]
                if base in families and families[base].type == ftype:
                    return base
    return name


def parse(text):
    """Parse exposition text (str or bytes): an ordered {name: Family}.
    Raises PromError at the first violation."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise PromError(0, "not UTF-8: %s" % e)
    if "\r" in text:
        raise PromError(text[:text.index("\r")].count("\n") + 1,
                        "carriage return")
    if text and not text.endswith("\n"):
        raise PromError(text.count("\n") + 1, "last line not ended by \\n")
    families = {}
    closed = set()              # families whose group has ended
    current = None
    series = set()

    def enter(name, lineno):
        nonlocal current
        if name == current:
            return families[name]
        if name in closed or (name in families and name != current):
            raise PromError(lineno, "family %s is not one group (its lines "
                            "are interleaved with another family's)" % name)
        if current is not None:
            closed.add(current)
        current = name
        families[name] = Family(name)
        return families[name]

    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line == "":
            continue
        if line != line.strip(" \t"):
            raise PromError(lineno, "leading or trailing blanks")
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 2 and parts[1] in ("HELP", "TYPE") and \
                    parts[0] == "#":
                if len(parts) < 3 or not METRIC_RE.fullmatch(parts[2]):
                    raise PromError(lineno, "# %s: bad or missing metric "
                                    "name" % parts[1])
                name = parts[2]
                fam = enter(name, lineno)
                if parts[1] == "HELP":
                    if fam.help is not None:
                        raise PromError(lineno, "second HELP for %s" % name)
                    if fam.samples:
                        raise PromError(lineno, "HELP for %s after its "
                                        "samples" % name)
                    fam.help = _unescape(parts[3] if len(parts) > 3 else "",
                                         lineno, "\\n", "HELP text")
                else:
                    if fam.type is not None:
                        raise PromError(lineno, "second TYPE for %s" % name)
                    if fam.samples:
                        raise PromError(lineno, "TYPE for %s after its "
                                        "samples" % name)
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise PromError(lineno, "TYPE %s: bad type %r" % (
                            name, parts[3] if len(parts) > 3 else ""))
                    fam.type = parts[3]
            continue
        m = METRIC_RE.match(line)
        if not m:
            raise PromError(lineno, "bad metric name at %r" % line[:30])
        name = m.group(0)
        pos = m.end()
        labels = {}
        if pos < len(line) and line[pos] == "{":
            labels, pos = _parse_labels(line, pos, lineno)
        if line[pos:pos + 1] != " ":
            raise PromError(lineno, "expected one space before the value")
        rest = line[pos + 1:].split(" ")
        if len(rest) not in (1, 2) or not VALUE_RE.match(rest[0]):
            raise PromError(lineno, "bad value/timestamp %r" % line[pos + 1:])
        if len(rest) == 2 and not TS_RE.match(rest[1]):
            raise PromError(lineno, "bad timestamp %r" % rest[1])
        value = float(rest[0].replace("Inf", "inf").replace("NaN", "nan"))
        fam = enter(_family_of(name, families), lineno)
        key = (name, tuple(sorted(labels.items())))
        if key in series:
            raise PromError(lineno, "duplicate series %s%r" % key)
        series.add(key)
        fam.samples.append((name, labels, value,
                            int(rest[1]) if len(rest) == 2 else None))
    return families


# ------------------------------------------------------------- self-test

GOOD = [
    "",
    "# just a comment\n",
    "a 1\n",
    "a{} 1\n",
    'a{b="c",} 1\n',
    'a{b="q\\"uote \\\\ back \\n nl",c="\xe9t\xe9"} -1.5e3\n',
    "# HELP a some \\\\ help\\n\n# TYPE a gauge\na NaN\n",
    "# TYPE a counter\na +Inf 1700000000000\n",
    "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
    "h_sum 3\nh_count 2\n",
    "a:b_c 1\nd 2\n\n# TYPE e untyped\ne .5\n",
    'a{x="1"} 1\na{x="2"} 1\n',
]

BAD = [
    ("a 1", "last line not ended"),
    ("a 1\r\n", "carriage return"),
    ("1a 1\n", "bad metric name"),
    ("a-b 1\n", "expected one space"),
    ("a  1\n", "bad value"),
    (" a 1\n", "leading or trailing blanks"),
    ("a 1 \n", "leading or trailing blanks"),
    ("a\t1\n", "expected one space"),
    ("a one\n", "bad value"),
    ("a 0x1f\n", "bad value"),
    ("a 1 2.5\n", "bad timestamp"),
    ('a{b="c"} 1 2 3\n', "bad value"),
    ('a{b="c} 1\n', "unterminated"),
    ('a{b="c\\t"} 1\n', "bad escape"),
    ('a{b="c\\"} 1\n', "unterminated"),
    ('a{b=c} 1\n', "expected '=\"'"),
    ('a{b="c" d="e"} 1\n', "expected ',' or '}'"),
    ('a{1b="c"} 1\n', "bad label name"),
    ('a{__name__="c"} 1\n', "reserved label"),
    ('a{b="1",b="2"} 1\n', "twice"),
    ('a{b="1"} 1\na{b="1"} 2\n', "duplicate series"),
    ("a 1\na 2\n", "duplicate series"),
    ("a 1\nb 1\na 2\n", "not one group"),
    ("# TYPE a gauge\nb 1\n# HELP a late\n", "not one group"),
    ("a 1\n# TYPE a gauge\n", "TYPE for a after its samples"),
    ("a 1\n# HELP a x\n", "HELP for a after its samples"),
    ("# TYPE a gauge\n# TYPE a gauge\na 1\n", "second TYPE"),
    ("# HELP a x\n# HELP a y\na 1\n", "second HELP"),
    ("# TYPE a gaug\na 1\n", "bad type"),
    ("# TYPE a\na 1\n", "bad type"),
    ("# HELP 9a x\n", "bad or missing metric name"),
    ("# HELP a bad \\t escape\na 1\n", "bad escape in HELP"),
    ("   \n", "leading or trailing blanks"),
    (b"a{b=\"\xff\"} 1\n", "not UTF-8"),
]


def self_test():
    problems = []
    for text in GOOD:
        try:
            parse(text)
        except PromError as e:
            problems.append("rejected good input %r: %s" % (text, e))
    for text, frag in BAD:
        try:
            parse(text)
        except PromError as e:
            if frag not in str(e):
                problems.append("input %r: error %r lacks %r"
                                % (text, str(e), frag))
        else:
            problems.append("accepted bad input %r (want %r)" % (text, frag))
    fams = parse('# HELP x a\\nb\n# TYPE x gauge\nx{l="a\\"b\\\\c\\nd"} 2\n')
    if fams["x"].help != "a\nb" or \
            fams["x"].samples[0][1] != {"l": 'a"b\\c\nd'}:
        problems.append("unescaping: %r %r" % (fams["x"].help,
                                               fams["x"].samples))
    h = parse("# TYPE h summary\nh_sum 1\nh_count 1\n")
    if list(h) != ["h"] or len(h["h"].samples) != 2:
        problems.append("summary suffixes not grouped: %r" % list(h))
    return problems


# ------------------------------------------------------- memtopo check

STATUS = {"ok": 0, "warning": 1, "error": 2, "unknown": 3}
SEVERITIES = ("info", "warning", "error")


def check_table(memtopo):
    """{id: severity} from `memtopo help check` (the check table)."""
    r = mtlib.run([memtopo, "help", "check"])
    table = {}
    inside = False
    for line in r.text().split("\n"):
        if line.strip() == "Checks:":
            inside = True
            continue
        if inside:
            m = re.match(r"^  ([a-z0-9-]+) +(info|warning|error) ", line)
            if not m:
                if table:
                    break
                continue
            table[m.group(1)] = m.group(2)
    return table


def node_label(r):
    nodes = r.get("nodes")
    if nodes:
        return ",".join(str(n) for n in nodes)
    return "" if r.get("node") is None else str(r["node"])


def zone_label(r):
    if r.get("state") == "offline":
        return ""
    z = r.get("zones")
    return z[0] if isinstance(z, list) and len(z) == 1 else "unknown"


def unknown_answer(pr, jr, t, label):
    """Exit 3 still answers: JSON says "unknown" and why; Prometheus says
    memtopo_check_status 3, and when nothing was read, nothing else (no
    series a textfile collector would keep serving as if fresh)."""
    try:
        doc = json.loads(jr.text())
    except ValueError as e:
        t.append("%s: exit 3, check -J does not parse: %s" % (label, e))
        return
    if doc.get("status") != "unknown" or not isinstance(doc.get("reason"), str) \
            or not doc["reason"]:
        t.append("%s: exit 3, JSON status %r reason %r" % (
            label, doc.get("status"), doc.get("reason")))
    try:
        fams = parse(pr.stdout)
    except PromError as e:
        t.append("%s: exit 3, not the text format: %s" % (label, e))
        return
    st = fams.get("memtopo_check_status")
    if st is None or st.type != "gauge" or not st.help or \
            [s[2] for s in st.samples] != [3.0]:
        t.append("%s: exit 3 without memtopo_check_status 3" % label)
    if doc.get("summary", {}).get("blocks_checked") == 0 and \
            list(fams) != ["memtopo_check_status"]:
        t.append("%s: exit 3, nothing read, yet families %r" % (label, list(fams)))


def compare(memtopo, root, opts, checks, t, label, zero_bytes_rule=True):
    """One option set on one tree: prometheus vs JSON vs list. Problems
    are appended to t. zero_bytes_rule: fail a 0-byte memory series."""
    pr = mtlib.run_memtopo(memtopo, root, ["check", "--format",
                                           "prometheus"] + opts)
    jr = mtlib.run_memtopo(memtopo, root, ["check", "-J"] + opts)
    for what, r in (("prometheus", pr), ("json", jr)):
        crash = r.crash_reason()
        if crash:
            t.append("%s: check %s CRASH: %s\n%s" % (label, what, crash,
                                                     r.err_text()))
            return
    if pr.returncode == 3 and jr.returncode == 3:
        unknown_answer(pr, jr, t, label)
        return
    if pr.returncode != jr.returncode:
        t.append("%s: prometheus exits %d, json exits %d"
                 % (label, pr.returncode, jr.returncode))
    try:
        fams = parse(pr.stdout)
    except PromError as e:
        t.append("%s: not the text format: %s\n%s" % (label, e, pr.text()))
        return
    try:
        doc = json.loads(jr.text())
    except ValueError as e:
        t.append("%s: check -J does not parse: %s" % (label, e))
        return
    want_labels = {"memtopo_check_findings": {"id", "severity"},
                   "memtopo_memory_bytes": {"node", "zone", "state"},
                   "memtopo_check_status": set()}
    for name, labels in want_labels.items():
        f = fams.get(name)
        if f is None:
            t.append("%s: family %s missing" % (label, name))
            continue
        if f.type != "gauge":
            t.append("%s: %s TYPE is %r, not gauge" % (label, name, f.type))
        if not f.help:
            t.append("%s: %s has no HELP" % (label, name))
        for s in f.samples:
            if s[0] != name or set(s[1]) != labels:
                t.append("%s: %s sample %s%r: want labels %s" % (
                    label, name, s[0], s[1], sorted(labels)))
    if any(n not in fams for n in want_labels):
        return
    # status
    st = fams["memtopo_check_status"].samples
    if len(st) != 1:
        t.append("%s: memtopo_check_status has %d samples" % (label, len(st)))
    else:
        if st[0][2] != pr.returncode:
            t.append("%s: memtopo_check_status %r, exit status %d"
                     % (label, st[0][2], pr.returncode))
        if STATUS.get(doc.get("status")) != st[0][2]:
            t.append("%s: memtopo_check_status %r, JSON status %r"
                     % (label, st[0][2], doc.get("status")))
    # findings
    counts = {}
    for f in doc.get("findings", []):
        counts[(f["id"], f["severity"])] = \
            counts.get((f["id"], f["severity"]), 0) + 1
    only = skip = None
    minsev = "info"
    for i, o in enumerate(opts):
        if o == "--only":
            only = set(opts[i + 1].split(","))
        elif o == "--skip":
            skip = set(opts[i + 1].split(","))
        elif o == "--severity":
            minsev = opts[i + 1]
    # Checks the capture could not run (the evidence-missing note lists
    # them) have no value: memtopo gives them no series at all. The note is
    # info: ask for it whatever --severity this run had.
    off = set()
    notes_opts = [o for i, o in enumerate(opts)
                  if o != "--severity" and (i == 0 or opts[i - 1] != "--severity")]
    notes = mtlib.run_memtopo(memtopo, root, ["check", "-J", "--severity", "info"]
                              + notes_opts)
    try:
        notes_doc = json.loads(notes.stdout)
    except ValueError:
        notes_doc = {}
    for f in notes_doc.get("findings", []):
        if f["id"] == "evidence-missing" and "checks off: " in f["message"]:
            off |= set(f["message"].split("checks off: ", 1)[1].split(", "))
    got = {}
    for _, lab, v, _ in fams["memtopo_check_findings"].samples:
        got[(lab.get("id"), lab.get("severity"))] = v
        if lab.get("id") not in checks:
            t.append("%s: findings series for unknown id %r"
                     % (label, lab.get("id")))
        if lab.get("id") in off:
            t.append("%s: a series for %r, which could not run"
                     % (label, lab.get("id")))
        if lab.get("severity") not in SEVERITIES:
            t.append("%s: findings series with severity %r"
                     % (label, lab.get("severity")))
        elif SEVERITIES.index(lab["severity"]) < SEVERITIES.index(minsev):
            t.append("%s: findings series %r below --severity %s"
                     % (label, lab, minsev))
        if (only is not None and lab.get("id") not in only) or \
                (skip is not None and lab.get("id") in skip):
            t.append("%s: findings series for unselected id %r"
                     % (label, lab.get("id")))
    for (cid, sev), n in counts.items():
        if cid not in checks:
            continue                    # a note, not a check
        if got.get((cid, sev)) != n:
            t.append("%s: JSON has %d %s finding(s) of %s, prometheus %r"
                     % (label, n, sev, cid, got.get((cid, sev))))
    for (cid, sev), v in got.items():
        if v != counts.get((cid, sev), 0):
            t.append("%s: prometheus %s/%s = %r, JSON %d" % (
                label, cid, sev, v, counts.get((cid, sev), 0)))
    for cid, sev in checks.items():
        selected = (only is None or cid in only) and \
            (skip is None or cid not in skip) and cid not in off
        if selected and SEVERITIES.index(sev) >= SEVERITIES.index(minsev) \
                and (cid, sev) not in got:
            t.append("%s: no series for check %s at its severity %s"
                     % (label, cid, sev))
    # memory bytes
    mem = fams["memtopo_memory_bytes"].samples
    for _, lab, v, _ in mem:
        if zero_bytes_rule and v == 0:
            t.append("%s: memtopo_memory_bytes%r is 0: a series exists only "
                     "for blocks that exist (unknown size is not 0 bytes)"
                     % (label, lab))
    lr = mtlib.run_memtopo(memtopo, root, ["list", "-J", "-a"])
    if lr.returncode != 0:
        return                          # no block size: nothing to sum
    ldoc = json.loads(lr.text())
    by_ns, by_nzs = {}, {}
    for r in ldoc.get("memory", []):
        k2 = (node_label(r), r["state"])
        k3 = (node_label(r), zone_label(r), r["state"])
        by_ns[k2] = by_ns.get(k2, 0) + r["size"]
        by_nzs[k3] = by_nzs.get(k3, 0) + r["size"]
    g_ns, g_nzs = {}, {}
    for _, lab, v, _ in mem:
        k2 = (lab["node"], lab["state"])
        k3 = (lab["node"], lab["zone"], lab["state"])
        g_ns[k2] = g_ns.get(k2, 0) + v
        g_nzs[k3] = g_nzs.get(k3, 0) + v
    if by_ns != g_ns:
        t.append("%s: bytes per (node, state): list %r, prometheus %r"
                 % (label, sorted(by_ns.items()), sorted(g_ns.items())))
    if by_nzs != g_nzs:
        t.append("%s: bytes per (node, zone, state): list %r, prometheus %r"
                 % (label, sorted(by_nzs.items()), sorted(g_nzs.items())))
    total = doc["summary"]["blocks_checked"] * ldoc["block_size"]
    if sum(v for _, _, v, _ in mem) != total:
        t.append("%s: bytes sum to %r, blocks_checked x block size is %d"
                 % (label, sum(v for _, _, v, _ in mem), total))


OPTION_SETS = [
    [],
    ["--severity", "warning"],
    ["--only", "multi-node-link,shares-pmem,offline-blocks,evidence-missing"],
    ["--skip", "multi-zone,partial-ram,dangling-node-link"],
]


def check_scenarios(memtopo, paths):
    import mkfixture
    memtopo = mtlib.check_binary(memtopo)
    checks = check_table(memtopo)
    failed = 0
    if len(checks) < 10:
        print("FAIL: `memtopo help check` lists %d checks: %r"
              % (len(checks), checks))
        return 1
    for path in paths:
        name = os.path.basename(path)[:-4]
        problems = []
        with mtlib.TempDir("memtopo-prom-%s-" % name) as tmp:
            root = os.path.join(tmp, "root")
            with open(path, encoding="utf-8") as f:
                mkfixture.generate(f.read(), root, path)
            for opts in OPTION_SETS:
                compare(memtopo, root, opts, checks, problems,
                        " ".join(["check"] + opts))
        if problems:
            failed += 1
            print("FAIL %s" % name)
            for p in problems[:30]:
                print("  " + p.replace("\n", "\n  "))
        else:
            print("ok   %s" % name)
    print("%d scenario(s), %d failed" % (len(paths), failed))
    return 1 if failed else 0


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    if argv[0] == "--self-test":
        problems = self_test()
        for p in problems:
            print("FAIL " + p)
        print("prom-parse self-test: %d problem(s)" % len(problems))
        return 1 if problems else 0
    if argv[0] == "--check":
        if len(argv) < 3:
            sys.stderr.write(__doc__)
            return 2
        problems = self_test()
        for p in problems:
            print("FAIL parser self-test: " + p)
        rc = check_scenarios(argv[1], argv[2:])
        return 1 if problems else rc
    data = sys.stdin.buffer.read() if argv[0] == "-" else \
        open(argv[0], "rb").read()
    try:
        fams = parse(data)
    except PromError as e:
        print("%s: %s" % (argv[0], e))
        return 1
    for f in fams.values():
        print("%s %s: %d sample(s)" % (f.name, f.type or "untyped",
                                       len(f.samples)))
        for s in f.samples:
            v = s[2]
            print("  %s%s %s" % (s[0], s[1], "NaN" if math.isnan(v) else v))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
