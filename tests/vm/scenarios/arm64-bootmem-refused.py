# SPDX-License-Identifier: GPL-2.0-or-later
"""arm64: `memtopo offline 256M -J` on a guest whose memory is all boot
memory is refused up front, with no write: exit 1, status failed,
done_bytes 0, a refusal; every online block reported `skipped` with 0
attempts and a reason that names arm64 boot memory; sysfs unchanged and
the kernel logged no offlining attempt (arm64's "Boot memory ...
offlining attempted", the generic "memory offlining ... failed")."""
import re

import vmlib

REASON = re.compile(r"(?=.*\barm64\b)(?=.*\bboot memory\b)", re.I | re.S)
KERNEL_SAW_A_WRITE = re.compile(r"offlining attempted|memory offlining|Offlined Pages", re.I)


def verify(s):
    before, after = s.snap("before"), s.snap("after")
    if not before or not before.sysfs:
        return
    online = [b for b in before.sysfs.ids() if before.sysfs.state(b) == "online"]
    doc = vmlib.hp_report(s, "offline", "offline 256M", rc=1)
    if doc:
        s.eq([doc.get("status"), doc.get("done_bytes")], ["failed", 0],
             "offline 256M: [status, done_bytes]")
        s.expect(isinstance(doc.get("refusal"), str) and doc.get("refusal"),
                 "offline 256M: refused (a refusal says why)", "a refusal", doc.get("refusal"))
        steps = vmlib.hp_steps(doc)
        s.eq(sorted(steps), online, "offline 256M: reports every online block")
        s.eq({b: [st.get("result"), st.get("attempts") or 0] for b, st in steps.items()},
             {b: ["skipped", 0] for b in steps},
             "offline 256M: every block [result, attempts] skipped, never written")
        s.eq(sorted(b for b, st in steps.items() if not REASON.search(st.get("reason") or "")),
             [], "offline 256M: every skip's reason names arm64 boot memory",)
        s.info("offline 256M: reasons %s; refusal %r" % (
            sorted({st.get("reason") for st in steps.values()}, key=str), doc.get("refusal")))
        if after and after.sysfs:
            vmlib.check_hp_vs_sysfs(s, doc, before.sysfs, after.sysfs, "offline 256M")
    if after and after.sysfs:
        s.eq(vmlib.changed_blocks(before.sysfs, after.sysfs), {},
             "sysfs: no block changed state")
    wrote = [line for line in (s.text("dmesg") or "").split("\n") if KERNEL_SAW_A_WRITE.search(line)]
    s.eq(wrote, [], "dmesg: the kernel saw no offline attempt (no write)")
    for t in ("before", "after"):
        s.check_clean(t)
