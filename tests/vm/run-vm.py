#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Real-kernel harness of the vm suite (stdlib only). See tests/vm/README.md.

One boot of a Debian kernel under QEMU per run; meson runs one scenario
per boot, so no scenario depends on what another one left behind:

  run-vm.py --arch x86_64 --memtopo EXE --results DIR --name vm-S --scenarios S
  run-vm.py --arch ppc64le --cross-dir BUILD/cross-ppc64le --memtopo EXE ...

It provisions (apt packages, the architecture's Debian kernel, for a
foreign architecture the cross build of memtopo and a foreign busybox:
all cached outside the repo), builds the initramfs, boots QEMU, serves the
guest's requests and judges every scenario it ran (several scenarios in
one boot run in order: a debugging aid, not independent). --memtopo is
the binary under test on x86_64; on other architectures the guest runs
the cross build and --memtopo (the host's build) only judges page flags on
the host. Exit: 0 pass, 1 fail, 77 skip (QEMU, the kernel or a cross
compiler cannot be had; a failure when MEMTOPO_REQUIRE_VM=1).
"""

import argparse
import contextlib
import fcntl
import json
import os
import platform
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
import provision  # noqa: E402
import vmarch  # noqa: E402
import vmlib  # noqa: E402
from provision import Broken, Skip, log, tail  # noqa: E402

SKIP = 77
KERNEL_CMDLINE = "memhp_default_state=offline panic=-1 quiet"
# Environment variables handed to memtopo inside the guest.
GUEST_ENV_PASS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
# Budgets are QEMU CPU seconds (the boot to HELLO, each scenario): what a
# guest needs does not depend on what else runs on the host, its wall time
# does (3 to 8 times longer with the host at load 13-24 on 2 cores). A guest
# that hangs uses no CPU: past WALL_CAP times its budget in wall time it
# is stopped too.
WALL_CAP = 6
# Seconds the guest may stay silent between two scenarios (it only sends
# VERDICT, BEGIN of the next; a hung init is caught here).
IDLE_TIMEOUT = 120


def parse_size(s):
    m = re.fullmatch(r"(\d+)([KMGT]?)i?B?", s.strip(), re.I)
    if not m:
        raise ValueError("bad size %r" % s)
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[m.group(2).upper()]


@contextlib.contextmanager
def flocked(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def choose_accel(arch):
    forced = os.environ.get("MEMTOPO_VM_ACCEL")
    if forced:
        return forced
    if arch.name != platform.machine():
        return "tcg"
    # qemu.md: the /dev/kvm of these machines is paravirtual and hangs QEMU;
    # kvm only with real vmx/svm and kvm_intel/kvm_amd loaded.
    try:
        with open("/proc/cpuinfo") as f:
            flags = re.search(r"^flags\s*:(.*)$", f.read(), re.M).group(1).split()
    except (OSError, AttributeError):
        flags = []
    if ("vmx" in flags or "svm" in flags) and os.access("/dev/kvm", os.R_OK | os.W_OK) and \
            (os.path.isdir("/sys/module/kvm_intel") or os.path.isdir("/sys/module/kvm_amd")):
        return "kvm"
    return "tcg"


# ---------------------------------------------------------------- initramfs

def guest_payload(cfg, tools, apt, cache, deadline):
    """What goes into the guest: {"busybox", "memtopo", "bins": [...],
    "libs": [(guest path, host path)]}."""
    arch = cfg.arch
    if not arch.cross:
        libs = provision.host_dlopened_paths()
        for binary in [cfg.memtopo, tools["busybox"]] + cfg.guest_bin:
            libs += provision.ldd_paths(binary)
        return {"busybox": tools["busybox"], "memtopo": cfg.memtopo, "bins": cfg.guest_bin,
                "libs": [(p, p) for p in dict.fromkeys(libs)]}
    if not cfg.cross_dir:
        raise Broken("--arch %s needs --cross-dir (the cross build directory)" % arch.name)
    busybox = provision.ensure_busybox(cache, apt, deadline, arch)
    out = provision.cross_build(arch, cfg.cross_dir, deadline)
    t = arch.triplet
    search = [os.path.join(out["sysroot"], d, t) for d in ("lib", "usr/lib")] + [out["libc"]]
    return {"busybox": busybox, "memtopo": out["memtopo"],
            "bins": [out["vm-mlock"], out["vm-kpageflags"]],
            "libs": provision.foreign_libs([out["memtopo"]], search)}


def build_initramfs(out, tools, kernel, payload, cfg, stage):
    def put(src, rel, mode=None):
        dst = os.path.join(stage, rel.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.realpath(src), dst)
        os.chmod(dst, mode if mode is not None else (os.stat(src).st_mode & 0o777))

    arch = cfg.arch
    # Empty udev rules directories: a system without memory rules (so check
    # does not report them as missing evidence).
    for d in ("bin", "dev", "proc", "sys", "tmp", "run", "etc/vm", "lib/vm", "scenarios", "modules",
              "etc/udev/rules.d", "lib/udev/rules.d"):
        os.makedirs(os.path.join(stage, d), exist_ok=True)
    # busybox installs its applet links itself (init's first line): a
    # foreign busybox cannot be asked for its list here.
    put(payload["busybox"], "bin/busybox", 0o755)
    os.symlink("busybox", os.path.join(stage, "bin", "sh"))
    put(payload["memtopo"], "bin/memtopo", 0o755)
    for b in payload["bins"]:
        put(b, "bin/" + os.path.basename(b), 0o755)
    libdirs = []
    for guest_path, host_path in payload["libs"]:
        put(host_path, guest_path, 0o755)
        if os.path.dirname(guest_path) not in libdirs:
            libdirs.append(os.path.dirname(guest_path))
    put(os.path.join(HERE, "guest", "init"), "init", 0o755)
    for lib in ("lib.sh", "census.sh"):
        put(os.path.join(HERE, "guest", lib), "lib/vm/" + lib, 0o644)
    for s in cfg.scenarios:
        src = os.path.join(HERE, "scenarios", s + ".sh")
        if not os.path.exists(src):
            raise Broken("no guest script %s" % os.path.relpath(src, HERE))
        put(src, "scenarios/%s.sh" % s, 0o644)
    for m in kernel.get("modules", []):
        put(os.path.join(kernel["dir"], "modules", m + ".ko"), "modules/%s.ko" % m, 0o644)
    with open(os.path.join(stage, "etc/vm/scenarios"), "w") as f:
        f.write("\n".join(cfg.scenarios) + "\n")
    env = {"LC_ALL": "C", "NO_COLOR": "1", "TERM": "dumb", "HOME": "/root",
           "LD_LIBRARY_PATH": ":".join(libdirs), "VM_ARCH": arch.name,
           "VM_CTL": arch.ctl_dev, "VM_EARLY_MODULES": " ".join(arch.early_modules)}
    for k in GUEST_ENV_PASS:
        if os.environ.get(k):
            env[k] = os.environ[k]
    with open(os.path.join(stage, "etc/vm/env"), "w") as f:
        for k, v in env.items():
            f.write("export %s='%s'\n" % (k, v.replace("'", "'\\''")))
    if os.geteuid() == 0:
        for name, major, minor in (("console", 5, 1), ("null", 1, 3)):
            os.mknod(os.path.join(stage, "dev", name), 0o600 | 0o020000, os.makedev(major, minor))
    names = []
    for root, dirs, files in os.walk(stage):
        dirs.sort()
        rel = os.path.relpath(root, stage)
        for n in sorted(dirs + files):
            names.append(os.path.normpath(os.path.join(rel, n)))
    with open(out, "wb") as f:
        r = subprocess.run([tools["cpio"], "-o", "-H", "newc", "-R", "0:0", "--quiet"],
                           input="\n".join(names).encode() + b"\n", stdout=f,
                           stderr=subprocess.PIPE, cwd=stage, check=False)
    if r.returncode != 0:
        raise Broken("cpio failed: %s" % r.stderr.decode()[-300:])
    return os.path.getsize(out)


# ---------------------------------------------------------------- the boot

class Guest:
    """One QEMU boot: sockets, the request server, the transcript."""

    def __init__(self, cfg, tools, kernel, initrd, workdir, logs):
        self.cfg, self.tools, self.kernel = cfg, tools, kernel
        self.initrd, self.workdir, self.logs = initrd, workdir, logs
        self.scen = {}            # name -> record
        self.current = None
        self.events = []          # QMP events (dicts with "t")
        self.qmp_replies = {}
        self.qmp_seq = 0
        self.ctl_lines = []
        self.bufs = {}
        self.socks = {}
        self.console_tail = ""
        self.hello = None
        self.done = False
        self.end_reason = None
        self.arch = cfg.arch.name
        self.blob = None          # (name, rc, lines) while receiving

    # -- QEMU command line
    def qemu_argv(self, paths):
        cfg, arch = self.cfg, self.cfg.arch
        sizes = cfg.node_mem
        n = len(sizes)
        boot = sum(sizes)
        maxmem = boot + cfg.vmem + cfg.dimm_space
        mem = "%dM" % (boot >> 20)
        if maxmem > boot and cfg.slots:
            mem += ",slots=%d,maxmem=%dM" % (cfg.slots, maxmem >> 20)
        argv = [self.tools["qemu"], "-accel", cfg.accel] + arch.machine_args() + [
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-smp", "%d,sockets=%d,cores=1,threads=1" % (n, n), "-m", mem]
        for k, size in enumerate(sizes):
            argv += ["-object", "memory-backend-ram,id=ram%d,size=%dM" % (k, size >> 20),
                     "-numa", "node,nodeid=%d,cpus=%d,memdev=ram%d" % (k, k, k)]
        if cfg.vmem:
            argv += ["-object", "memory-backend-ram,id=vmem0-mem,size=%dM" % (cfg.vmem >> 20),
                     "-device", "virtio-mem-pci,id=vmem0,memdev=vmem0-mem,node=%d,requested-size=0"
                     % cfg.vmem_node]
        kdir = self.kernel["dir"]
        if self.kernel.get("pvh") and self.tools.get("qboot"):
            argv += ["-bios", self.tools["qboot"], "-kernel", os.path.join(kdir, "vmlinux")]
        else:
            argv += ["-kernel", os.path.join(kdir, "kernel")]
        cmdline = ["console=%s" % arch.console, KERNEL_CMDLINE] + list(arch.cmdline) + cfg.append
        argv += ["-initrd", self.initrd, "-append", " ".join(cmdline),
                 "-chardev", "socket,id=con,path=%s" % paths["con"],
                 "-chardev", "socket,id=ctl,path=%s" % paths["ctl"]]
        # Console and control channel: two UARTs on x86_64, two hypervisor
        # consoles (spapr-vty: hvc0, hvc1) on pseries, the PL011 and a
        # virtconsole (hvc0) on arm64 virt.
        if arch.name == "ppc64le":
            argv += ["-device", "spapr-vty,chardev=con", "-device", "spapr-vty,chardev=ctl"]
        elif arch.name == "arm64":
            argv += ["-serial", "chardev:con", "-device", "virtio-serial-device",
                     "-device", "virtconsole,chardev=ctl"]
        else:
            argv += ["-serial", "chardev:con", "-serial", "chardev:ctl"]
        argv += ["-chardev", "socket,id=qmp,path=%s" % paths["qmp"],
                 "-mon", "chardev=qmp,mode=control"]
        return argv

    # -- I/O
    def now(self):
        return round(time.monotonic() - self.t0, 3)

    def transcript(self, chan, direction, line):
        self.logs[chan].write("%8.3f %s %s\n" % (self.now(), direction, line))

    def pump(self, timeout):
        """Read whatever is there (up to TIMEOUT s): console to the log,
        ctl lines to self.ctl_lines, QMP messages to replies / events."""
        live = [s for s in self.socks.values() if s is not None]
        if not live:
            time.sleep(min(timeout, 0.1))
            return
        ready, _, _ = select.select(live, [], [], max(0, timeout))
        for s in ready:
            name = next(k for k, v in self.socks.items() if v is s)
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.socks[name] = None
                continue
            if name == "con":
                self.logs["con"].write(data.decode("utf-8", "replace"))
                self.logs["con"].flush()
                self.console_tail = (self.console_tail + data.decode("utf-8", "replace"))[-6000:]
                continue
            buf = self.bufs.get(name, b"") + data
            *lines, rest = buf.split(b"\n")
            self.bufs[name] = rest
            for raw in lines:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                if name == "ctl":
                    self.ctl_lines.append(line)
                else:
                    self.on_qmp(line)

    def on_qmp(self, line):
        self.transcript("qmp", "<", line)
        try:
            msg = json.loads(line)
        except ValueError:
            return
        if "QMP" in msg:
            self.qmp_replies["greeting"] = msg
        elif "event" in msg:
            msg["t"] = self.now()
            self.events.append(msg)
        elif "id" in msg:
            self.qmp_replies[msg["id"]] = msg

    def qmp(self, execute, timeout=10, **arguments):
        self.qmp_seq += 1
        mid = "m%d" % self.qmp_seq
        cmd = {"execute": execute, "id": mid}
        if arguments:
            cmd["arguments"] = arguments
        line = json.dumps(cmd)
        self.transcript("qmp", ">", line)
        self.socks["qmp"].sendall(line.encode() + b"\n")
        end = time.monotonic() + timeout
        while mid not in self.qmp_replies:
            if time.monotonic() > end or self.socks.get("qmp") is None:
                raise RequestError("timeout", "no QMP reply to %s in %ss" % (execute, timeout))
            self.pump(0.05)
        reply = self.qmp_replies.pop(mid)
        if "error" in reply:
            raise RequestError("error", "%s: %s" % (execute, reply["error"].get("desc")))
        return reply.get("return")

    def ctl_send(self, line):
        self.transcript("ctl", ">", line)
        self.socks["ctl"].sendall(line.encode() + b"\n")

    # -- requests from the guest
    def handle_request(self, seq, words):
        t = time.monotonic()
        try:
            status, detail = self.serve(words)
        except RequestError as e:
            status, detail = e.status, e.detail
        except (ValueError, IndexError) as e:
            status, detail = "error", "bad request: %s" % e
        rec = {"request": " ".join(words), "status": status, "detail": detail,
               "ms": int((time.monotonic() - t) * 1000), "t": self.now()}
        if self.current:
            self.scen[self.current]["requests"].append(rec)
        self.ctl_send("REP %s %s %s" % (seq, status, detail))

    def serve(self, words):
        cmd = words[0]
        if cmd == "hotadd":
            size, node, dev = parse_size(words[1]), int(words[2]), words[3]
            self.qmp("object-add", **{"qom-type": "memory-backend-ram", "id": "mem-" + dev,
                                      "size": size})
            self.qmp("device_add", driver="pc-dimm", id=dev, memdev="mem-" + dev, node=node)
            return "ok", "pc-dimm %s %dM on node %d" % (dev, size >> 20, node)
        if cmd == "remove":
            dev = words[1]
            wait = float(words[2]) if len(words) > 2 else 10.0
            first = len(self.events)
            start = time.monotonic()
            self.qmp("device_del", id=dev)
            end = start + wait
            while time.monotonic() < end:
                ost = []
                for ev in self.events[first:]:
                    data = ev.get("data", {})
                    # Only DEVICE_DELETED of the DIMM itself means removed
                    # (ACPI_DEVICE_OST names the device too).
                    if ev["event"] == "DEVICE_DELETED" and data.get("device") == dev:
                        self.qmp("object-del", id="mem-" + dev)
                        return "ok", "DEVICE_DELETED %s after %d ms" % (
                            dev, int((time.monotonic() - start) * 1000))
                    if ev["event"] == "ACPI_DEVICE_OST" and data.get("info", {}).get("device") == dev:
                        ost.append((ev["t"], data["info"].get("status")))
                # The guest's _OST said the eject failed (0x80-0x83; 0x84 is
                # "in progress"): give a late DEVICE_DELETED 1 s more, no more.
                failed = [t for t, st in ost if st is not None and 0x80 <= st <= 0x83]
                if failed and self.now() - failed[0] > 1.0:
                    break
                self.pump(0.05)
            return "refused", "no DEVICE_DELETED for %s in %.1f s%s" % (
                dev, time.monotonic() - start,
                "; ACPI _OST status %s" % ",".join("0x%x" % st for _, st in ost if st is not None)
                if ost else "")
        if cmd == "vmem":
            size = parse_size(words[1])
            wait = float(words[2]) if len(words) > 2 else 30.0
            self.qmp("qom-set", path="vmem0", property="requested-size", value=size)
            end = time.monotonic() + wait
            while True:
                cur = self.qmp("qom-get", path="vmem0", property="size")
                if cur == size:
                    return "ok", "vmem0 size %dM" % (size >> 20)
                if time.monotonic() > end:
                    return "timeout", "vmem0 size %dM after %gs (requested %dM)" % (
                        cur >> 20, wait, size >> 20)
                self.pump(0.05)
        raise RequestError("error", "unknown request %r" % cmd)

    # -- lines from the guest
    def on_ctl(self, line):
        if self.blob is not None:
            if line.startswith("|"):
                self.blob[2].append(line[1:])
                return
            name, rc, lines = self.blob
            self.blob = None
            if self.current:
                self.scen[self.current]["blobs"][name] = {"rc": rc, "text": "\n".join(lines)}
            self.transcript("ctl", "<", "(blob %s: %d lines, rc %s)" % (name, len(lines), rc))
            if line == "END":
                return
            self.transcript("ctl", "<", "protocol: blob %s ended without END" % name)
        self.transcript("ctl", "<", line)
        word, _, rest = line.partition(" ")
        if word == "HELLO":
            self.hello = self.now()
            self.release = rest
            self.idle_deadline = time.monotonic() + IDLE_TIMEOUT
            log("guest up after %.1f s (kernel %s)" % (self.hello, rest))
        elif word == "BEGIN":
            self.current = rest
            self.scen[rest] = {"begin": self.now(), "blobs": {}, "requests": [], "notes": [],
                               "cpu0": self.qemu_cpu_now()}
            self.scen_deadline = time.monotonic() + self.cfg.scenario_timeout * WALL_CAP
            self.idle_deadline = None
        elif word == "REQ":
            seq, _, req = rest.partition(" ")
            self.handle_request(seq, req.split())
        elif word == "BLOB":
            name, _, rc = rest.partition(" ")
            self.blob = (name, int(rc) if rc.lstrip("-").isdigit() else None, [])
        elif word == "NOTE":
            if self.current:
                self.scen[self.current]["notes"].append(rest)
        elif word == "VERDICT":
            name, _, v = rest.partition(" ")
            status, _, msg = v.partition(" ")
            if name in self.scen:
                rec = self.scen[name]
                rec["verdict"], rec["message"] = status, msg
                rec["end"] = self.now()
                rec["cpu_s"] = round(self.qemu_cpu_now() - rec.pop("cpu0", 0), 1)
                log("scenario %s: guest %s in %.1f s (QEMU CPU %.1f s)" % (
                    name, status, rec["end"] - rec["begin"], rec["cpu_s"]))
            self.current = None
            self.scen_deadline = None
            self.idle_deadline = time.monotonic() + IDLE_TIMEOUT
        elif word == "DONE":
            self.done = True
            # Everything before DONE has arrived: the guest may power off.
            self.ctl_send("BYE")

    def qemu_cpu_now(self):
        """CPU seconds QEMU used so far (all its threads)."""
        try:
            with open("/proc/%d/stat" % self.qemu_pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return 0.0

    # -- the whole boot
    def run(self):
        self.t0 = time.monotonic()
        paths = {k: os.path.join(self.workdir, k + ".sock") for k in ("con", "ctl", "qmp")}
        listeners = {}
        for k, p in paths.items():
            if os.path.exists(p):   # left by a boot before this one
                os.unlink(p)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(p)
            s.listen(1)
            listeners[k] = s
        argv = self.qemu_argv(paths)
        self.logs["qmp"].write("# %s\n" % " ".join(argv))
        qerr = open(os.path.join(self.workdir, "qemu.stderr"), "w+")
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        # Same process group as the runner (meson's kill of a timed-out test
        # takes QEMU with it), and killed by the kernel if the runner dies.
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=qerr, stderr=qerr,
                                preexec_fn=die_with_parent)
        self.qemu_pid = proc.pid
        self.scen_deadline = self.idle_deadline = None
        # Budgets (QEMU CPU seconds, WALL_CAP times that in wall time):
        # boot_timeout until the guest says HELLO, then scenario_timeout
        # per scenario; IDLE_TIMEOUT (wall) between them.
        boot_end = time.monotonic() + self.cfg.boot_timeout * WALL_CAP
        try:
            # QEMU connects to the three sockets as a client, in order.
            for k in ("con", "ctl", "qmp"):
                s = listeners[k]
                while True:
                    r, _, _ = select.select([s], [], [], 0.2)
                    if r:
                        self.socks[k], _ = s.accept()
                        break
                    if proc.poll() is not None or time.monotonic() > boot_end:
                        qerr.seek(0)
                        raise Broken("QEMU did not start (exit %s): %s"
                                     % (proc.poll(), tail(qerr.read(), 5)))
            while "greeting" not in self.qmp_replies:
                if time.monotonic() > boot_end or self.socks["qmp"] is None:
                    raise Broken("no QMP greeting")
                self.pump(0.1)
            self.qmp("qmp_capabilities")
            done_at = None
            while True:
                if TERMINATED:
                    raise SystemExit(143)
                while self.ctl_lines:
                    self.on_ctl(self.ctl_lines.pop(0))
                if proc.poll() is not None and all(v is None for v in self.socks.values()):
                    break
                now = time.monotonic()
                if self.done and done_at is None:
                    done_at = now
                if done_at is not None and now - done_at > 15:
                    self.end_reason = "guest said DONE but did not power off in 15 s"
                    break
                cpu = self.qemu_cpu_now()
                if self.hello is None and (now > boot_end or cpu > self.cfg.boot_timeout):
                    self.end_reason = "boot timeout: no HELLO from the guest after %.0f s " \
                        "(QEMU CPU %.0f s; budget %d s of CPU, %d s of wall time)" % (
                            now - self.t0, cpu, self.cfg.boot_timeout,
                            self.cfg.boot_timeout * WALL_CAP)
                    break
                if self.idle_deadline and now > self.idle_deadline and not self.done:
                    self.end_reason = "the guest was silent for %d s between scenarios" % (
                        IDLE_TIMEOUT)
                    break
                if self.current and self.current in self.scen:
                    used = cpu - self.scen[self.current].get("cpu0", cpu)
                    if used > self.cfg.scenario_timeout or now > self.scen_deadline:
                        self.end_reason = "scenario %s exceeded its budget of %d s of QEMU " \
                            "CPU (%d s of wall time): %.0f s of CPU, %.0f s" % (
                                self.current, self.cfg.scenario_timeout,
                                self.cfg.scenario_timeout * WALL_CAP, used,
                                self.now() - self.scen[self.current]["begin"])
                        break
                if proc.poll() is not None:
                    # Drain what is left, then stop.
                    self.pump(0.2)
                    if all(v is None for v in self.socks.values()) or \
                            time.monotonic() - now > 2:
                        break
                    continue
                self.pump(0.2)
            while self.ctl_lines:
                self.on_ctl(self.ctl_lines.pop(0))
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            # QEMU's CPU time: what a boot costs whatever the host's load.
            cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            self.qemu_cpu = round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1)
            for s in list(self.socks.values()) + list(listeners.values()):
                if s is not None:
                    s.close()
            qerr.seek(0)
            self.qemu_stderr = qerr.read()
            qerr.close()
        self.qemu_rc = proc.returncode
        if self.end_reason is None and not self.done:
            panic = re.search(r"Kernel panic[^\n]*", self.console_tail)
            self.end_reason = panic.group(0) if panic else \
                "QEMU exited (status %s) before the guest was done%s" % (
                    proc.returncode, ": " + tail(self.qemu_stderr, 3) if self.qemu_stderr else "")
        self.elapsed = self.now()
        log("boot finished after %.1f s%s" % (self.elapsed,
                                               "" if self.done else ": " + self.end_reason))


def die_with_parent():
    """In QEMU's child before exec: SIGKILL when the runner exits."""
    import ctypes
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG


TERMINATED = False


def on_sigterm(*_):
    global TERMINATED
    TERMINATED = True
    sys.exit(143)


class RequestError(Exception):
    def __init__(self, status, detail):
        super().__init__(detail)
        self.status, self.detail = status, detail


# ---------------------------------------------------------------- one boot

def provision_all(cfg):
    """Host tools, kernel and guest payload, under the architecture's
    cache lock (its tests start together: one downloads, the others wait;
    another architecture's tests go on: apt itself is serialized by
    provision.APT_LOCK). The provisioning deadline is separate from the
    boot's budgets."""
    deadline = provision.Deadline(cfg.deadline)
    if platform.machine() != "x86_64":
        raise Skip("host is %s; the suite runs on x86_64 hosts" % platform.machine())
    cache = provision.cache_dir()
    apt = provision.Apt(deadline)
    with flocked(os.path.join(cache, "lock-" + cfg.arch.name)):
        tools = provision.ensure_tools(apt, cfg.arch)
        kernel = provision.ensure_kernel(cache, apt, deadline, cfg.arch)
        deadline.check("the kernel")
        # The cross build has its own lock (tools/cross-build.sh).
    payload = guest_payload(cfg, tools, apt, cache, deadline)
    deadline.check("the guest payload")
    return tools, kernel, payload


def run_boot(cfg):
    """Provision, boot, judge. Returns the results document."""
    res = {"name": cfg.name, "arch": cfg.arch.name, "scenarios": {}, "status": "ran"}
    logs = {}
    try:
        t = time.monotonic()
        tools, kernel, payload = provision_all(cfg)
        res["provision_s"] = round(time.monotonic() - t, 1)
        res["kernel"] = "%s %s (%s)" % (kernel.get("package"), kernel.get("version"),
                                        kernel.get("release"))
        cfg.accel = choose_accel(cfg.arch)
        workdir = tempfile.mkdtemp(prefix="memtopo-vm-")
        try:
            initrd = os.path.join(workdir, "initramfs.cpio")
            size = build_initramfs(initrd, tools, kernel, payload, cfg,
                                   os.path.join(workdir, "root"))
            log("initramfs %.1f MiB; booting %s %s (%s) with %s" % (
                size / 1048576.0, cfg.arch.name, kernel.get("release"),
                "PVH vmlinux + qboot" if kernel.get("pvh") and tools.get("qboot") else
                "kernel image", cfg.accel))
            for chan in ("con", "ctl", "qmp"):
                logs[chan] = open(os.path.join(cfg.results, "%s.%s.log" % (
                    cfg.name, {"con": "console", "ctl": "ctl", "qmp": "qmp"}[chan])), "w")
            # A guest that never reaches its init (no HELLO: a hung or
            # panicked early boot under TCG, seen about once in 40 boots
            # on a loaded host) ran nothing memtopo did: boot it once more,
            # and say so in the results. Anything after HELLO is judged.
            for attempt in (1, 2):
                guest = Guest(cfg, tools, kernel, initrd, workdir, logs)
                guest.run()
                if guest.hello is not None or attempt == 2:
                    break
                log("boot %d gave no HELLO (%s): booting once more" % (attempt, guest.end_reason))
                res.setdefault("boot_retries", []).append(guest.end_reason)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        # Everything the guest sent, for post-mortems (and vm-harness fixtures).
        with open(os.path.join(cfg.results, cfg.name + ".records.json"), "w") as f:
            json.dump(guest.scen, f, indent=1)
        res.update(boot_s=guest.elapsed, hello_s=guest.hello, end_reason=guest.end_reason,
                   accel=cfg.accel, qemu_cpu_s=guest.qemu_cpu)
        for name in cfg.scenarios:
            res["scenarios"][name] = vmlib.judge(name, guest.scen.get(name), guest,
                                                 os.path.join(HERE, "scenarios"), cfg.memtopo)
    except Skip as e:
        res.update(status="skip", reason=str(e))
    except Broken as e:
        res.update(status="broken", reason=str(e))
    except Exception:       # a harness bug: fail loudly, with the trace
        res.update(status="broken", reason="harness error:\n" + traceback.format_exc())
    finally:
        for f in logs.values():
            f.close()
    res["total_s"] = round(time.monotonic() - provision.T0, 1)
    return res


def report(res, log_prefix):
    """Print the verdicts; return the exit status."""
    require = os.environ.get("MEMTOPO_REQUIRE_VM") == "1"
    if res["status"] == "skip":
        print("SKIP: %s" % res["reason"])
        if require:
            print("MEMTOPO_REQUIRE_VM=1: a skipped vm test is a failure")
            return 1
        return SKIP
    if res["status"] == "broken":
        print("FAIL: %s could not run: %s" % (res["name"], res["reason"]))
        print("logs: %s.{console,ctl,qmp}.log" % log_prefix)
        return 1
    print("%s (%s): kernel %s, %s, provisioning %ss, guest up after %ss, boot %ss "
          "(QEMU CPU %ss), whole run %ss%s" % (
              res["name"], res["arch"], res.get("kernel"), res.get("accel"),
              res.get("provision_s"), res.get("hello_s"), res.get("boot_s"),
              res.get("qemu_cpu_s"), res.get("total_s"),
              "" if not res.get("end_reason") else "\nboot ended early: %s" % res["end_reason"]))
    failed = False
    for name, v in res["scenarios"].items():
        vmlib.print_verdict(name, v)
        failed |= v["status"] != "pass"
    if failed:
        print("logs: %s.{console,ctl,qmp,records}.*" % log_prefix)
    return 1 if failed else 0


def main():
    # meson's SIGTERM on timeout / Ctrl-C: unwind, so QEMU is killed.
    signal.signal(signal.SIGTERM, on_sigterm)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", default="x86_64", choices=sorted(vmarch.ARCHES))
    ap.add_argument("--memtopo", required=True,
                    help="memtopo built for this host (the one under test on x86_64)")
    ap.add_argument("--cross-dir", help="build directory of tools/cross-build.sh (other archs)")
    ap.add_argument("--results", required=True, help="directory for results and logs")
    ap.add_argument("--name", help="name of this run's logs (default: the scenarios)")
    ap.add_argument("--scenarios", required=True,
                    help="comma-separated scenarios, run in this order in one boot")
    ap.add_argument("--node-mem", default="512M,512M",
                    help="boot memory per NUMA node (one CPU per node)")
    ap.add_argument("--vmem", default="0", help="virtio-mem device vmem0 size (0: none)")
    ap.add_argument("--vmem-node", type=int, default=1)
    ap.add_argument("--dimm-space", default="2G", help="maxmem room for hot-added DIMMs")
    ap.add_argument("--slots", type=int, default=4)
    ap.add_argument("--append", action="append", default=[], help="extra kernel argument")
    ap.add_argument("--guest-bin", action="append", default=[],
                    help="extra executable for the guest's /bin on x86_64 (e.g. vm-mlock)")
    ap.add_argument("--boot-timeout", type=float,
                    default=float(os.environ.get("MEMTOPO_VM_BOOT_TIMEOUT", 60)),
                    help="QEMU CPU seconds from its start to the guest's HELLO "
                    "(WALL_CAP times that in wall time)")
    ap.add_argument("--scenario-timeout", type=float,
                    default=float(os.environ.get("MEMTOPO_VM_SCENARIO_TIMEOUT", 60)),
                    help="QEMU CPU seconds per scenario (WALL_CAP times that in wall time)")
    ap.add_argument("--deadline", type=float,
                    default=float(os.environ.get("MEMTOPO_VM_DEADLINE", 900)),
                    help="provisioning (downloads, cross build), seconds")
    ap.add_argument("--time-factor", type=float, default=1.0,
                    help="multiply the boot and scenario budgets (slow guests, slow scenarios)")
    cfg = ap.parse_args()
    cfg.arch = vmarch.get(cfg.arch)
    cfg.scenarios = [s for s in cfg.scenarios.split(",") if s]
    cfg.name = cfg.name or "-".join([cfg.arch.name] + cfg.scenarios)
    cfg.boot_timeout *= cfg.time_factor
    cfg.scenario_timeout *= cfg.time_factor
    cfg.node_mem = [parse_size(s) for s in cfg.node_mem.split(",")]
    cfg.vmem = parse_size(cfg.vmem)
    cfg.dimm_space = parse_size(cfg.dimm_space)
    cfg.memtopo = os.path.abspath(cfg.memtopo)
    cfg.guest_bin = [os.path.abspath(b) for b in cfg.guest_bin]
    cfg.results = os.path.abspath(cfg.results)
    cfg.cross_dir = cfg.cross_dir and os.path.abspath(cfg.cross_dir)
    for exe in [cfg.memtopo] + cfg.guest_bin:
        if not os.access(exe, os.X_OK):
            print("FAIL: %s is not an executable" % exe)
            return 1
    os.makedirs(cfg.results, exist_ok=True)
    log("%s: %s on %s" % (cfg.name, ", ".join(cfg.scenarios), cfg.arch.name))
    res = run_boot(cfg)
    path = os.path.join(cfg.results, cfg.name + ".json")
    with open(path + ".tmp", "w") as f:
        json.dump(res, f, indent=1)
    os.rename(path + ".tmp", path)
    return report(res, os.path.join(cfg.results, cfg.name))


if __name__ == "__main__":
    sys.exit(main())
