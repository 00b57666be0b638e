# SPDX-License-Identifier: GPL-2.0-or-later
"""A DIMM onlined into a kernel zone (with unmovable kernel memory pinned
there): device_del is refused by the guest -- its ACPI _OST says busy (0x82)
and no DEVICE_DELETED arrives (5 s, or 1 s after the _OST) -- the blocks
stay online in the kernel zone on node 1, check stays clean."""
import vmlib

NEW = 4


def verify(s):
    onlined, after = s.snap("onlined"), s.snap("after")
    new = s.ints("new_blocks")
    s.eq([r["status"] for r in s.request("hotadd")], ["ok"], "hotadd request served (QMP)")
    s.eq(len(new), NEW, "hot-add: %d new blocks" % NEW)
    vmlib.check_new_blocks(s, onlined, new, "online", 1, ["Normal"], "onlined (online_kernel)")
    rem = s.request("remove")
    s.eq([r["status"] for r in rem], ["refused"],
         "remove: refused by the guest (no DEVICE_DELETED)")
    s.expect(any("0x82" in r["detail"] for r in rem), "remove: the guest's ACPI _OST said busy (0x82)",
             "_OST status 0x82", [r["detail"] for r in rem])
    vmlib.check_new_blocks(s, after, new, "online", 1, ["Normal"], "after the refused removal")
    if onlined and after and onlined.sysfs and after.sysfs:
        s.eq(after.sysfs.ids(), onlined.sysfs.ids(), "after: the same blocks are present")
    for t in ("onlined", "after"):
        s.check_clean(t)
