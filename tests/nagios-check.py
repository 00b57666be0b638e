#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`memtopo check --format nagios` on every scenario tree, against
`check -J` and `list -J` of the same tree.

    nagios-check.py MEMTOPO SCN...

For each scenario (tests/scenarios/*.scn), built with mkfixture, and for
each option set (none; --severity warning; --only and --skip lists), and
once on a --sysroot that does not exist and once with a bad option:
  - both runs exit alike, and the exit status is the plugin state of the
    status line (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) and the JSON
    "status";
  - the first line is "MEMTOPO STATE - SUMMARY | PERFDATA" where SUMMARY is
    "E error(s), W warning(s), I info in N memory block(s)" (the JSON
    summary), then ": " and the ids of the JSON findings at warning and
    above, each once, in JSON order (none: nothing); an UNKNOWN with
    blocks starts with the JSON "reason" and "; ";
  - PERFDATA is in the monitoring-plugins syntax, each item
    'label'=value[UOM];warn;crit;min;max (trailing fields may be left
    off), with exactly the labels blocks, online_bytes, offline_bytes
    (unit B; absent exactly when list -J cannot size the tree),
    findings_error (crit 0), findings_warning (warn 0), findings_info;
    values from the JSON summary and from list -J's summary;
  - then one line per JSON finding, "SEVERITY ID: MESSAGE" ("|" -> "/");
  - nothing read (exit 3, blocks_checked 0): the one line
    "MEMTOPO UNKNOWN - REASON", REASON the JSON one, and no perfdata.
Exit: 0 pass, 1 fail, 77 binary missing.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mtlib  # noqa: E402

STATES = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
JSON_STATUS = {"ok": 0, "warning": 1, "error": 2, "unknown": 3}
SEVERITIES = ("info", "warning", "error")
LINE_RE = re.compile(r"^MEMTOPO (OK|WARNING|CRITICAL|UNKNOWN) - (.+?)"
                     r"(?: \| (.+))?$")
# One perfdata item: quoted label (no quote inside), value, optional UOM,
# then up to four ';'-separated fields (warn, crit, min, max).
NUM = r"-?[0-9]+(?:\.[0-9]+)?"
PERF_RE = re.compile(r"'([^'=]+)'=(%s)(s|ms|us|%%|B|KB|MB|GB|TB|c)?"
                     r"((?:;[^; ]*){0,4})$" % NUM)
OPTION_SETS = [
    [],
    ["--severity", "warning"],
    ["--only", "multi-node-link,shares-pmem,offline-blocks,evidence-missing"],
    ["--skip", "multi-zone,partial-ram,dangling-node-link"],
]


def plural(n, one, many):
    return "%d %s" % (n, one if n == 1 else many)


def parse_perfdata(text, t, label):
    """{label: (value, uom, [warn, crit, min, max])}."""
    out = {}
    for item in text.split(" "):
        m = PERF_RE.match(item)
        if not m:
            t.append("%s: perfdata item %r is not 'label'=value[UOM];..." % (label, item))
            continue
        fields = m.group(4).split(";")[1:]
        fields += [""] * (4 - len(fields))
        if m.group(1) in out:
            t.append("%s: perfdata label %r twice" % (label, m.group(1)))
        out[m.group(1)] = (int(m.group(2)), m.group(3) or "", fields)
    return out


def expect_perfdata(perf, doc, ldoc, t, label):
    s = doc["summary"]
    want = {
        "blocks": (s["blocks_checked"], "", ["", "", "0", ""]),
        "findings_error": (s["error"], "", ["", "0", "0", ""]),
        "findings_warning": (s["warning"], "", ["0", "", "0", ""]),
        "findings_info": (s["info"], "", ["", "", "0", ""]),
    }
    if ldoc is not None:
        want["online_bytes"] = (ldoc["summary"]["online_bytes"], "B", ["", "", "0", ""])
        want["offline_bytes"] = (ldoc["summary"]["offline_bytes"], "B", ["", "", "0", ""])
    if perf != want:
        t.append("%s: perfdata %r, want %r" % (label, perf, want))


def compare(memtopo, root, opts, t, label, ldoc):
    nr = mtlib.run_memtopo(memtopo, root, ["check", "--format", "nagios"] + opts)
    jr = mtlib.run_memtopo(memtopo, root, ["check", "-J"] + opts)
    for what, r in (("nagios", nr), ("json", jr)):
        crash = r.crash_reason()
        if crash:
            t.append("%s: %s CRASH: %s\n%s" % (label, what, crash, r.err_text()))
            return
    if nr.returncode != jr.returncode:
        t.append("%s: nagios exits %d, json %d" % (label, nr.returncode, jr.returncode))
    try:
        doc = json.loads(jr.text())
    except ValueError as e:
        t.append("%s: check -J does not parse: %s" % (label, e))
        return
    if JSON_STATUS.get(doc.get("status")) != jr.returncode:
        t.append("%s: JSON status %r, exit %d" % (label, doc.get("status"), jr.returncode))
    text = nr.text()
    if not text.endswith("\n"):
        t.append("%s: output not ended by a newline: %r" % (label, text[-80:]))
        return
    lines = text[:-1].split("\n")
    m = LINE_RE.match(lines[0])
    if not m:
        t.append("%s: status line %r" % (label, lines[0]))
        return
    if m.group(1) != STATES.get(nr.returncode):
        t.append("%s: state %s, exit %d" % (label, m.group(1), nr.returncode))
    s = doc["summary"]
    if nr.returncode == 3 and s["blocks_checked"] == 0:
        want = "MEMTOPO UNKNOWN - %s" % doc["reason"].replace("|", "/")
        if lines != [want]:
            t.append("%s: nothing read: %r, want [%r]" % (label, lines, want))
        return
    summary = "%s, %s, %d info in %s" % (
        plural(s["error"], "error", "errors"), plural(s["warning"], "warning", "warnings"),
        s["info"], plural(s["blocks_checked"], "memory block", "memory blocks"))
    if doc.get("reason"):
        summary = doc["reason"] + "; " + summary
    ids = []
    for f in doc["findings"]:
        if SEVERITIES.index(f["severity"]) >= 1 and f["id"] not in ids:
            ids.append(f["id"])
    if ids:
        summary += ": " + ", ".join(ids)
    if m.group(2) != summary:
        t.append("%s: summary %r, want %r" % (label, m.group(2), summary))
    if m.group(3) is None:
        t.append("%s: no perfdata" % label)
    else:
        expect_perfdata(parse_perfdata(m.group(3), t, label), doc, ldoc, t, label)
    want_long = ["%s %s: %s" % (f["severity"], f["id"], f["message"].replace("|", "/"))
                 for f in doc["findings"]]
    if lines[1:] != want_long:
        t.append("%s: long output %r, want %r" % (label, lines[1:], want_long))


def main(argv):
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    import mkfixture
    memtopo = mtlib.check_binary(argv[0])
    failed = 0
    with mtlib.TempDir("memtopo-nagios-") as tmp:
        cases = [("no-sysroot", os.path.join(tmp, "absent"), None, [[], ["--bogus"]])]
        for path in argv[1:]:
            cases.append((os.path.basename(path)[:-4], None, path, OPTION_SETS))
        for name, root, path, option_sets in cases:
            problems = []
            if path:
                root = os.path.join(tmp, name)
                with open(path, encoding="utf-8") as f:
                    mkfixture.generate(f.read(), root, path)
            lr = mtlib.run_memtopo(memtopo, root, ["list", "-J"])
            ldoc = json.loads(lr.text()) if lr.returncode == 0 else None
            for opts in option_sets:
                compare(memtopo, root, opts, problems, " ".join(["check"] + opts), ldoc)
            if problems:
                failed += 1
                print("FAIL %s" % name)
                for p in problems[:30]:
                    print("  " + p.replace("\n", "\n  "))
            else:
                print("ok   %s" % name)
    print("%d tree(s), %d failed" % (len(cases), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
