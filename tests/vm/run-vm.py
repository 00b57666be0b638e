#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Real-kernel harness of the vm suite (stdlib only). See tests/vm/README.md.

One boot runs a group of scenarios; every scenario is its own meson test:

  run-vm.py --memtopo EXE --results DIR --group G --scenarios a,b,c --report b

The first test of a group to arrive (under a lock) provisions (apt packages,
the Debian kernel, cached outside the repo), builds the initramfs, boots
QEMU, serves the guest's requests, judges every scenario of the group and
writes DIR/G.json; the others read their verdict from it. Results are reused
only within one `meson test` invocation (same parent process) and for the
same inputs (memtopo binary, harness files, options). Without --report every
scenario of the group is reported. Exit: 0 pass, 1 fail, 77 skip (QEMU or
the kernel cannot be had; a failure when MEMTOPO_REQUIRE_VM=1).
"""

import argparse
import contextlib
import fcntl
import glob
import hashlib
import json
import lzma
import os
import platform
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
import vmlib  # noqa: E402

SKIP = 77
DEFAULT_CACHE = "/var/cache/memtopo-vm"
KERNEL_META = "linux-image-amd64"
# The virtio modules taken from the kernel package, in load order (qemu.md;
# guest/lib.sh vm_load_virtio_mem loads them in this order).
VIRTIO_MODULES = ("virtio_ring", "virtio", "virtio_pci_modern_dev",
                  "virtio_pci_legacy_dev", "virtio_pci", "virtio_mem")
QBOOT = "/usr/share/qemu/qboot.rom"
KERNEL_CMDLINE = "console=ttyS0 memhp_default_state=offline panic=-1 quiet"
# Environment variables handed to memtopo inside the guest.
GUEST_ENV_PASS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


class Skip(Exception):
    """QEMU or the kernel cannot be had: the group is skipped."""


class Broken(Exception):
    """The harness or the boot failed: every scenario of the group fails."""


T0 = time.monotonic()


def log(msg):
    sys.stdout.write("[%6.1fs] run-vm: %s\n" % (time.monotonic() - T0, msg))
    sys.stdout.flush()


def tail(text, n=15):
    lines = text.rstrip("\n").split("\n")
    return "\n".join(lines[-n:])


def run(argv, timeout=120, **kw):
    """subprocess.run with text output; never raises for a non-zero exit."""
    try:
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout, **kw)
    except FileNotFoundError as e:
        return subprocess.CompletedProcess(argv, 127, "", str(e))
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, 124, "", "timed out after %ss" % timeout)


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


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()

    def check(self, what):
        if self.left() <= 0:
            raise Broken("run deadline exceeded during %s" % what)


# ---------------------------------------------------------------- provisioning

def privileged_prefix():
    """[] as root, ['sudo', '-n'] if that works without a password, else None."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and run(["sudo", "-n", "true"], timeout=10).returncode == 0:
        return ["sudo", "-n"]
    return None


class Apt:
    def __init__(self, deadline):
        self.deadline = deadline
        self.updated = False

    def update(self):
        if self.updated:
            return True
        pre = privileged_prefix()
        if pre is None or not shutil.which("apt-get"):
            return False
        log("apt-get update")
        r = run(pre + ["apt-get", "update", "-qq"], timeout=max(10, min(300, self.deadline.left())))
        self.updated = True
        if r.returncode != 0:
            log("apt-get update failed: %s" % tail(r.stderr, 3))
        return r.returncode == 0

    def install(self, pkgs):
        pre = privileged_prefix()
        if pre is None:
            raise Skip("%s missing and cannot be installed (not root, no password-less sudo)"
                       % " ".join(pkgs))
        if not shutil.which("apt-get"):
            raise Skip("%s missing and there is no apt-get" % " ".join(pkgs))
        self.update()
        log("apt-get install %s" % " ".join(pkgs))
        r = run(pre + ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq",
                       "--no-install-recommends"] + pkgs,
                timeout=max(10, min(600, self.deadline.left())))
        if r.returncode != 0:
            raise Skip("apt-get install %s failed: %s" % (" ".join(pkgs), tail(r.stderr + r.stdout, 5)))


def is_static(path):
    r = run(["ldd", path], timeout=20)
    return r.returncode != 0 or "not a dynamic executable" in (r.stdout + r.stderr) \
        or "statically linked" in (r.stdout + r.stderr)


