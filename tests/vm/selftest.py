#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Self-test of the vm suite's host-side verdicts (vmlib.py), no QEMU needed.

selftest/fresh-2node.record.json is what a real guest sent for the
fresh-2node scenario (a copy of one entry of results/<group>.records.json).
Judged as is, it must pass; every mutation below (memtopo saying something
sysfs does not, a sanitizer report, a missing snapshot, ...) must make the
named check fail. This is what keeps the vm tests from passing vacuously.

  selftest.py                     run the self-test
  selftest.py --record FILE       refresh the fixture from a records.json
"""

import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import vmlib  # noqa: E402

FIXTURE = os.path.join(HERE, "selftest", "fresh-2node.record.json")
SCENARIO = "fresh-2node"


class FakeGuest:
    end_reason = None
    console_tail = ""

    def now(self):
        return 0.0


def edit_json(rec, blob, fn):
    doc = json.loads(rec["blobs"][blob]["text"])
    fn(doc)
    rec["blobs"][blob]["text"] = json.dumps(doc, indent=2)


def edit_text(rec, blob, old, new):
    text = rec["blobs"][blob]["text"]
    if old not in text:
        raise AssertionError("fixture %s lacks %r" % (blob, old))
    rec["blobs"][blob]["text"] = text.replace(old, new, 1)


def finding(doc, fid, blocks, severity):
    doc["findings"].append({"id": fid, "severity": severity, "blocks": blocks, "nodes": [1],
                            "message": "injected", "hint": ""})


def rows(doc):
    return doc["memory"]


# (what, mutation, label fragment of a check that must fail)
MUTATIONS = [
    ("list -a: a block's state",
     lambda r: edit_json(r, "fresh.list_all", lambda d: rows(d)[5].update(state="offline")),
     "fresh: list -J -a agrees with sysfs"),
    ("list -a: a block's node",
     lambda r: edit_json(r, "fresh.list_all", lambda d: rows(d)[6].update(node=0)),
     "fresh: list -J -a agrees with sysfs"),
    ("list -a: a block's zones",
     lambda r: edit_json(r, "fresh.list_all", lambda d: rows(d)[2].update(zones=["Normal"])),
     "fresh: list -J -a agrees with sysfs"),
    ("list -a: a block left out",
     lambda r: edit_json(r, "fresh.list_all", lambda d: rows(d).pop(3)),
     "fresh: list -J -a agrees with sysfs"),
    ("list: a range that claims an absent block",
     lambda r: edit_json(r, "fresh.list", lambda d: rows(d)[-1].update(
         last_block=rows(d)[-1]["last_block"] + 1, blocks=rows(d)[-1]["blocks"] + 1)),
     "fresh: list -J agrees with sysfs"),
    ("list: two alike contiguous ranges not merged",
     lambda r: edit_json(r, "fresh.list", lambda d: d.update(memory=split_range(rows(d)))),
     "fresh: list -J agrees with sysfs"),
    ("list: summary online_bytes",
     lambda r: edit_json(r, "fresh.list", lambda d: d["summary"].update(online_bytes=1)),
     "fresh: list -J: summary"),
    ("list: block_size",
     lambda r: edit_json(r, "fresh.list", lambda d: d.update(block_size=1 << 30)),
     "fresh: list -J: block_size"),
    ("list: exit status",
     lambda r: r["blobs"]["fresh.list"].update(rc=1),
     "fresh: memtopo list -J exits 0"),
    ("list: not JSON",
     lambda r: r["blobs"]["fresh.list_all"].update(text="{ truncated"),
     "fresh.list_all: memtopo output is JSON"),
    ("check: a stale-node-link the kernel does not have",
     lambda r: edit_json(r, "fresh.check", lambda d: finding(d, "stale-node-link", [4], "error")),
     "fresh: check's node-link findings"),
    ("check: exit status 1 with nothing above info",
     lambda r: r["blobs"]["fresh.check"].update(rc=1),
     "fresh: check exit status follows the worst finding"),
    ("check: memory0 multi-zone missing",
     lambda r: edit_json(r, "fresh.check", lambda d: d.update(
         findings=[f for f in d["findings"] if f["id"] != "multi-zone"])),
     "fresh: check multi-zone blocks"),
    ("check: a warning",
     lambda r: edit_json(r, "fresh.check", lambda d: finding(d, "movable-ratio", [], "warning")),
     "fresh: memtopo check findings at warning or above"),
    ("check: blocks_checked",
     lambda r: edit_json(r, "fresh.check", lambda d: d["summary"].update(blocks_checked=7)),
     "fresh: check summary.blocks_checked"),
    ("sysfs: a dangling node link memtopo did not report",
     lambda r: edit_text(r, "fresh.sysfs0", "link:/sys/devices/system/node/node1/memory5:ok",
                         "link:/sys/devices/system/node/node1/memory5:dangling"),
     "fresh: check's node-link findings"),
    ("sysfs: changed while memtopo ran",
     lambda r: edit_text(r, "fresh.sysfs1", "memory6/state:online", "memory6/state:offline"),
     "fresh: sysfs unchanged while memtopo ran"),
    ("show: wrong back links",
     lambda r: edit_json(r, "show0", lambda d: d["links"].update(back=[0, 1])),
     "fresh: show 0"),
    ("check: a field its schema does not name",
     lambda r: edit_json(r, "fresh.check", lambda d: d["summary"].update(unchecked=0)),
     "fresh.check: memtopo output matches its JSON Schema"),
    ("show: a census count that is not a number",
     lambda r: edit_json(r, "show0", lambda d: d["census"].update(free="13417")),
     "show0: memtopo output matches its JSON Schema"),
    ("stderr: sanitizer report",
     lambda r: r["blobs"]["fresh.check.err"].update(
         text="==1==ERROR: AddressSanitizer: heap-buffer-overflow"),
     "fresh.check: no sanitizer"),
    ("guest step failed",
     lambda r: r.update(verdict="FAIL", message="echo offline: Device or resource busy"),
     "guest steps"),
    ("snapshot missing",
     lambda r: r["blobs"].pop("fresh.sysfs0"),
     "snapshot 'fresh' was taken"),
    ("scenario interrupted",
     lambda r: r.pop("verdict"),
     "scenario finished"),
]


def split_range(ranges):
    """Cut the first multi-block range in two alike halves."""
    out = []
    done = False
    for r in ranges:
        if not done and r["blocks"] > 1:
            a, b = copy.deepcopy(r), copy.deepcopy(r)
            a.update(last_block=r["first_block"], blocks=1)
            b.update(first_block=r["first_block"] + 1, blocks=r["blocks"] - 1)
            out += [a, b]
            done = True
        else:
            out.append(r)
    if not done:
        raise AssertionError("fixture has no multi-block range")
    return out


def judge(rec):
    return vmlib.judge(SCENARIO, rec, FakeGuest(), os.path.join(HERE, "scenarios"))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--record":
        with open(sys.argv[2]) as f:
            rec = json.load(f)[SCENARIO]
        with open(FIXTURE, "w") as f:
            json.dump(rec, f, indent=1)
        print("wrote %s" % FIXTURE)
        return 0
    with open(FIXTURE) as f:
        base = json.load(f)
    bad = 0
    v = judge(copy.deepcopy(base))
    if v["status"] != "pass":
        print("FAIL  the unmodified fixture does not pass:")
        vmlib.print_verdict(SCENARIO, v)
        bad += 1
    else:
        print("ok    unmodified fixture passes (%d checks)" % len(v["checks"]))
    for what, mutate, label in MUTATIONS:
        rec = copy.deepcopy(base)
        try:
            mutate(rec)
        except (AssertionError, KeyError, IndexError) as e:
            print("FAIL  %s: cannot apply the mutation to the fixture (%s)" % (what, e))
            bad += 1
            continue
        v = judge(rec)
        failed = [c["label"] for c in v["checks"] if not c["ok"]]
        if any(label in f for f in failed):
            print("ok    %s -> caught by '%s'" % (what, label))
        else:
            print("FAIL  %s: expected check '%s...' to fail; failed: %s" % (what, label, failed))
            bad += 1
    print("%d of %d self-tests failed" % (bad, len(MUTATIONS) + 1))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
