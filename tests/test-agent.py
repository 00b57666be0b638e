#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""memtopo agent against the fake kernel for writes.

    test-agent.py MEMTOPO FAKEKERNEL.so CASE     (one case; meson runs each)
    test-agent.py MEMTOPO FAKEKERNEL.so all      (every case, by hand)
    test-agent.py --list                         (the cases, one a line:
                                                  meson registers each)

Each case writes a fixture with mkfixture under a temp dir, runs the agent
with --sysroot and the shim preloaded into memtopo only, and asserts the
exit status, the journal lines on stderr (one per block), the blocks'
files afterwards, the shim's log of write attempts and the state file.
The long-running agent reads its uevents from a FIFO
($MEMTOPO_AGENT_EVENTS, test only): the fake kernel sends none. Nothing
is written outside the temp dir.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkfixture  # noqa: E402
import mtlib  # noqa: E402

TALLY = mtlib.Tally()
check, eq, Skip = TALLY.check, TALLY.eq, mtlib.Skip
MEMTOPO = SHIM = None
PRELOAD = ""
FW = "../../../LNXSYSTM:00/LNXSYBUS:00/PNP0A06:04/"

# 128M blocks. Boot: memory0-7 Normal node0 (1G: auto-movable allows
# 3082M of Movable), 8-9 node1 Normal (256M: 770M Movable on node 1).
BOOT_BASE = """block-size 128M
auto-online offline
memory 0-7 zones=Normal node=0
memory 8-9 zones=Normal node=1
"""
# All RAM, hot-added blocks included (they are moved in from another tree).
BOOT = BOOT_BASE + "iomem 00000000-ffffffffff : System RAM\n"


def dimm(first, last, node, name):
    """An offline ACPI DIMM: plain System RAM, every block linked to its node."""
    lines = ["memory %d-%d state=offline zones=Normal,Movable node=%d" % (first, last, node)]
    lines += ["link sys/devices/system/memory/memory%d/firmware_node %s%s" % (b, FW, name)
              for b in range(first, last + 1)]
    return "\n".join(lines) + "\n"


