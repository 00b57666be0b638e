# SPDX-License-Identifier: GPL-2.0-or-later
"""Host-side verdicts of the vm suite (stdlib only).

The guest sends raw data (blobs): independent sysfs dumps and memtopo's
output. This module parses them and decides. Every snapshot TAG a scenario
takes (guest vm_snapshot TAG) gets the generic checks below; a scenario's
own expectations live in scenarios/NAME.py as verify(s), with s a Scenario.
"""

import importlib.util
import json
import os
import re

SANITIZER = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                       r"SUMMARY: \w+Sanitizer|stack smashing detected|double free|"
                       r"free\(\): invalid|malloc\(\): |Segmentation fault")
LINK_IDS = ("stale-node-link", "dangling-node-link", "missing-node-back-link",
            "multi-node-link", "no-node-link")
SEVERITY_RC = {"info": 0, "warning": 1, "error": 2}
KB = 1024

_SCHEMA_CHECK = None
# Hold every JSON document a guest sends to doc/schema/*.json. selftest.py
# turns it off for its recording, made by an older memtopo.
SCHEMA_CHECK = True


def _schema_check():
    """tests/schema-check.py: every JSON memtopo prints in a guest is held
    to doc/schema/*.json, as on the host (mtlib.check_json_schema)."""
    global _SCHEMA_CHECK
    if _SCHEMA_CHECK is None:
        spec = importlib.util.spec_from_file_location(
            "schema_check", os.path.join(os.path.dirname(os.path.dirname(
                os.path.abspath(__file__))), "schema-check.py"))
        _SCHEMA_CHECK = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_SCHEMA_CHECK)
    return _SCHEMA_CHECK


# ---------------------------------------------------------------- sysfs dump

class Dump:
    """Parsed guest vm_sysfs_dump: what the kernel says, read without memtopo."""

    def __init__(self, text):
        self.block_size = None
        self.auto_online = None
        self.blocks = {}        # id -> {"state", "phys_index", "valid_zones", "online",
                                #        "links": {node: ok}, "targets": {node: target}}
        self.nodes = {}         # id -> {"links": {block: ok}, "targets": {...}, "meminfo": {}}
        self.masks = {}
        self.errors = []
        self.text = text
        sm = "/sys/devices/system/memory/"
        sn = "/sys/devices/system/node/"
        for line in text.split("\n"):
            if not line:
                continue
            if line.startswith("link:"):
                path, _, ok = line[5:].rpartition(":")
                self._link(path, ok == "ok", None)
                continue
            if line.startswith("target:"):
                m = re.fullmatch(r"target:(\S+)\|'[^']*' -> '([^']*)'", line)
                if m:
                    self._link(m.group(1), None, m.group(2))
                else:
                    self.errors.append(line)
                continue
            path, sep, value = line.partition(":")
            if not sep or not path.startswith("/sys/"):
                self.errors.append(line)
                continue
            m = re.fullmatch(re.escape(sm) + r"memory(\d+)/(\w+)", path)
            if m:
                self.block(int(m.group(1)))[m.group(2)] = value
                continue
            m = re.fullmatch(re.escape(sn) + r"node(\d+)/meminfo", path)
            if m:
                mm = re.fullmatch(r"Node \d+ (\S+):\s+(\d+)(?: kB)?", value.strip())
                if mm:
                    self.node(int(m.group(1)))["meminfo"][mm.group(1)] = int(mm.group(2))
                continue
            if path == sm + "block_size_bytes":
                self.block_size = int(value, 16)
            elif path == sm + "auto_online_blocks":
                self.auto_online = value
            elif path.startswith(sn):
                self.masks[path[len(sn):]] = value
            else:
                self.errors.append(line)

    def block(self, b):
        return self.blocks.setdefault(b, {"links": {}, "targets": {}})

    def node(self, n):
        return self.nodes.setdefault(n, {"links": {}, "targets": {}, "meminfo": {}})

    def _link(self, path, ok, target):
        m = re.fullmatch(r"/sys/devices/system/memory/memory(\d+)/node(\d+)", path)
        if m:
            b, n = int(m.group(1)), int(m.group(2))
            rec = self.block(b)
            key = n
        else:
            m = re.fullmatch(r"/sys/devices/system/node/node(\d+)/memory(\d+)", path)
            if not m:
                self.errors.append("link " + path)
                return
            n, b = int(m.group(1)), int(m.group(2))
            rec = self.node(n)
            key = b
        if ok is not None:
            rec["links"][key] = ok
        if target is not None:
            rec["targets"][key] = target

    # -- derived facts
    def ids(self):
        return sorted(b for b, r in self.blocks.items() if "state" in r)

    def state(self, b):
        return self.blocks[b].get("state")

    def zones(self, b):
        z = self.blocks[b].get("valid_zones")
        return None if z is None else z.split()

    def fwd_nodes(self, b):
        """Nodes the block's own nodeX links point at (resolving or not)."""
        return sorted(self.blocks.get(b, {}).get("links", {}))

    def back_nodes(self, b):
        return sorted(n for n, r in self.nodes.items() if b in r["links"])

    def node_blocks(self, n):
        return sorted(self.nodes.get(n, {}).get("links", {}))

    def memtotal(self, n):
        return self.nodes.get(n, {}).get("meminfo", {}).get("MemTotal")

    def node_ids(self):
        return sorted(self.nodes)

    def link_anomalies(self):
        """{(check id, block)} the kernel's links deserve, decided here."""
        out = set()
        present = set(self.ids())
        for b in present:
            fwd, back = self.fwd_nodes(b), self.back_nodes(b)
            for n, ok in self.blocks[b]["links"].items():
                if not ok:
                    out.add(("dangling-node-link", b))
                elif b not in self.nodes.get(n, {}).get("links", {}):
                    out.add(("missing-node-back-link", b))
            if len(set(fwd) | set(back)) >= 2:
                out.add(("multi-node-link", b))
            if not fwd and not back and self.nodes:
                out.add(("no-node-link", b))
        for n, r in self.nodes.items():
            for b, ok in r["links"].items():
                if not ok:
                    out.add(("dangling-node-link", b))
                elif n not in self.blocks.get(b, {}).get("links", {}):
                    out.add(("stale-node-link", b))
        # Targets must name the matching directory.
        for b in present:
            for n, t in self.blocks[b]["targets"].items():
                if not t.endswith("/node/node%d" % n):
                    out.add(("bad-link-target", b))
        for n, r in self.nodes.items():
            for b, t in r["targets"].items():
                if not t.endswith("/memory/memory%d" % b):
                    out.add(("bad-link-target", b))
        return out

    def comparable(self):
        """The dump minus meminfo (counters move on their own)."""
        return "\n".join(line for line in self.text.split("\n") if "/meminfo:" not in line)


