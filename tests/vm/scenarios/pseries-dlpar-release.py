# SPDX-License-Identifier: GPL-2.0-or-later
"""`memtopo offline --release` on pseries, judged against sysfs and the
device tree read raw in the guest (od of ibm,dynamic-memory[-v2], parsed
here, not by memtopo).

A 2G DIMM on node 1: 8 new LMBs, onlined by the kernel, assigned in the
device tree with DRC indexes. `offline --release 1G -J`: exit 0, status
done, release true, requested = done = 1G; exactly 4 blocks done, all of
them hot-added LMBs, each with one DLPAR request `memory remove index
0x<drc>` whose index is that block's in the device tree; no boot block
chosen or written (QEMU flags boot memory DRC-invalid: skipped with 0
attempts, or not listed). Afterwards the done blocks are gone from sysfs,
their LMBs no longer assigned in the device tree, every other block and
LMB as before, node1 MemTotal 1G smaller, check clean. The second run
(`offline --release 1G`, text: the README's transcript) releases the other
4 hot-added LMBs alike."""
import re

import vmlib

NEW = 8
BS = 256 << 20
GiB = 1 << 30
ASSIGNED = 0x8
DRC_INVALID = 0x20
REQUEST = re.compile(r"^memory remove index 0x([0-9a-f]{8})$")


def od_bytes(text):
    return bytes(int(x, 16) for x in (text or "").split())


def be(b, off, n):
    return int.from_bytes(b[off:off + n], "big")


def parse_lmbs(prop, raw, lmb_size):
    """{base: (drc, flags)} of every LMB of ibm,dynamic-memory (v1) or -v2."""
    out = {}
    if len(raw) < 4:
        return None
    n = be(raw, 0, 4)
    if len(raw) != 4 + 24 * n:
        return None
    for i in range(n):
        e = raw[4 + 24 * i:4 + 24 * (i + 1)]
        if prop.endswith("-v2"):
            count, base, drc, flags = be(e, 0, 4), be(e, 4, 8), be(e, 12, 4), be(e, 20, 4)
            for j in range(count):
                out[base + j * lmb_size] = (drc + j, flags)
        else:
            out[be(e, 0, 8)] = (be(e, 8, 4), be(e, 20, 4))
    return out


def lmbs(s, tag, lmb_size):
    prop = s.value(tag + ".prop")
    if not s.expect(prop in ("ibm,dynamic-memory-v2", "ibm,dynamic-memory"),
                    "%s: the device tree has an LMB table" % tag, "v1 or v2", prop):
        return None
    table = parse_lmbs(prop, od_bytes(s.text(tag)), lmb_size)
    s.expect(table is not None, "%s: %s parses (count and length agree)" % (tag, prop))
    return table


def assigned(table, blocks):
    return {b: bool(table.get(b * BS, (0, 0))[1] & ASSIGNED) for b in blocks}