class Agent:
    def __init__(self, tmp, scn, conf=None, name="root"):
        self.root = os.path.join(tmp, name)
        mkfixture.generate(scn, self.root)
        self.mem = os.path.join(self.root, "sys/devices/system/memory")
        self.fk = os.path.join(self.root, "fakekernel")
        self.lock = os.path.join(tmp, name + ".lock")
        self.fifo = os.path.join(tmp, name + ".events")
        self.conf = None
        if conf is not None:
            self.conf = os.path.join(tmp, name + ".conf")
            with open(self.conf, "w") as f:
                f.write(conf)
        self.proc = None

    def script(self, block, *lines):
        os.makedirs(self.fk, exist_ok=True)
        with open(os.path.join(self.fk, "memory%d" % block), "w") as f:
            f.write("".join(line + "\n" for line in lines))

    def env(self):
        env = mtlib.test_env()
        env["MEMTOPO_FAKE_KERNEL"] = self.root
        env["MEMTOPO_LOCK"] = self.lock
        env["LD_PRELOAD"] = PRELOAD
        return env

    def argv(self, args):
        conf = ["--config", self.conf] if self.conf else []
        return [MEMTOPO, "--sysroot", self.root, "agent"] + conf + list(args)

    def run(self, *args, timeout=60):
        argv = self.argv(args)
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=self.env(), timeout=timeout)
            rc, out, err = p.returncode, p.stdout.decode(), p.stderr.decode()
        except subprocess.TimeoutExpired as e:
            rc, out, err = None, (e.stdout or b"").decode(), (e.stderr or b"").decode()
        run = mtlib.Run(argv, rc, out.encode(), err.encode(), timed_out=rc is None)
        check(run.crash_reason() is None, "%s: %s\n%s" % (argv, run.crash_reason(), err))
        return rc, out, err

    # the long-running agent
    def start(self, *args):
        os.mkfifo(self.fifo)
        env = self.env()
        env["MEMTOPO_AGENT_EVENTS"] = self.fifo
        self.errpath = self.root + ".stderr"
        self.errf = open(self.errpath, "wb")
        self.proc = subprocess.Popen(self.argv(args), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.errf, env=env)
        # O_RDWR: never blocks, and the agent holds its own end open.
        self.ev = os.open(self.fifo, os.O_RDWR)
        self.wait_log(r"listening to file uevents", "the agent's coldplug")

    def send(self, text):
        os.write(self.ev, text.encode())

    def log(self):
        with open(self.errpath, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_log(self, pattern, what, count=1, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(re.findall(pattern, self.log(), re.M)) >= count:
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        return check(False, "timed out waiting for %s (%r x%d); log:\n%s" %
                     (what, pattern, count, self.log()[-3000:]))

    def stop(self, sig=signal.SIGTERM, timeout=30):
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            check(False, "the agent did not exit %d s after signal %d" % (timeout, sig))
        os.close(self.ev)
        self.errf.close()
        run = mtlib.Run(self.proc.args, rc, b"", self.log().encode())
        check(run.crash_reason() is None, "agent: %s" % run.crash_reason())
        return rc

    # what the fixture says
    def attr(self, block, name):
        with open(os.path.join(self.mem, "memory%d" % block, name)) as f:
            return f.read().strip()

    def zone(self, block):
        return (self.attr(block, "state"), self.attr(block, "valid_zones"))

    def fk_log(self):
        try:
            with open(os.path.join(self.fk, "log")) as f:
                return [tuple(line.split(" ")) for line in f.read().splitlines() if line]
        except FileNotFoundError:
            return []

    def state(self):
        """The state file, held to doc/schema/agent-state.json."""
        with open(os.path.join(self.root, "run/memtopo/agent.json")) as f:
            doc = json.load(f)
        mtlib.check_state_schema(doc)
        return doc

    def has_state(self):
        return os.path.exists(os.path.join(self.root, "run/memtopo/agent.json"))

    def add_blocks(self, tmp, scn, blocks, node):
        """Hot-add: move memoryN (and the back-links) from a second tree in."""
        other = os.path.join(tmp, "hot-%d" % blocks[0])
        mkfixture.generate(scn, other)
        for b in blocks:
            os.rename(os.path.join(other, "sys/devices/system/memory/memory%d" % b),
                      os.path.join(self.mem, "memory%d" % b))
            os.rename(os.path.join(other, "sys/devices/system/node/node%d/memory%d" % (node, b)),
                      os.path.join(self.root, "sys/devices/system/node/node%d/memory%d"
                                   % (node, b)))


def block_lines(err, block):
    return re.findall(r"^memtopo agent: memory%d: .*$" % block, err, re.M)


def expect_block(err, block, result, zone, reason, what):
    lines = block_lines(err, block)
    if eq(len(lines), 1, "%s: journal lines of memory%d" % (what, block)):
        line = lines[0]
        check(("memory%d: %s " % (block, result)) in line and (" zone=%s " % zone) in line
              and reason in line,
              "%s: memory%d: want %s zone=%s '...%s...', got %r"
              % (what, block, result, zone, reason, line))


def entries(doc, block):
    return [e for e in doc["blocks"] if e["block"] == block]


# ------------------------------------------------------------------ cases

def case_coldplug(tmp):
    """--once: a DIMM within the ratio wholly Movable, one on node 1 past the
    node's ratio wholly Normal; boot blocks untouched; one line per block;
    the state file says the same, with the counters."""
    a = Agent(tmp, BOOT + dimm(16, 19, 0, "PNP0C80:00") + dimm(24, 31, 1, "PNP0C80:01"))
    rc, out, err = a.run("--once")
    eq(rc, 0, "coldplug: exit status")
    eq(out, "", "coldplug: nothing on stdout")
    for b in range(16, 20):
        eq(a.zone(b), ("online", "Movable"), "DIMM0 memory%d" % b)
        expect_block(err, b, "onlined", "Movable", "auto-movable: Movable 512M of 3.8G "
                     "allowed machine-wide, 512M of 3G on node 0", "coldplug")
    for b in range(24, 32):
        eq(a.zone(b), ("online", "Normal"), "DIMM1 memory%d" % b)
        expect_block(err, b, "onlined", "Normal",
                     "Movable would be 1G on node 1, past 301%", "coldplug")
    eq(sorted(int(x[0][6:]) for x in a.fk_log()), list(range(16, 20)) + list(range(24, 32)),
       "coldplug: one write per offline block, none to boot blocks")
    doc = a.state()
    eq(doc["memtopo"]["schema"], 1, "state: schema")
    eq(len(doc["blocks"]), 12, "state: 12 entries")
    e = entries(doc, 16)[0]
    eq((e["node"], e["source"], e["device"], e["zone"], e["result"]),
       (0, "acpi-dimm", "PNP0C80:00", "Movable", "onlined"), "state: memory16")
    eq(sorted((c["node"], c["zone"], c["source"], c["bytes"])
              for c in doc["counters"]["onlined_bytes"]),
       [(0, "Movable", "acpi-dimm", 4 << 27), (1, "Normal", "acpi-dimm", 8 << 27)],
       "state: onlined bytes by node, zone, source")
    # check's Prometheus output carries the state file's counters, parsed strictly.
    p = subprocess.run([MEMTOPO, "--sysroot", a.root, "check", "--format", "prometheus"],
                       stdout=subprocess.PIPE, env=mtlib.test_env())
    prom = subprocess.run([sys.executable, os.path.join(mtlib.TESTS_DIR, "prom-parse.py"), "-"],
                          input=p.stdout, stdout=subprocess.PIPE)
    eq(prom.returncode, 0, "prometheus: parses: %s" % prom.stdout.decode()[-300:])
    text = p.stdout.decode()
    for line in ('memtopo_agent_onlined_bytes_total{node="0",zone="Movable",source="acpi-dimm"} '
                 '536870912', 'memtopo_agent_onlined_bytes_total{node="1",zone="Normal",'
                 'source="acpi-dimm"} 1073741824', 'memtopo_agent_refusals_total{reason="unsafe"} 0'):
        check(line in text.splitlines(), "prometheus: %s" % line)
    rc, out, err = a.run("--once")
    eq(rc, 0, "a second coldplug: exit status")
    eq(len(a.fk_log()), 12, "a second coldplug writes nothing")


def case_hostile_names(tmp):
    """A device name with an escape sequence, a BEL and a byte that is not
    UTF-8 (a firmware_node link can be named anything): the journal line
    shows its bytes as \\xNN (mt_visible), the state file holds it as
    valid UTF-8 JSON (mt_json_str: U+FFFD for the bad byte)."""
    name = "PNP0C80:\x1b]0;owned\x07\udcff"
    a = Agent(tmp, BOOT + dimm(16, 17, 0, name))
    rc, out, err = a.run("--once")
    eq(rc, 0, "hostile name: exit status")
    lines = block_lines(err, 16)
    eq(len(lines), 1, "hostile name: one journal line for memory16")
    check(lines and "device=PNP0C80:\\x1b]0;owned\\x07\\xff:" in lines[0],
          "hostile name: the journal line shows the bytes escaped: %r" % lines[:1])
    check(not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", err),
          "hostile name: no control character reaches stderr: %r" % err[-300:])
    with open(os.path.join(a.root, "run/memtopo/agent.json"), "rb") as f:
        raw = f.read()
    try:
        raw.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    check(utf8, "hostile name: the state file is valid UTF-8")
    doc = a.state()
    eq(entries(doc, 16)[0]["device"], "PNP0C80:\x1b]0;owned\x07\ufffd",
       "hostile name: the state file's device, the bad byte as U+FFFD")


def case_dry_run(tmp):
    """--dry-run: the decisions logged, nothing written, no state file."""
    a = Agent(tmp, BOOT + dimm(16, 19, 0, "PNP0C80:00"))
    rc, out, err = a.run("--once", "--dry-run")
    eq(rc, 0, "dry run: exit status")
    for b in range(16, 20):
        expect_block(err, b, "would be onlined", "Movable", "auto-movable", "dry run")
        eq(a.zone(b), ("offline", "Normal Movable"), "dry run: memory%d untouched" % b)
    eq(a.fk_log(), [], "dry run: no write")
    check(not a.has_state(), "dry run: no state file")


def case_config_errors(tmp):
    """A bad configuration: one line naming file, line and key, exit 2,
    nothing written; --check-config says the same. Drop-ins under the
    sysroot: later files win; a good one is printed whole."""
    a = Agent(tmp, BOOT + dimm(16, 19, 0, "PNP0C80:00"),
              conf="[agent]\ntakeover = no\n\n[policy]\nzone = fastest\n")
    for args in (["--once"], ["--check-config"], []):
        rc, out, err = a.run(*args)
        eq(rc, 2, "bad zone %s: exit status" % args)
        eq(err, "memtopo: agent: %s:5: [policy] zone: 'fastest' is not movable, kernel, auto, "
           "auto-movable or ignore\n" % a.conf, "bad zone %s: the one line" % args)
    eq(a.fk_log(), [], "bad config: no write")
    check(not a.has_state(), "bad config: no state file")
    b = Agent(tmp, BOOT + dimm(16, 19, 0, "PNP0C80:00"), name="dropins")
    etc, usr = os.path.join(b.root, "etc/memtopo"), os.path.join(b.root, "usr/lib/memtopo")
    os.makedirs(etc + "/agent.conf.d")
    os.makedirs(usr + "/agent.conf.d")
    with open(etc + "/agent.conf", "w") as f:
        f.write("[policy]\nzone = kernel\nratio = 200\n[match dimms]\nsource = acpi-dimm\n")
    with open(usr + "/agent.conf.d/10-vendor.conf", "w") as f:
        f.write("[match dimms]\nzone = movable\n")
    with open(etc + "/agent.conf.d/20-site.conf", "w") as f:
        f.write("[policy]\nratio = 150 # site\n")
    rc, out, err = b.run("--check-config")
    eq(rc, 0, "drop-ins: --check-config exit status")
    eq(out, "# memtopo agent: effective configuration, from: etc/memtopo/agent.conf "
       "usr/lib/memtopo/agent.conf.d/10-vendor.conf etc/memtopo/agent.conf.d/20-site.conf\n"
       "[agent]\ntakeover = no\ntimeout = 30\nretries = 3\n\n"
       "[policy]\nzone = kernel\nratio = 150\nnuma-aware = yes\n\n"
       "[match dimms]\nzone = movable\nratio = 150\nnuma-aware = yes\nsource = acpi-dimm\n",
       "drop-ins: the effective configuration")
    with open(etc + "/agent.conf.d/30-typo.conf", "w") as f:
        f.write("[match dimms]\nsorce = kmem\n")
    rc, out, err = b.run("--once")
    eq((rc, err), (2, "memtopo: agent: etc/memtopo/agent.conf.d/30-typo.conf:2: [match dimms] "
                      "sorce: unknown key (known: zone, ratio, numa-aware, source, node, size)\n"),
       "unknown key in a drop-in")
    eq(b.fk_log(), [], "unknown key: no write")


def case_conflicts(tmp):
    """Another agent: auto_online_blocks, a distro rule, daxctl's rule: exit
    1 with one line naming it, nothing written; takeover runs anyway."""
    rules = {
        "auto_online_blocks": ("auto-online online\n", "auto_online_blocks is 'online'"),
        "redhat": ("file lib/udev/rules.d/40-redhat.rules\n"
                   'SUBSYSTEM=="memory", ACTION=="add", ATTR{state}=="offline", '
                   'ATTR{state}="online"\nend\n',
                   "/lib/udev/rules.d/40-redhat.rules:1: a udev rule onlines memory"),
        "daxctl": ("file usr/lib/udev/rules.d/90-daxctl-device.rules\n"
                   'ACTION=="add", SUBSYSTEM=="dax", TAG+="systemd", '
                   'ENV{SYSTEMD_WANTS}="daxdev-reconfigure@$kernel.service"\nend\n',
                   "/usr/lib/udev/rules.d/90-daxctl-device.rules:1: daxctl's udev rule"),
    }
    for name, (extra, want) in rules.items():
        a = Agent(tmp, BOOT + dimm(16, 19, 0, "PNP0C80:00") + extra, name=name, conf="")
        rc, out, err = a.run("--once")
        eq(rc, 1, "%s: exit status" % name)
        lines = err.splitlines()
        check(len(lines) == 1 and lines[0].startswith("memtopo: agent: another agent onlines "
                                                      "memory: ") and want in lines[0]
              and "takeover = yes" in lines[0], "%s: one line naming it: %r" % (name, err))
        eq(a.fk_log(), [], "%s: no write" % name)
        with open(a.conf, "w") as f:
            f.write("[agent]\ntakeover = yes\n")
        a.script(17, "race:online_kernel")
        rc, out, err = a.run("--once")
        eq(rc, 0, "%s, takeover: exit status" % name)
        check("takeover = yes: running beside another agent" in err, "%s: takeover logged" % name)
        expect_block(err, 17, "already", "Normal", "another agent onlined it first",
                     "%s, takeover" % name)
        eq(a.zone(17), ("online", "Normal"), "%s: the other agent's zone stays" % name)
        for b in (16, 18, 19):
            eq(a.zone(b), ("online", "Movable"), "%s, takeover: memory%d" % (name, b))
        eq(entries(a.state(), 17)[0]["result"], "already", "%s: state says already" % name)


def case_write_errors(tmp):
    """EBUSY for good and EINVAL: the block fails (logged with the errno and
    the attempts), the others are onlined; --once exits 1; the long-running
    agent goes on and onlines the next hot-add."""
    a = Agent(tmp, BOOT + dimm(16, 19, 0, "PNP0C80:00"), conf="[agent]\nretries = 1\n")
    a.script(17, "forever:EBUSY")
    a.script(18, "EINVAL")
    rc, out, err = a.run("--once")
    eq(rc, 1, "write errors: --once exit status")
    expect_block(err, 17, "failed", "Movable", "write failed: EBUSY, busy (2 attempts)", "EBUSY")
    expect_block(err, 18, "failed", "Movable", "write failed: EINVAL", "EINVAL")
    eq(a.zone(17), ("offline", "Normal Movable"), "EBUSY: memory17 still offline")
    eq(a.zone(16), ("online", "Movable"), "memory16 onlined anyway")
    eq(a.zone(19), ("online", "Movable"), "memory19 onlined anyway")
    doc = a.state()
    eq(doc["counters"]["refusals"]["failed"], 2, "state: 2 failed writes counted")
    b = Agent(tmp, BOOT, name="daemon", conf="")
    b.start()
    b.add_blocks(tmp, BOOT + dimm(16, 19, 0, "PNP0C80:00"), [16, 17, 18, 19], 0)
    b.script(17, "forever:EBUSY")
    b.send("".join("add memory%d\n" % n for n in (16, 17, 18, 19)))
    b.wait_log(r"^memtopo agent: batch of 4 blocks", "the batch")
    b.add_blocks(tmp, BOOT + dimm(24, 27, 0, "PNP0C80:01"), [24, 25, 26, 27], 0)
    b.send("".join("add memory%d\n" % n for n in (24, 25, 26, 27)))
    b.wait_log(r"^memtopo agent: batch of 4 blocks", "the second batch", count=2)
    check(b.proc.poll() is None, "the agent is still running after a failed block")
    eq(b.stop(), 0, "SIGTERM: exit status")
    err = b.log()
    expect_block(err, 17, "failed", "Movable", "EBUSY", "daemon EBUSY")
    for n in (24, 25, 26, 27):
        eq(b.zone(n), ("online", "Movable"), "daemon: the next hot-add memory%d" % n)


def case_vanished(tmp):
    """An add event for a block that is gone: logged, recorded, no write, the
    agent goes on; a remove is recorded with the node it had."""
    a = Agent(tmp, BOOT, conf="")
    a.start()
    a.add_blocks(tmp, BOOT + dimm(16, 17, 0, "PNP0C80:00"), [16, 17], 0)
    a.send("add memory16\nadd memory17\nadd memory99\n")
    a.wait_log(r"^memtopo agent: batch of 3 blocks", "the batch")
    a.send("remove memory16\n")
    a.wait_log(r"^memtopo agent: memory16: removed node=0 source=acpi-dimm "
               r"device=PNP0C80:00$", "the remove")
    eq(a.stop(), 0, "exit status")
    err = a.log()
    eq(len(block_lines(err, 99)), 1, "one line for the vanished block")
    check("memory99: ignored node=- zone=- source=unknown: gone before it could be judged"
          in err, "vanished: logged as gone: %r" % block_lines(err, 99))
    check(not any(x[0] == "memory99" for x in a.fk_log()), "vanished: no write")
    doc = a.state()
    eq([e["result"] for e in entries(doc, 99)], ["ignored"], "state: memory99 ignored")
    eq([e["result"] for e in entries(doc, 16)], ["onlined", "removed"],
       "state: memory16 onlined, then removed")


def case_ratio(tmp):
    """auto-movable: the next DIMM would pass the ratio machine-wide: wholly
    Normal, logged with the figures; a lower ratio in a match, per source."""
    # 1.25G of boot kernel memory allows 3.76G of Movable: 3.5G + 512M is past it.
    scn = BOOT + "memory 16-43 zones=Movable node=0\n"
    a = Agent(tmp, scn + dimm(48, 51, 0, "PNP0C80:00"), conf="[policy]\nnuma-aware = no\n")
    rc, out, err = a.run("--once")
    eq(rc, 0, "ratio: exit status")
    for b in range(48, 52):
        eq(a.zone(b), ("online", "Normal"), "ratio: memory%d wholly Normal" % b)
        expect_block(err, b, "onlined", "Normal",
                     "auto-movable: Movable would be 4G machine-wide, past 301% of boot-time "
                     "kernel memory", "ratio")
    # The same DIMM with a ratio of 400%: 5G allowed, Movable.
    b = Agent(tmp, scn + dimm(48, 51, 0, "PNP0C80:00"), name="r400",
              conf="[policy]\nnuma-aware = no\n[match d]\nsource = acpi-dimm\nratio = 400\n")
    rc, out, err = b.run("--once")
    for n in range(48, 52):
        eq(b.zone(n), ("online", "Movable"), "ratio 400: memory%d Movable" % n)


def case_split_dimm(tmp):
    """A DIMM whose blocks come in bursts 0.3 s apart (a gap far past the
    quiet gap) is still judged whole: its System RAM resource says 4
    blocks, so the batch waits for the last two, and for the event of the
    last one even once sysfs shows it. Judged in halves, the
    first half would fit the ratio (Movable) and the second not (Normal)."""
    # 1.25G of boot kernel memory allows 3.76G of Movable; 3.5G is there:
    # 256M more fits, the DIMM's 512M does not.
    # The kernel registers the DIMM's resource before it adds any block.
    base = BOOT_BASE + ("iomem 00000000-4fffffff : System RAM\n"
                        "iomem 80000000-15fffffff : System RAM\n"
                        "iomem 180000000-19fffffff : System RAM\n"
                        "memory 16-43 zones=Movable node=0\n")
    full = base + dimm(48, 51, 0, "PNP0C80:00")
    a = Agent(tmp, base, conf="[policy]\nnuma-aware = no\n")
    # Both halves made before the first event: the second must come well
    # inside the batch's 1 s limit, also on a slow sanitizer build.
    hot = os.path.join(tmp, "hot")
    mkfixture.generate(full, hot)

    def move_in(blocks):
        for b in blocks:
            for d in ("memory", "node/node0"):
                os.rename(os.path.join(hot, "sys/devices/system/%s/memory%d" % (d, b)),
                          os.path.join(a.root, "sys/devices/system/%s/memory%d" % (d, b)))
    a.start()
    move_in([48, 49])
    a.send("add memory48\nadd memory49\n")
    time.sleep(0.3)
    eq([x for x in a.fk_log() if x[0] in ("memory48", "memory49")], [],
       "split DIMM: nothing written while half of it is there")
    # All four in sysfs, one event still on its way: still waiting.
    move_in([50, 51])
    a.send("add memory50\n")
    time.sleep(0.3)
    eq([x for x in a.fk_log() if x[0] in ("memory%d" % b for b in range(48, 52))], [],
       "split DIMM: nothing written while one block's event has not come")
    a.send("add memory51\n")
    a.wait_log(r"^memtopo agent: batch of 4 blocks", "the whole DIMM's batch")
    eq(a.stop(), 0, "split DIMM: SIGTERM exit status")
    err = a.log()
    eq(len(re.findall(r"^memtopo agent: batch of [1-9]", err, re.M)), 1,
       "split DIMM: one batch")
    for b in range(48, 52):
        eq(a.zone(b), ("online", "Normal"), "split DIMM: memory%d Normal, with the rest" % b)
        expect_block(err, b, "onlined", "Normal", "auto-movable: Movable would be 4G "
                     "machine-wide, past 301%", "split DIMM")


def case_storm(tmp):
    """500 add events in one second: every block onlined, in a few batches,
    one line each; the agent keeps running and stops cleanly."""
    a = Agent(tmp, BOOT, conf="[policy]\nzone = movable\n")
    a.start()
    blocks = list(range(100, 600))
    hot = BOOT + "memory 100-599 state=offline zones=Normal,Movable node=0\n"
    a.add_blocks(tmp, hot, blocks, 0)
    t = time.monotonic()
    for k in range(0, 500, 50):
        a.send("".join("add memory%d\n" % n for n in blocks[k:k + 50]))
        time.sleep(0.05)
    check(time.monotonic() - t < 1.0, "500 events sent within a second")
    a.wait_log(r"^memtopo agent: memory\d+: onlined", "500 blocks onlined", count=500,
               timeout=90)
    sys.stdout.write("storm: 500 events to 500 blocks onlined: %.2f s\n" % (time.monotonic() - t))
    eq(a.stop(), 0, "storm: exit status")
    err = a.log()
    batches = re.findall(r"^memtopo agent: batch of (\d+) blocks?:", err, re.M)
    eq(sum(int(n) for n in batches[1:]), 500, "storm: the batches cover 500 blocks")
    check(len(batches) - 1 <= 10, "storm: at most 10 batches for 500 events (%d)"
          % (len(batches) - 1))
    eq(sorted(int(x[0][6:]) for x in a.fk_log()), blocks, "storm: one write per block")
    eq(len(a.state()["blocks"]), 500, "storm: 500 state entries")


def case_sigterm(tmp):
    """SIGTERM mid-batch: the write in flight finishes, no further block is
    written, the rest are logged as ignored and stay offline; exit 0; the
    log, the state file and the blocks agree."""
    a = Agent(tmp, BOOT, conf="[policy]\nzone = movable\n")
    a.start()
    a.add_blocks(tmp, BOOT + dimm(16, 19, 0, "PNP0C80:00"), [16, 17, 18, 19], 0)
    a.script(17, "delay:1500")
    a.send("".join("add memory%d\n" % n for n in (16, 17, 18, 19)))
    a.wait_log(r"^memtopo agent: listening", "listening")
    end = time.monotonic() + 20
    while time.monotonic() < end and not os.path.exists(os.path.join(a.fk, "memory17.count")):
        time.sleep(0.01)
    time.sleep(0.2)  # memory17's write is in flight (1.5 s)
    t = time.monotonic()
    eq(a.stop(), 0, "SIGTERM: exit status")
    check(time.monotonic() - t < 5, "SIGTERM: exit within the write's time")
    err = a.log()
    eq(a.zone(16), ("online", "Movable"), "memory16 onlined before the signal")
    eq(a.zone(17), ("online", "Movable"), "memory17: the write in flight finished")
    expect_block(err, 17, "onlined", "Movable", "zone = movable", "in flight")
    for b in (18, 19):
        eq(a.zone(b), ("offline", "Normal Movable"), "memory%d not written" % b)
        expect_block(err, b, "ignored", "Movable", "not written: the agent is stopping", "rest")
    eq([x[0] for x in a.fk_log()], ["memory16", "memory17"], "only two writes")
    doc = a.state()
    eq([(e["block"], e["result"]) for e in doc["blocks"]],
       [(16, "onlined"), (17, "onlined"), (18, "ignored"), (19, "ignored")],
       "state agrees with the log")


def case_lock_held(tmp):
    """The lock held by a manual memtopo offline: the batch waits (logged
    once), then runs when the lock is free."""
    import fcntl
    a = Agent(tmp, BOOT, conf="")
    a.start()
    fd = os.open(a.lock, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    os.write(fd, b"%d\n" % os.getpid())
    a.add_blocks(tmp, BOOT + dimm(16, 19, 0, "PNP0C80:00"), [16, 17, 18, 19], 0)
    a.send("".join("add memory%d\n" % n for n in (16, 17, 18, 19)))
    a.wait_log(r"another memtopo \(pid %d\) is changing memory blocks: the batch waits"
               % os.getpid(), "the wait", timeout=30)
    eq(a.fk_log(), [], "nothing written while the lock is held")
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
    a.wait_log(r"^memtopo agent: batch of 4 blocks", "the batch after the lock", timeout=30)
    eq(a.stop(), 0, "exit status")
    eq(len(re.findall("the batch waits", a.log())), 1, "the wait logged once")
    for b in range(16, 20):
        eq(a.zone(b), ("online", "Movable"), "memory%d onlined after the lock" % b)


def case_reload(tmp):
    """SIGHUP: a good configuration takes effect for the next hot-add; a bad
    one is logged and the old one kept."""
    a = Agent(tmp, BOOT, conf="[policy]\nzone = movable\n")
    a.start()
    with open(a.conf, "w") as f:
        f.write("[policy]\nzone = kernel\n")
    a.proc.send_signal(signal.SIGHUP)
    a.wait_log(r"SIGHUP: configuration reloaded \(policy zone = kernel", "the reload")
    with open(a.conf, "w") as f:
        f.write("[policy]\nzone = sideways\n")
    a.proc.send_signal(signal.SIGHUP)
    a.wait_log(r"keeping the old one", "the bad reload")
    a.add_blocks(tmp, BOOT + dimm(16, 17, 0, "PNP0C80:00"), [16, 17], 0)
    a.send("add memory16\nadd memory17\n")
    a.wait_log(r"^memtopo agent: batch of 2 blocks", "the batch")
    eq(a.stop(), 0, "exit status")
    check(a.proc.returncode == 0 and "'sideways' is not movable" in a.log(),
          "the bad configuration named")
    for b in (16, 17):
        eq(a.zone(b), ("online", "Normal"), "memory%d: the reloaded zone = kernel" % b)


def case_flagged(tmp):
    """Blocks check flags are never onlined, dlpar and ignore never touched."""
    scn = BOOT_BASE + dimm(16, 17, 0, "PNP0C80:00") + \
        "memory 20 state=offline zones=Normal,Movable node=0\n" + \
        "iomem 00000000-8fffffff : System RAM\niomem a0000000-a3ffffff : System RAM\n"
    a = Agent(tmp, scn, conf="[match dimm]\nsource = acpi-dimm\nzone = ignore\n")
    rc, out, err = a.run("--once")
    eq(rc, 0, "flagged: exit status (refusals by policy are not failures)")
    expect_block(err, 20, "refused", "-", "check flags it partial-ram", "flagged")
    for b in (16, 17):
        expect_block(err, b, "ignored", "-", "[dimm] zone = ignore", "ignore")
    eq(a.fk_log(), [], "flagged and ignored: no write")
    eq(a.state()["counters"]["refusals"]["unsafe"], 1, "state: one unsafe refusal")


CASES = {
    "coldplug": case_coldplug,
    "dry-run": case_dry_run,
    "hostile-names": case_hostile_names,
    "config-errors": case_config_errors,
    "conflicts": case_conflicts,
    "write-errors": case_write_errors,
    "vanished": case_vanished,
    "ratio": case_ratio,
    "split-dimm": case_split_dimm,
    "storm": case_storm,
    "sigterm": case_sigterm,
    "lock-held": case_lock_held,
    "reload": case_reload,
    "flagged": case_flagged,
}


def states_checked(case):
    """The case, then every state file it left anywhere under its temp
    dir held to doc/schema/agent-state.json (also those it never read)."""
    def run(tmp):
        case(tmp)
        found = 0
        for root, _, files in os.walk(tmp):
            if root.endswith(os.path.join("run", "memtopo")) and "agent.json" in files:
                found += 1
                path = os.path.join(root, "agent.json")
                try:
                    with open(path) as f:
                        mtlib.check_state_schema(json.load(f))
                    problem = None
                except (ValueError, AssertionError) as e:
                    problem = str(e)
                check(problem is None, "%s: matches doc/schema/agent-state.json%s"
                      % (os.path.relpath(path, tmp), "" if problem is None else ": " + problem))
    return run


def preload_list(exe, shim):
    out = subprocess.run(["ldd", exe], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode()
    m = re.search(r"^\s*libasan\.so\S*\s+=>\s+(\S+)", out, re.M)
    return ([m.group(1)] if m else []) + [shim]


def main(argv):
    global MEMTOPO, SHIM, PRELOAD
    if argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(argv) != 4 or (argv[3] not in CASES and argv[3] != "all"):
        sys.stderr.write("usage: test-agent.py MEMTOPO FAKEKERNEL.so CASE|all\ncases: %s\n"
                         % " ".join(CASES))
        return 2
    MEMTOPO = mtlib.check_binary(argv[1])
    SHIM = os.path.abspath(argv[2])
    PRELOAD = ":".join(preload_list(MEMTOPO, SHIM))
    names = list(CASES) if argv[3] == "all" else [argv[3]]
    results = {n: TALLY.run_case(n, states_checked(CASES[n]), "memtopo-agent-") for n in names}
    return mtlib.cases_status(results)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