# ---------------------------------------------------------------- checks

class Checker:
    def __init__(self):
        self.items = []         # {"ok", "label", "expected", "got"}

    def expect(self, cond, label, expected=None, got=None, detail=None):
        item = {"ok": bool(cond), "label": label}
        if not cond and (expected is not None or got is not None):
            item["expected"], item["got"] = _show(expected), _show(got)
        if not cond and detail:
            item["detail"] = detail
        self.items.append(item)
        return bool(cond)

    def info(self, label):
        """A line for the report (numbers, outcomes) that judges nothing."""
        self.items.append({"ok": True, "label": label})

    def eq(self, got, expected, label):
        return self.expect(got == expected, label, expected, got)

    def fail(self, label, detail=None):
        self.items.append({"ok": False, "label": label, "detail": detail})
        return False

    @property
    def failed(self):
        return [i for i in self.items if not i["ok"]]


def _show(v):
    if isinstance(v, (dict, list, tuple, set)):
        if isinstance(v, set):
            v = sorted(v, key=str)
        return json.dumps(v, default=str)
    return v if isinstance(v, (int, float, str, bool)) or v is None else str(v)


class Snapshot:
    def __init__(self, s, tag):
        self.tag = tag
        self.ok = True
        self.sysfs = self._dump(s, tag + ".sysfs0")
        self.sysfs_after = self._dump(s, tag + ".sysfs1")
        self.list = s.json_blob(tag + ".list")
        self.list_all = s.json_blob(tag + ".list_all")
        self.check = s.json_blob(tag + ".check")
        cb = s.blobs.get(tag + ".check")
        self.check_rc = cb["rc"] if cb else None

    def _dump(self, s, name):
        b = s.blobs.get(name)
        if b is None:
            self.ok = False
            return None
        return Dump(b["text"])

    def findings(self, fid=None, severity=None):
        if not self.check:
            return []
        return [f for f in self.check.get("findings", [])
                if (fid is None or f.get("id") == fid)
                and (severity is None or f.get("severity") == severity)]

    def finding_blocks(self, fid):
        return sorted({b for f in self.findings(fid) for b in f.get("blocks", [])})