def find_busybox():
    cands = ["/bin/busybox", "/usr/bin/busybox", shutil.which("busybox")]
    found = [c for c in dict.fromkeys(cands) if c and os.access(c, os.X_OK)]
    for c in found:
        if is_static(c):
            return c
    return found[0] if found else None


def ensure_tools(apt):
    """Paths of the host tools; installs missing packages with apt-get."""
    def look():
        return {"qemu": shutil.which("qemu-system-x86_64"), "busybox": find_busybox(),
                "cpio": shutil.which("cpio")}
    tools = look()
    missing = [pkg for key, pkg in (("qemu", "qemu-system-x86"), ("busybox", "busybox-static"),
                                    ("cpio", "cpio")) if not tools[key]]
    if missing:
        apt.install(missing)
        tools = look()
    for key, pkg in (("qemu", "qemu-system-x86"), ("busybox", "busybox-static"), ("cpio", "cpio")):
        if not tools[key]:
            raise Skip("%s still missing after installing %s" % (key, pkg))
    for tool in ("dpkg-deb", "apt-get", "apt-cache", "ldd"):
        if not shutil.which(tool):
            raise Skip("no %s on this host (a Debian host is needed to fetch the kernel)" % tool)
    tools["qboot"] = QBOOT if os.path.exists(QBOOT) else None
    return tools


def cache_dir():
    explicit = os.environ.get("MEMTOPO_VM_CACHE")
    cands = [explicit] if explicit else [
        DEFAULT_CACHE,
        os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                     "memtopo-vm")]
    for c in cands:
        try:
            os.makedirs(c, exist_ok=True)
        except OSError:
            continue
        if os.access(c, os.W_OK | os.X_OK):
            return c
    raise Skip("no writable kernel cache (tried %s; set MEMTOPO_VM_CACHE)" % ", ".join(cands))


def kernel_package(apt):
    """(package, version) of the kernel linux-image-amd64 depends on."""
    for attempt in (0, 1):
        r = run(["apt-cache", "depends", KERNEL_META], timeout=60)
        deps = re.findall(r"^\s*Depends:\s*(linux-image-[0-9][^\s<>]*)", r.stdout, re.M)
        if deps:
            pkg = deps[0]
            v = run(["apt-cache", "show", "--no-all-versions", pkg], timeout=60)
            m = re.search(r"^Version:\s*(\S+)", v.stdout, re.M)
            if m:
                return pkg, m.group(1)
        if attempt == 0 and not apt.update():
            break
    raise Skip("apt knows no %s dependency (apt-cache depends: %s)"
               % (KERNEL_META, tail(r.stderr or r.stdout or "no output", 2)))


def decompress_module(name, data):
    if name.endswith(".xz"):
        return lzma.decompress(data)
    if name.endswith(".gz"):
        return zlib.decompress(data, 16 + zlib.MAX_WBITS)
    if name.endswith(".zst"):
        r = subprocess.run(["zstd", "-dc"], input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, check=False)
        if r.returncode != 0:
            raise Broken("cannot decompress %s (zstd: %s)" % (name, r.stderr.decode()[-200:]))
        return r.stdout
    return data