def check_release(s, blob, label, before, after, dt_before, dt_after, candidates, text=False):
    """One --release run: the report (JSON) or the exit status (text)
    against sysfs and the device tree. Returns the blocks released."""
    b = s.blobs.get(blob)
    if not s.expect(b is not None, "%s: memtopo ran" % label):
        return []
    s.eq(b["rc"], 0, "%s: exit status (stderr: %s)" % (
        label, (s.text(blob + ".err") or "").strip()[:300]))
    if not (before and after and before.sysfs and after.sysfs):
        return []
    gone = sorted(set(before.sysfs.ids()) - set(after.sysfs.ids()))
    s.eq(len(gone), 4, "%s: 4 blocks (1G) gone from sysfs" % label)
    s.eq([g for g in gone if g not in candidates], [],
         "%s: every block gone is a hot-added LMB (boot memory never released)" % label)
    s.eq({x: before.sysfs.state(x) for x in after.sysfs.ids()
          if before.sysfs.state(x) != after.sysfs.state(x)}, {},
         "%s: every block left in sysfs kept its state" % label)
    b1, a1 = before.sysfs.memtotal(1), after.sysfs.memtotal(1)
    s.eq(None if None in (a1, b1) else b1 - a1, GiB >> 10,
         "%s: node1 MemTotal 1G smaller (kB)" % label)
    if dt_before is not None and dt_after is not None:
        s.eq(assigned(dt_after, gone), {g: False for g in gone},
             "%s: device tree: the released LMBs are no longer assigned" % label)
        rest = sorted(set(dt_before) - {g * BS for g in gone})
        s.eq({hex(a): dt_after.get(a) for a in rest}, {hex(a): dt_before[a] for a in rest},
             "%s: device tree: every other LMB as before (drc, flags)" % label)
    if text:
        return gone
    doc = vmlib.hp_report(s, blob, label, rc=0)
    if not doc:
        return gone
    s.eq([doc.get("status"), doc.get("release"), doc.get("requested_bytes"),
          doc.get("done_bytes"), doc.get("refusal")], ["done", True, GiB, GiB, None],
         "%s: [status, release, requested_bytes, done_bytes, refusal]" % label)
    steps = vmlib.hp_steps(doc)
    done = sorted(x for x, st in steps.items() if st.get("result") == "done")
    s.eq(done, gone, "%s: the blocks reported done are exactly those gone from sysfs" % label)
    want = {}
    for x in done:
        drc = (dt_before or {}).get(x * BS, (None, 0))[0]
        want[x] = ["memory remove index 0x%08x" % drc if drc is not None else None, 1, None]
    s.eq({x: [steps[x].get("write"), steps[x].get("attempts"), steps[x].get("errno")]
          for x in done}, want,
         "%s: each done block: [DLPAR request with its device-tree DRC index, attempts, errno]"
         % label)
    s.eq(sorted(x for x, st in steps.items() if x not in candidates and (st.get("attempts") or 0)),
         [], "%s: no boot block written" % label)
    s.eq(sorted(x for x, st in steps.items()
                if x not in candidates and st.get("result") not in ("skipped",)),
         [], "%s: every boot block listed is skipped" % label)
    bad = [x for x, st in steps.items() if not REQUEST.match(st.get("write") or "")
           and st.get("write") != "(no DRC index)"]
    s.eq(bad, [], "%s: every write is a DLPAR request or '(no DRC index)'" % label)
    s.info("%s: released %s; skipped %s" % (label, done, sorted(
        x for x, st in steps.items() if st.get("result") == "skipped")))
    return gone


def verify(s):
    added, released, released2 = (s.snap(t) for t in ("added", "released", "released2"))
    new = s.ints("new_blocks")
    s.eq([r["status"] for r in s.request("hotadd")], ["ok"], "hotadd request served (QMP)")
    s.eq(len(new), NEW, "hot-add: %d new LMBs of 256 MiB" % NEW)
    vmlib.check_new_blocks(s, added, new, "online", 1, ["Normal"],
                           "added (onlined by the kernel)")
    lmb_size = be(od_bytes(s.text("lmb_size")), 0, 8)
    s.eq(lmb_size, BS, "device tree: ibm,lmb-size is 256 MiB")
    dt = {t: lmbs(s, t, BS) for t in ("dt_added", "dt_released", "dt_released2")}
    if dt["dt_added"] is not None:
        s.eq(assigned(dt["dt_added"], new), {b: True for b in new},
             "dt_added: the hot-added LMBs are assigned")
        boot = [b for b in (added.sysfs.ids() if added and added.sysfs else []) if b not in new]
        s.eq({b: bool(dt["dt_added"].get(b * BS, (0, DRC_INVALID))[1] & DRC_INVALID)
              for b in boot}, {b: True for b in boot},
             "dt_added: boot memory is flagged DRC-invalid (QEMU): nothing to release")
    first = check_release(s, "release", "offline --release 1G -J", added, released,
                          dt["dt_added"], dt["dt_released"], set(new))
    second = check_release(s, "release_text", "offline --release 1G (text)", released,
                           released2, dt["dt_released"], dt["dt_released2"],
                           set(new) - set(first), text=True)
    s.eq(sorted(first + second), sorted(new), "both runs: every hot-added LMB released once")
    s.info("offline --release 1G (text):\n" + (s.text("release_text") or "").rstrip())
    for blob in ("dmesg1", "dmesg2"):
        lines = [ln for ln in (s.text(blob) or "").split("\n") if "hotplug-mem" in ln]
        s.info("%s: %s" % (blob, "; ".join(lines[:6])))
    for t in ("added", "released", "released2"):
        s.check_clean(t)