class Scenario:
    """What a scenario module's verify(s) works with."""

    def __init__(self, name, rec, host_memtopo=None):
        self.name = name
        self.rec = rec
        # The memtopo under test, on the host (for judging guest data with it).
        self.host_memtopo = host_memtopo
        self.blobs = rec.get("blobs", {})
        self.requests = rec.get("requests", [])
        self.notes = rec.get("notes", [])
        self.c = Checker()
        self.expect, self.eq, self.fail = self.c.expect, self.c.eq, self.c.fail
        self.info = self.c.info
        self._snaps = {}

    def text(self, name):
        b = self.blobs.get(name)
        return None if b is None else b["text"]

    def value(self, name):
        t = self.text(name)
        return None if t is None else t.strip()

    def ints(self, name):
        v = self.value(name)
        return [] if not v else [int(x) for x in v.split()]

    def json_blob(self, name):
        b = self.blobs.get(name)
        if b is None:
            return None
        try:
            doc = json.loads(b["text"])
        except ValueError as e:
            self.fail("%s: memtopo output is JSON" % name, "%s; output starts %r"
                      % (e, b["text"][:200]))
            return None
        try:
            if SCHEMA_CHECK:
                _schema_check().check_document(doc)
        except AssertionError as e:
            self.fail("%s: memtopo output matches its JSON Schema" % name, str(e))
        return doc

    def snapshot_tags(self):
        tags = []
        for n in self.blobs:
            if n.endswith(".sysfs0") and n[:-7] not in tags:
                tags.append(n[:-7])
        return tags

    def snap(self, tag):
        if tag not in self._snaps:
            if tag + ".sysfs0" not in self.blobs:
                self.fail("snapshot %r was taken" % tag,
                          "the guest sent no %s.sysfs0 (scenario stopped before it?)" % tag)
                return None
            self._snaps[tag] = Snapshot(self, tag)
        return self._snaps[tag]

    def request(self, prefix):
        """Records of the requests starting with PREFIX, in order."""
        return [r for r in self.requests if r["request"].startswith(prefix)]

    def check_clean(self, tag, label=None):
        """memtopo check exit 0 and nothing at warning or above."""
        sn = self.snap(tag)
        if not sn:
            return
        what = label or "%s: memtopo check" % tag
        self.eq(sn.check_rc, 0, what + " exit status")
        bad = ["%s %s %s" % (f.get("severity"), f.get("id"), f.get("blocks"))
               for f in sn.findings() if f.get("severity") in ("warning", "error")]
        self.eq(bad, [], what + " findings at warning or above")


# ---------------------------------------------------------------- generic checks

def check_memtopo_runs(s):
    for name, b in s.blobs.items():
        if name.endswith(".err") and SANITIZER.search(b["text"]):
            line = SANITIZER.search(b["text"])
            s.fail("%s: no sanitizer / libc report" % name[:-4],
                   b["text"][max(0, line.start() - 100):line.start() + 300])