def elf_has_pvh(elf):
    """True if the ELF has a Xen PHYS32_ENTRY note (PVH entry point)."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        return False
    phoff = int.from_bytes(elf[32:40], "little")
    phentsize = int.from_bytes(elf[54:56], "little")
    phnum = int.from_bytes(elf[56:58], "little")
    for i in range(phnum):
        ph = elf[phoff + i * phentsize: phoff + (i + 1) * phentsize]
        if int.from_bytes(ph[0:4], "little") != 4:          # PT_NOTE
            continue
        off = int.from_bytes(ph[8:16], "little")
        size = int.from_bytes(ph[32:40], "little")
        pos, end = off, off + size
        while pos + 12 <= end:
            namesz, descsz, ntype = (int.from_bytes(elf[pos + k:pos + k + 4], "little")
                                     for k in (0, 4, 8))
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            if name == b"Xen" and ntype == 18:               # XEN_ELFNOTE_PHYS32_ENTRY
                return True
            pos += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
    return False


def extract_vmlinux(bz):
    """The ELF vmlinux inside a bzImage (xz, zstd or gzip payload), or None."""
    def xz(buf):
        return lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(buf)

    def gz(buf):
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(buf)

    def zst(buf):
        if not shutil.which("zstd"):
            return b""
        r = subprocess.run(["zstd", "-dc"], input=buf, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, check=False)
        return r.stdout      # trailing data makes zstd complain; the frame is out
    for magic, fn in ((b"\xfd7zXZ\x00", xz), (b"\x28\xb5\x2f\xfd", zst), (b"\x1f\x8b\x08", gz)):
        pos = bz.find(magic)
        while pos >= 0:
            try:
                out = fn(bz[pos:])
            except (lzma.LZMAError, zlib.error, EOFError):
                out = b""
            if out[:4] == b"\x7fELF":
                return out
            pos = bz.find(magic, pos + 1)
    return None


def unpack_kernel(deb, kdir):
    """dpkg-deb the vmlinuz and the virtio modules out of DEB into KDIR."""
    os.makedirs(os.path.join(kdir, "modules"))
    meta = {"modules": []}
    p = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    with tarfile.open(fileobj=p.stdout, mode="r|") as tar:
        for m in tar:
            name = m.name[2:] if m.name.startswith("./") else m.name
            if not m.isreg():
                continue
            vm = re.fullmatch(r"boot/vmlinuz-(.+)", name)
            mm = re.fullmatch(r"(?:usr/)?lib/modules/[^/]+/kernel/drivers/virtio/"
                              r"(\w+)\.ko(\.xz|\.gz|\.zst)?", name)
            if vm:
                meta["release"] = vm.group(1)
                with open(os.path.join(kdir, "vmlinuz"), "wb") as f:
                    f.write(tar.extractfile(m).read())
            elif mm and mm.group(1) in VIRTIO_MODULES:
                data = decompress_module(name, tar.extractfile(m).read())
                with open(os.path.join(kdir, "modules", mm.group(1) + ".ko"), "wb") as f:
                    f.write(data)
                meta["modules"].append(mm.group(1))
    if p.wait() != 0 or "release" not in meta:
        raise Skip("%s: dpkg-deb failed or no boot/vmlinuz-* inside" % os.path.basename(deb))
    with open(os.path.join(kdir, "vmlinuz"), "rb") as f:
        elf = extract_vmlinux(f.read())
    meta["pvh"] = bool(elf) and elf_has_pvh(elf)
    if meta["pvh"]:
        with open(os.path.join(kdir, "vmlinux"), "wb") as f:
            f.write(elf)
    return meta


def cached_kernels(cache):
    found = []
    for meta_path in glob.glob(os.path.join(cache, "kernels", "*", "kernel.json")):
        with open(meta_path) as f:
            meta = json.load(f)
        meta["dir"] = os.path.dirname(meta_path)
        found.append((os.path.getmtime(meta_path), meta))
    return [m for _, m in sorted(found, key=lambda x: x[0], reverse=True)]


def ensure_kernel(cache, apt, deadline):
    """The Debian kernel (vmlinux or vmlinuz + virtio modules), cached in
    CACHE/kernels/<package>_<version>/ keyed by kernel version."""
    try:
        pkg, ver = kernel_package(apt)
    except Skip as e:
        have = cached_kernels(cache)
        if have:
            log("%s; using the cached %s" % (e, have[0]["package"]))
            return have[0]
        raise
    key = re.sub(r"[^\w.+-]", "_", "%s_%s" % (pkg, ver))
    kdir = os.path.join(cache, "kernels", key)
    meta_path = os.path.join(kdir, "kernel.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        meta["dir"] = kdir
        os.utime(meta_path)
        return meta
    dl = tempfile.mkdtemp(prefix="dl-", dir=cache)
    try:
        os.chmod(dl, 0o755)
        log("apt-get download %s=%s into %s" % (pkg, ver, cache))
        for attempt in (0, 1):
            r = run(["apt-get", "download", "%s=%s" % (pkg, ver)], cwd=dl,
                    timeout=max(10, min(900, deadline.left())))
            debs = glob.glob(os.path.join(dl, "*.deb"))
            if r.returncode == 0 and debs:
                break
            if attempt == 0 and apt.update():
                continue
            have = cached_kernels(cache)
            if have:
                log("apt-get download failed; using the cached %s" % have[0]["package"])
                return have[0]
            raise Skip("apt-get download %s failed: %s" % (pkg, tail(r.stderr, 3)))
        log("unpacking %s" % os.path.basename(debs[0]))
        tmp = kdir + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        meta = unpack_kernel(debs[0], tmp)
        meta.update(package=pkg, version=ver)
        missing = [m for m in VIRTIO_MODULES if m not in meta["modules"]]
        if missing:
            log("note: the package has no %s module(s); virtio-mem may be built in" % ", ".join(missing))
        with open(os.path.join(tmp, "kernel.json"), "w") as f:
            json.dump(meta, f, indent=1)
        os.rename(tmp, kdir)
    finally:
        shutil.rmtree(dl, ignore_errors=True)
    # Keep the two most recent kernels.
    for old in cached_kernels(cache)[2:]:
        shutil.rmtree(old["dir"], ignore_errors=True)
    meta["dir"] = kdir
    return meta


def choose_accel():
    forced = os.environ.get("MEMTOPO_VM_ACCEL")
    if forced:
        return forced
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

def ldd_paths(binary):
    r = run(["ldd", binary], timeout=30)
    text = r.stdout + r.stderr
    if "not a dynamic executable" in text or "statically linked" in text:
        return []
    if r.returncode != 0:
        raise Broken("ldd %s failed: %s" % (binary, tail(text, 3)))
    paths = []
    for line in text.splitlines():
        if "=> not found" in line:
            raise Broken("%s needs %s, which ldd cannot find" % (binary, line.split()[0]))
        m = re.match(r"\s*\S+ => (/\S+) \(0x", line) or re.match(r"\s*(/\S+) \(0x", line)
        if m:
            paths.append(m.group(1))
    return paths


# Libraries memtopo dlopens where it uses them (src/dynlib.c): ldd cannot
# see them, the guest needs them (monitor, the live sysfs lookup).
DLOPENED = ("libudev.so.1", "libmount.so.1")


def dlopened_paths():
    r = run(["ldconfig", "-p"], timeout=30)
    found = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s*(\S+) \(([^)]*)\) => (/\S+)", line)
        if m and m.group(1) in DLOPENED and "x86-64" in m.group(2):
            found.setdefault(m.group(1), m.group(3))
    missing = [n for n in DLOPENED if n not in found]
    if missing:
        raise Broken("cannot find %s on this machine (ldconfig -p)" % ", ".join(missing))
    paths = []
    for lib in found.values():
        paths += [lib] + ldd_paths(lib)
    return paths


def build_initramfs(out, tools, kernel, memtopo, scenarios, stage, guest_bins=()):
    def put(src, rel, mode=None):
        dst = os.path.join(stage, rel.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.realpath(src), dst)
        os.chmod(dst, mode if mode is not None else (os.stat(src).st_mode & 0o777))

    # Empty udev rules directories: a system without memory rules (so check
    # does not report them as missing evidence).
    for d in ("bin", "dev", "proc", "sys", "tmp", "run", "etc/vm", "lib/vm", "scenarios", "modules",
              "etc/udev/rules.d", "lib/udev/rules.d"):
        os.makedirs(os.path.join(stage, d), exist_ok=True)
    put(tools["busybox"], "bin/busybox", 0o755)
    applets = run([tools["busybox"], "--list"], timeout=30).stdout.split()
    for a in applets:
        if a != "busybox" and "/" not in a:
            os.symlink("busybox", os.path.join(stage, "bin", a))
    put(memtopo, "bin/memtopo", 0o755)
    for b in guest_bins:
        put(b, "bin/" + os.path.basename(b), 0o755)
    libdirs = []
    libs = dlopened_paths()
    for binary in (memtopo, tools["busybox"]) + tuple(guest_bins):
        libs += ldd_paths(binary)
    for lib in libs:
        put(lib, lib, 0o755)
        if os.path.dirname(lib) not in libdirs:
            libdirs.append(os.path.dirname(lib))
    put(os.path.join(HERE, "guest", "init"), "init", 0o755)
    put(os.path.join(HERE, "guest", "lib.sh"), "lib/vm/lib.sh", 0o644)
    for s in scenarios:
        src = os.path.join(HERE, "scenarios", s + ".sh")
        if not os.path.exists(src):
            raise Broken("no guest script %s" % os.path.relpath(src, HERE))
        put(src, "scenarios/%s.sh" % s, 0o644)
    for m in kernel.get("modules", []):
        put(os.path.join(kernel["dir"], "modules", m + ".ko"), "modules/%s.ko" % m, 0o644)
    with open(os.path.join(stage, "etc/vm/scenarios"), "w") as f:
        f.write("\n".join(scenarios) + "\n")
    env = {"LC_ALL": "C", "NO_COLOR": "1", "TERM": "dumb", "HOME": "/root",
           "LD_LIBRARY_PATH": ":".join(libdirs)}
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
        self.blob = None          # (name, rc, lines) while receiving

    # -- QEMU command line
    def qemu_argv(self, paths):
        cfg = self.cfg
        sizes = cfg.node_mem
        n = len(sizes)
        boot = sum(sizes)
        extra = cfg.vmem + cfg.dimm_space
        maxmem = boot + extra
        argv = [self.tools["qemu"], "-accel", cfg.accel, "-machine", "pc",
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-smp", "%d,sockets=%d,cores=1,threads=1" % (n, n),
                "-m", "%dM,slots=%d,maxmem=%dM" % (boot >> 20, cfg.slots, maxmem >> 20)]
        for k, size in enumerate(sizes):
            argv += ["-object", "memory-backend-ram,id=ram%d,size=%dM" % (k, size >> 20),
                     "-numa", "node,nodeid=%d,cpus=%d,memdev=ram%d" % (k, k, k)]
        if cfg.vmem:
            argv += ["-object", "memory-backend-ram,id=vmem0-mem,size=%dM" % (cfg.vmem >> 20),
                     "-device", "virtio-mem-pci,id=vmem0,memdev=vmem0-mem,node=%d,requested-size=0"
                     % cfg.vmem_node]
        if self.kernel.get("pvh") and self.tools.get("qboot"):
            argv += ["-bios", self.tools["qboot"],
                     "-kernel", os.path.join(self.kernel["dir"], "vmlinux")]
        else:
            argv += ["-kernel", os.path.join(self.kernel["dir"], "vmlinuz")]
        argv += ["-initrd", self.initrd, "-append", " ".join([KERNEL_CMDLINE] + cfg.append),
                 "-chardev", "socket,id=con,path=%s" % paths["con"], "-serial", "chardev:con",
                 "-chardev", "socket,id=ctl,path=%s" % paths["ctl"], "-serial", "chardev:ctl",
                 "-chardev", "socket,id=qmp,path=%s" % paths["qmp"],
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
            log("guest up after %.1f s (kernel %s)" % (self.hello, rest))
        elif word == "BEGIN":
            self.current = rest
            self.scen[rest] = {"begin": self.now(), "blobs": {}, "requests": [], "notes": []}
            self.scen_deadline = time.monotonic() + self.cfg.scenario_timeout
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
                log("scenario %s: guest %s in %.1f s" % (name, status, rec["end"] - rec["begin"]))
            self.current = None
            self.scen_deadline = None
        elif word == "DONE":
            self.done = True
            # Everything before DONE has arrived: the guest may power off.
            self.ctl_send("BYE")

    # -- the whole boot
    def run(self):
        self.t0 = time.monotonic()
        paths = {k: os.path.join(self.workdir, k + ".sock") for k in ("con", "ctl", "qmp")}
        listeners = {}
        for k, p in paths.items():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(p)
            s.listen(1)
            listeners[k] = s
        argv = self.qemu_argv(paths)
        self.logs["qmp"].write("# %s\n" % " ".join(argv))
        qerr = open(os.path.join(self.workdir, "qemu.stderr"), "w+")
        # Same process group as the runner (meson's kill of a timed-out test
        # takes QEMU with it), and killed by the kernel if the runner dies.
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=qerr, stderr=qerr,
                                preexec_fn=die_with_parent)
        self.scen_deadline = None
        boot_end = time.monotonic() + self.cfg.boot_timeout
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
                if now > boot_end:
                    self.end_reason = "boot timeout (%d s) %s" % (
                        self.cfg.boot_timeout,
                        "during scenario %s" % self.current if self.current else
                        "before the guest said HELLO" if self.hello is None else "")
                    break
                if self.scen_deadline and now > self.scen_deadline:
                    self.end_reason = "scenario %s exceeded its %d s budget" % (
                        self.current, self.cfg.scenario_timeout)
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


# ---------------------------------------------------------------- one group

def run_group(cfg):
    """Provision, boot, judge. Returns the results document."""
    deadline = Deadline(cfg.deadline)
    res = {"group": cfg.group, "scenarios": {}, "status": "ran"}
    logs = {}
    try:
        if platform.machine() != "x86_64":
            raise Skip("host is %s; the suite boots x86_64 guests" % platform.machine())
        cache = cache_dir()
        apt = Apt(deadline)
        t = time.monotonic()
        with flocked(os.path.join(cache, "lock")):
            tools = ensure_tools(apt)
            kernel = ensure_kernel(cache, apt, deadline)
        res["provision_s"] = round(time.monotonic() - t, 1)
        res["kernel"] = "%s %s (%s)" % (kernel.get("package"), kernel.get("version"),
                                        kernel.get("release"))
        if not kernel.get("pvh"):
            log("no PVH vmlinux: booting the bzImage with SeaBIOS (slower)")
        if cfg.vmem and "virtio_mem" not in kernel.get("modules", []):
            log("note: no virtio_mem module in the package")
        cfg.accel = choose_accel()
        deadline.check("provisioning")
        workdir = tempfile.mkdtemp(prefix="memtopo-vm-")
        try:
            initrd = os.path.join(workdir, "initramfs.cpio")
            size = build_initramfs(initrd, tools, kernel, cfg.memtopo, cfg.scenarios,
                                   os.path.join(workdir, "root"), cfg.guest_bin)
            log("initramfs %.1f MiB; booting %s (%s) with %s" % (
                size / 1048576.0, kernel.get("release"), "PVH vmlinux + qboot" if
                kernel.get("pvh") and tools.get("qboot") else "bzImage", cfg.accel))
            cfg.boot_timeout = max(10, min(cfg.boot_timeout, deadline.left()))
            for chan in ("con", "ctl", "qmp"):
                logs[chan] = open(os.path.join(cfg.results, "%s.%s.log" % (
                    cfg.group, {"con": "console", "ctl": "ctl", "qmp": "qmp"}[chan])), "w")
            guest = Guest(cfg, tools, kernel, initrd, workdir, logs)
            guest.run()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        # Everything the guest sent, for post-mortems (and vm-harness fixtures).
        with open(os.path.join(cfg.results, cfg.group + ".records.json"), "w") as f:
            json.dump(guest.scen, f, indent=1)
        res["boot_s"] = guest.elapsed
        res["hello_s"] = guest.hello
        res["end_reason"] = guest.end_reason
        res["accel"] = cfg.accel
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
    res["total_s"] = round(time.monotonic() - T0, 1)
    return res


# ---------------------------------------------------------------- caching / reporting

def run_id():
    rid = os.environ.get("MEMTOPO_VM_RUN_ID")
    if rid:
        return rid
    ppid = os.getppid()
    try:
        with open("/proc/%d/stat" % ppid) as f:
            start = f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        start = "?"
    # meson test --repeat N: one boot per iteration.
    return "%d-%s-%s" % (ppid, start, os.environ.get("MESON_TEST_ITERATION", ""))


def inputs_digest(cfg):
    h = hashlib.sha256()
    for path in [cfg.memtopo] + cfg.guest_bin:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    for root, dirs, files in os.walk(HERE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(files):
            p = os.path.join(root, n)
            h.update(os.path.relpath(p, HERE).encode())
            with open(p, "rb") as f:
                h.update(f.read())
    h.update(json.dumps([cfg.scenarios, cfg.node_mem, cfg.vmem, cfg.vmem_node,
                         cfg.append]).encode())
    for k in GUEST_ENV_PASS:
        h.update(("%s=%s" % (k, os.environ.get(k, ""))).encode())
    return h.hexdigest()


def report(res, names, log_prefix):
    """Print the verdicts of NAMES; return the exit status."""
    require = os.environ.get("MEMTOPO_REQUIRE_VM") == "1"
    if res["status"] == "skip":
        print("SKIP: %s" % res["reason"])
        if require:
            print("MEMTOPO_REQUIRE_VM=1: a skipped vm test is a failure")
            return 1
        return SKIP
    if res["status"] == "broken":
        print("FAIL: boot group %r could not run: %s" % (res["group"], res["reason"]))
        print("logs: %s.{console,ctl,qmp}.log" % log_prefix)
        return 1
    print("boot group %r: kernel %s, %s, guest up after %ss, boot %ss, whole run %ss%s" % (
        res["group"], res.get("kernel"), res.get("accel"), res.get("hello_s"),
        res.get("boot_s"), res.get("total_s"),
        "" if not res.get("end_reason") else "\nboot ended early: %s" % res["end_reason"]))
    failed = False
    for name in names:
        v = res["scenarios"].get(name)
        if v is None:
            print("FAIL vm-%s: not part of group %r" % (name, res["group"]))
            failed = True
            continue
        vmlib.print_verdict(name, v)
        failed |= v["status"] != "pass"
    if failed:
        print("logs: %s.{console,ctl,qmp}.log" % log_prefix)
    return 1 if failed else 0


def main():
    # meson's SIGTERM on timeout / Ctrl-C: unwind, so QEMU is killed and the
    # lock released.
    signal.signal(signal.SIGTERM, on_sigterm)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--memtopo", required=True, help="the memtopo executable to test")
    ap.add_argument("--results", required=True, help="directory for results and logs")
    ap.add_argument("--group", required=True, help="boot group name")
    ap.add_argument("--scenarios", required=True,
                    help="comma-separated scenarios of the group, in run order")
    ap.add_argument("--report", help="report only this scenario (default: all)")
    ap.add_argument("--node-mem", default="512M,512M",
                    help="boot memory per NUMA node (one CPU per node)")
    ap.add_argument("--vmem", default="0", help="virtio-mem device vmem0 size (0: none)")
    ap.add_argument("--vmem-node", type=int, default=1)
    ap.add_argument("--dimm-space", default="2G", help="maxmem room for hot-added DIMMs")
    ap.add_argument("--slots", type=int, default=4)
    ap.add_argument("--append", action="append", default=[], help="extra kernel argument")
    ap.add_argument("--guest-bin", action="append", default=[],
                    help="extra executable for the guest's /bin (e.g. vm-mlock)")
    ap.add_argument("--boot-timeout", type=float,
                    default=float(os.environ.get("MEMTOPO_VM_BOOT_TIMEOUT", 150)))
    ap.add_argument("--scenario-timeout", type=float,
                    default=float(os.environ.get("MEMTOPO_VM_SCENARIO_TIMEOUT", 90)))
    ap.add_argument("--deadline", type=float,
                    default=float(os.environ.get("MEMTOPO_VM_DEADLINE", 540)),
                    help="whole run: provisioning + boot (s)")
    ap.add_argument("--time-factor", type=float, default=1.0,
                    help="multiply the boot and scenario budgets (a group of slow scenarios)")
    ap.add_argument("--fresh", action="store_true", help="ignore cached results")
    cfg = ap.parse_args()
    cfg.scenarios = [s for s in cfg.scenarios.split(",") if s]
    cfg.boot_timeout *= cfg.time_factor
    cfg.scenario_timeout *= cfg.time_factor
    cfg.node_mem = [parse_size(s) for s in cfg.node_mem.split(",")]
    cfg.vmem = parse_size(cfg.vmem)
    cfg.dimm_space = parse_size(cfg.dimm_space)
    cfg.memtopo = os.path.abspath(cfg.memtopo)
    cfg.guest_bin = [os.path.abspath(b) for b in cfg.guest_bin]
    cfg.results = os.path.abspath(cfg.results)
    if cfg.report and cfg.report not in cfg.scenarios:
        ap.error("--report %s is not in --scenarios" % cfg.report)
    for exe in [cfg.memtopo] + cfg.guest_bin:
        if not os.access(exe, os.X_OK):
            print("FAIL: %s is not an executable" % exe)
            return 1
    os.makedirs(cfg.results, exist_ok=True)
    path = os.path.join(cfg.results, cfg.group + ".json")
    rid, digest = run_id(), inputs_digest(cfg)
    with flocked(path + ".lock"):
        res = None
        if not cfg.fresh and os.path.exists(path):
            with open(path) as f:
                old = json.load(f)
            if old.get("run_id") == rid and old.get("inputs") == digest:
                res = old
                log("verdicts of boot group %r from this run (%s)" % (cfg.group, path))
        if res is None:
            log("boot group %r: %s" % (cfg.group, ", ".join(cfg.scenarios)))
            res = run_group(cfg)
            res.update(run_id=rid, inputs=digest)
            with open(path + ".tmp", "w") as f:
                json.dump(res, f, indent=1)
            os.rename(path + ".tmp", path)
    return report(res, [cfg.report] if cfg.report else cfg.scenarios,
                  os.path.join(cfg.results, cfg.group))


if __name__ == "__main__":
    sys.exit(main())