def _ranges_vs_sysfs(s, sn, doc, label, per_block):
    d = sn.sysfs
    bs = d.block_size
    c = s.c
    if not c.eq(doc.get("block_size"), bs, "%s: block_size = sysfs block_size_bytes" % label):
        return
    truth = d.ids()
    seen = []
    problems = []

    def truth_node(b):
        nodes = sorted(set(d.fwd_nodes(b)) | set(d.back_nodes(b)))
        return nodes

    for r in doc.get("memory", []):
        first, last = r.get("first_block"), r.get("last_block")
        ids = list(range(first, last + 1))
        where = "range %s (memory%d-%d)" % (r.get("range"), first, last)
        if per_block and len(ids) != 1:
            problems.append("%s: list -a row spans %d blocks" % (where, len(ids)))
        if r.get("blocks") != len(ids):
            problems.append("%s: blocks %s, expected %d" % (where, r.get("blocks"), len(ids)))
        if r.get("start") != first * bs or r.get("end") != (last + 1) * bs - 1 or \
                r.get("size") != len(ids) * bs:
            problems.append("%s: start/end/size %s/%s/%s, expected %d/%d/%d" % (
                where, r.get("start"), r.get("end"), r.get("size"),
                first * bs, (last + 1) * bs - 1, len(ids) * bs))
        for b in ids:
            seen.append(b)
            if b not in d.blocks or "state" not in d.blocks[b]:
                problems.append("%s claims memory%d, which sysfs does not have" % (where, b))
                continue
            if r.get("state") != d.state(b):
                problems.append("memory%d: state %s, sysfs %s" % (b, r.get("state"), d.state(b)))
            if r.get("zones") != d.zones(b):
                problems.append("memory%d: zones %s, sysfs valid_zones %s"
                                % (b, r.get("zones"), d.zones(b)))
            if d.fwd_nodes(b) != d.back_nodes(b):
                continue      # one-sided links: the link checks judge those
            tn = truth_node(b)
            got = r.get("nodes") if r.get("node") is None and r.get("nodes") else \
                ([] if r.get("node") is None else [r.get("node")])
            if got != tn:
                problems.append("memory%d: node %s, sysfs links %s" % (b, got, tn))
    dup = sorted({b for b in seen if seen.count(b) > 1})
    if dup:
        problems.append("blocks listed twice: %s" % dup)
    missing = sorted(set(truth) - set(seen))
    if missing:
        problems.append("sysfs blocks missing from the list: %s" % missing)
    if not per_block:
        rs = doc.get("memory", [])
        for a, b in zip(rs, rs[1:]):
            if a.get("last_block", -2) + 1 == b.get("first_block") and \
                    all(a.get(k) == b.get(k) for k in ("state", "node", "nodes", "zones")):
                problems.append("ranges %s and %s are contiguous and alike but not merged"
                                % (a.get("range"), b.get("range")))
    c.eq(problems, [], "%s agrees with sysfs (state, node, zones, ranges)" % label)
    summ = doc.get("summary", {})
    n_on = sum(1 for b in truth if d.state(b) == "online")
    n_off = sum(1 for b in truth if d.state(b) == "offline")
    c.eq([summ.get("blocks"), summ.get("online_bytes"), summ.get("offline_bytes"),
          summ.get("auto_online_blocks")],
         [len(truth), n_on * bs, n_off * bs, d.auto_online],
         "%s: summary [blocks, online_bytes, offline_bytes, auto_online_blocks]" % label)


def check_snapshot(s, tag):
    sn = s.snap(tag)
    if sn is None:
        return
    c = s.c
    d = sn.sysfs
    if not c.expect(sn.ok and d is not None, "%s: both sysfs dumps arrived" % tag):
        return
    c.eq(d.errors, [], "%s: sysfs dump read cleanly" % tag)
    c.expect(d.comparable() == sn.sysfs_after.comparable(),
             "%s: sysfs unchanged while memtopo ran" % tag,
             "same dump before and after", _diff(d.comparable(), sn.sysfs_after.comparable()))
    bad_phys = [b for b in d.ids() if int(d.blocks[b].get("phys_index", "-1"), 16) != b]
    c.eq(bad_phys, [], "%s: sysfs phys_index matches every block (kernel sanity)" % tag)
    for what, doc, per_block in (("list -J", sn.list, False), ("list -J -a", sn.list_all, True)):
        b = s.blobs.get("%s.%s" % (tag, "list" if not per_block else "list_all"))
        if c.expect(b is not None and b["rc"] == 0 and doc is not None,
                    "%s: memtopo %s exits 0 with JSON" % (tag, what),
                    0, None if b is None else b["rc"]):
            _ranges_vs_sysfs(s, sn, doc, "%s: %s" % (tag, what), per_block)
    if not c.expect(sn.check is not None and sn.check_rc in (0, 1, 2),
                    "%s: memtopo check -J exits 0/1/2 with JSON" % tag, "0, 1 or 2", sn.check_rc):
        return
    fs = sn.findings()
    worst = max([SEVERITY_RC.get(f.get("severity"), 3) for f in fs] + [0])
    c.eq(sn.check_rc, worst, "%s: check exit status follows the worst finding" % tag)
    c.eq(sn.check.get("summary", {}).get("blocks_checked"), len(d.ids()),
         "%s: check summary.blocks_checked = sysfs blocks" % tag)
    anomalies = d.link_anomalies()
    c.eq(sorted(b for i, b in anomalies if i == "bad-link-target"), [],
         "%s: sysfs node links point at the directories they are named after" % tag)
    truth = {(i, b) for i, b in anomalies if i in LINK_IDS}
    got = {(f.get("id"), b) for f in fs if f.get("id") in LINK_IDS for b in f.get("blocks", [])}
    c.eq(sorted(got), sorted(truth),
         "%s: check's node-link findings = links judged from sysfs" % tag)
    mz_truth = [b for b in d.ids() if d.state(b) == "online" and d.zones(b) == ["none"]]
    c.eq(sn.finding_blocks("multi-zone"), mz_truth,
         "%s: check multi-zone blocks = online blocks with valid_zones none" % tag)


def _diff(a, b):
    la, lb = a.split("\n"), b.split("\n")
    gone = [x for x in la if x not in lb][:5]
    new = [x for x in lb if x not in la][:5]
    return "before only: %s; after only: %s" % (gone, new)


# ---------------------------------------------------------------- judging

def load_module(scen_dir, name):
    path = os.path.join(scen_dir, name + ".py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("vm_scenario_" + re.sub(r"\W", "_", name), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def judge(name, rec, guest, scen_dir, host_memtopo=None):
    """The verdict document of one scenario of a finished boot."""
    if rec is None:
        why = guest.end_reason or "the guest finished without running it"
        return {"status": "fail", "checks": [
            {"ok": False, "label": "scenario ran",
             "detail": "not started, the boot ended before it: %s" % why}],
            "console_tail": guest.console_tail[-3000:]}
    s = Scenario(name, rec, host_memtopo)
    s.arch = getattr(guest, "arch", "x86_64")
    out = {"elapsed_s": round(rec.get("end", guest.now()) - rec["begin"], 2),
           "cpu_s": rec.get("cpu_s"),
           "requests": s.requests, "notes": s.notes}
    if "verdict" not in rec:
        s.fail("scenario finished", "the boot ended during it: %s" % guest.end_reason)
        out["console_tail"] = guest.console_tail[-3000:]
    else:
        s.expect(rec["verdict"] == "PASS", "guest steps", "PASS", "%s: %s" % (
            rec["verdict"], rec.get("message")))
    check_memtopo_runs(s)
    for tag in s.snapshot_tags():
        check_snapshot(s, tag)
    mod = load_module(scen_dir, name)
    if mod is not None:
        try:
            mod.verify(s)
        except Exception as e:  # noqa: BLE001 -- a crash in verify() is a failure
            import traceback
            s.fail("%s.py verify() ran" % name, traceback.format_exc(limit=3))
            del e
    out["checks"] = s.c.items
    out["status"] = "fail" if s.c.failed else "pass"
    return out


def print_verdict(name, v):
    checks = v.get("checks", [])
    bad = [c for c in checks if not c["ok"]]
    print("%s vm-%s: %d checks, %d failed%s" % (
        "PASS" if v["status"] == "pass" else "FAIL", name, len(checks), len(bad),
        ", %.1f s in the guest%s" % (v["elapsed_s"], " (QEMU CPU %.1f s)" % v["cpu_s"]
                                     if v.get("cpu_s") is not None else "")
        if "elapsed_s" in v else ""))
    # Failures first: a CI log cut short after a few lines still names them.
    for c in bad:
        print("  FAIL  %s" % c["label"])
        if "expected" in c:
            print("        expected: %s" % (c["expected"],))
            print("        got:      %s" % (c["got"],))
        if c.get("detail"):
            for line in str(c["detail"]).rstrip().split("\n"):
                print("        %s" % line)
    for r in v.get("requests", []):
        print("  request %-28s -> %s %s (%d ms)" % (r["request"], r["status"], r["detail"], r["ms"]))
    for c in checks:
        if c["ok"]:
            print("  ok    %s" % c["label"])
    if v["status"] != "pass" and v.get("console_tail"):
        print("  console tail:")
        for line in v["console_tail"].rstrip().split("\n")[-25:]:
            print("    | %s" % line)


# ---------------------------------------------------------------- helpers for verify()

def list_rows(doc):
    """memtopo list -J document -> {block: (state, node or nodes, zones)}."""
    out = {}
    for r in (doc or {}).get("memory", []):
        node = r.get("node") if r.get("node") is not None else r.get("nodes")
        for b in range(r.get("first_block"), r.get("last_block") + 1):
            out[b] = (r.get("state"), node, r.get("zones"))
    return out


def check_new_blocks(s, sn, blocks, state, node, zones, label):
    """sysfs and memtopo list (both forms) show BLOCKS as STATE on NODE with
    valid_zones ZONES (a list)."""
    if not sn or not sn.sysfs:
        return
    d = sn.sysfs
    s.eq({b: [d.state(b), d.fwd_nodes(b), d.back_nodes(b), d.zones(b)] for b in blocks},
         {b: [state, [node], [node], zones] for b in blocks},
         "%s: sysfs [state, memoryN/node links, nodeX/memoryN links, valid_zones] of %s"
         % (label, blocks))
    for what, doc in (("list -J", sn.list), ("list -J -a", sn.list_all)):
        rows = list_rows(doc)
        s.eq({b: list(rows[b]) if b in rows else None for b in blocks},
             {b: [state, node, zones] for b in blocks},
             "%s: memtopo %s shows %s as [state, node, zones]" % (label, what, blocks))


def check_show(s, blob, sn, block, label):
    """memtopo show BLOCK -J against the snapshot's sysfs dump."""
    b = s.blobs.get(blob)
    if not s.expect(b is not None and b["rc"] == 0, "%s: memtopo show exits 0" % label,
                    0, None if b is None else b["rc"]):
        return
    doc = s.json_blob(blob)
    if not doc or not sn or not sn.sysfs:
        return
    d = sn.sysfs
    bs = d.block_size
    links = doc.get("links", {})
    s.eq([doc.get("block"), doc.get("start"), doc.get("size"), doc.get("state"),
          doc.get("zones"), doc.get("phys_index"), links.get("forward"), links.get("back")],
         [block, block * bs, bs, d.state(block), d.zones(block), block,
          d.fwd_nodes(block), d.back_nodes(block)],
         "%s: show [block, start, size, state, zones, phys_index, links fwd, links back] "
         "= sysfs" % label)


# ---------------------------------------------------------------- online / offline / monitor

HP_TARGET = {"online": "online", "offline": "offline"}


def hp_report(s, blob, label, rc=None):
    """memtopo online/offline -J output BLOB, parsed; checks the exit status
    (RC: an int or a collection of acceptable ints) and the document's shape."""
    b = s.blobs.get(blob)
    if not s.expect(b is not None, "%s: memtopo ran (blob %s)" % (label, blob)):
        return None
    doc = s.json_blob(blob)
    if rc is not None:
        ok = b["rc"] in rc if isinstance(rc, (list, tuple, set)) else b["rc"] == rc
        s.expect(ok, "%s: exit status" % label, rc, "%s (stderr: %s)" % (
            b["rc"], (s.text(blob + ".err") or "").strip()[:600]))
    if doc is None:
        return None
    steps = doc.get("blocks", [])
    ids = [st.get("block") for st in steps]
    s.eq(sorted({i for i in ids if ids.count(i) > 1}), [],
         "%s: no block reported twice" % label)
    return doc


def hp_steps(doc):
    return {st.get("block"): st for st in (doc or {}).get("blocks", [])}


def hp_fields(doc, fields, blocks=None):
    """{block: [field values]} of the report's steps (only BLOCKS if given)."""
    return {b: [st.get(f) for f in fields] for b, st in hp_steps(doc).items()
            if blocks is None or b in blocks}


def check_hp_vs_sysfs(s, doc, before, after, label):
    """Every step of an online/offline report against the sysfs dumps taken
    before and after the run: done/already => the target state (online:
    the zone it reports is the one sysfs shows), failed/timeout/skipped =>
    the state it had before, rolled-back => back to the state and zone it
    had before; done_bytes = done blocks x block size."""
    if not doc or not before or not after:
        return
    action = doc.get("action")
    target = HP_TARGET.get(action)
    problems = []
    done = 0
    for st in doc.get("blocks", []):
        b, res = st.get("block"), st.get("result")
        if b not in after.blocks or "state" not in after.blocks[b]:
            problems.append("memory%s (%s): not in sysfs afterwards" % (b, res))
            continue
        now, was = after.state(b), before.state(b) if b in before.blocks else None
        zone_now = (after.zones(b) or [None])[0]
        if res in ("done", "already"):
            done += res == "done"
            if now != target:
                problems.append("memory%d: %s, but sysfs says %s" % (b, res, now))
            if action == "online" and st.get("zone") != zone_now:
                problems.append("memory%d: %s into zone %s, sysfs valid_zones %s"
                                % (b, res, st.get("zone"), after.zones(b)))
            if res == "done" and st.get("errno") is not None:
                problems.append("memory%d: done with errno %s" % (b, st.get("errno")))
            if res == "done" and not st.get("attempts"):
                problems.append("memory%d: done without a write (attempts %s)"
                                % (b, st.get("attempts")))
        elif res in ("failed", "timeout"):
            if now != was or now == target:
                problems.append("memory%d: %s (%s), but sysfs went %s -> %s"
                                % (b, res, st.get("errno"), was, now))
            if not st.get("errno"):
                problems.append("memory%d: %s without an errno" % (b, res))
        elif res == "skipped":
            if now != was:
                problems.append("memory%d: skipped, but sysfs went %s -> %s" % (b, was, now))
            if st.get("attempts"):
                problems.append("memory%d: skipped after %s writes" % (b, st.get("attempts")))
            if not st.get("reason"):
                problems.append("memory%d: skipped without a reason" % b)
        elif res == "rolled-back":
            if now != was or after.zones(b) != before.zones(b):
                problems.append("memory%d: rolled back, but sysfs went %s %s -> %s %s"
                                % (b, was, before.zones(b), now, after.zones(b)))
        else:
            problems.append("memory%d: result %r" % (b, res))
    s.eq(problems, [], "%s: every block's result agrees with sysfs before/after" % label)
    bs = after.block_size or 0
    s.eq(doc.get("done_bytes"), done * bs, "%s: done_bytes = blocks done x block size" % label)


def changed_blocks(before, after):
    """{block: [state before, state after]} of the blocks whose state changed."""
    out = {}
    for b in sorted(set(before.ids()) | set(after.ids())):
        x = before.state(b) if b in before.blocks else None
        y = after.state(b) if b in after.blocks else None
        if x != y:
            out[b] = [x, y]
    return out


def monitor_events(s, blob, label):
    """memtopo monitor --json output: one object per line."""
    b = s.blobs.get(blob)
    if not s.expect(b is not None, "%s: monitor ran (blob %s)" % (label, blob)):
        return []
    out = []
    for n, line in enumerate(b["text"].split("\n")):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError as e:
            s.fail("%s: monitor line %d is JSON" % (label, n + 1), "%s: %r" % (e, line[:200]))
            continue
        try:
            if SCHEMA_CHECK:
                _schema_check().check_document(out[-1], "monitor-event")
        except AssertionError as e:
            s.fail("%s: monitor line %d matches its JSON Schema" % (label, n + 1), str(e))
    return out


# ---------------------------------------------------------------- page flags

# include/uapi/linux/kernel-page-flags.h, and the kernel-internal bits root sees.
KPF = {0: "LOCKED", 1: "ERROR", 2: "REFERENCED", 3: "UPTODATE", 4: "DIRTY", 5: "LRU",
       6: "ACTIVE", 7: "SLAB", 8: "WRITEBACK", 9: "RECLAIM", 10: "BUDDY", 11: "MMAP",
       12: "ANON", 13: "SWAPCACHE", 14: "SWAPBACKED", 15: "COMPOUND_HEAD",
       16: "COMPOUND_TAIL", 17: "HUGE", 18: "UNEVICTABLE", 19: "HWPOISON", 20: "NOPAGE",
       21: "KSM", 22: "THP", 23: "OFFLINE", 24: "ZERO_PAGE", 25: "IDLE", 26: "PGTABLE",
       32: "RESERVED", 33: "MLOCKED", 34: "MAPPEDTODISK", 35: "PRIVATE", 36: "PRIVATE_2",
       37: "OWNER_PRIVATE", 38: "ARCH", 39: "UNCACHED", 40: "SOFTDIRTY", 41: "ARCH_2"}


def kpf_names(flags):
    return "|".join(KPF.get(i, "bit%d" % i) for i in range(64) if flags >> i & 1) or "(no flags)"


def kpageflags_by_block(text):
    """guest vm-kpageflags output -> {block: [(pages, flags)], most pages first}."""
    out = {}
    for line in text.split("\n"):
        w = line.split()
        if len(w) == 3 and w[0].startswith("memory") and w[1].isdigit():
            out.setdefault(int(w[0][6:]), []).append((int(w[1]), int(w[2], 16)))
    return out
