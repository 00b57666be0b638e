# SPDX-License-Identifier: GPL-2.0-or-later
"""Provisioning of the vm suite (stdlib only): host packages, the Debian
kernel of an architecture, a foreign busybox, the cross build of memtopo,
and the shared libraries a guest binary needs.

Downloads are cached per machine (kernels and foreign packages in the
kernel cache, the cross build's .debs in tools/cross-build.sh's cache):
nothing is fetched at test time once it is there. CI starts from a fresh
machine, so all of this runs in the test command's path.
"""

import contextlib
import fcntl
import glob
import json
import lzma
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import zlib

DEFAULT_CACHE = "/var/cache/memtopo-vm"
QBOOT = "/usr/share/qemu/qboot.rom"
TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CROSS_BUILD = os.path.join(TOP, "tools", "cross-build.sh")

T0 = time.monotonic()


class Skip(Exception):
    """QEMU, the kernel or a cross tool cannot be had: the test is skipped."""


class Broken(Exception):
    """The harness or the boot failed: the test fails."""


def log(msg):
    print("[%6.1fs] run-vm: %s" % (time.monotonic() - T0, msg), flush=True)


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


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()

    def check(self, what):
        if self.left() <= 0:
            raise Broken("provisioning deadline exceeded during %s" % what)


def privileged_prefix():
    """[] as root, ['sudo', '-n'] if that works without a password, else None."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and run(["sudo", "-n", "true"], timeout=10).returncode == 0:
        return ["sudo", "-n"]
    return None


# apt-get update, install and download, and dpkg --add-architecture, from
# this harness and tools/cross-build.sh alike, one at a time: the tests of
# two architectures provision at once, and apt-get fails at once on a
# held lock (or a download races an update replacing the lists).
APT_LOCK = "/tmp/memtopo-apt.lock"


@contextlib.contextmanager
def apt_locked():
    fd = os.open(APT_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class Apt:
    def __init__(self, deadline):
        self.deadline = deadline
        self.updated = False

    def update(self):
        """apt-get update (once). A foreign index that fails to download
        (the security one lags) leaves the others usable: not an error."""
        if self.updated:
            return True
        pre = privileged_prefix()
        if pre is None or not shutil.which("apt-get"):
            return False
        log("apt-get update")
        with apt_locked():
            r = run(pre + ["apt-get", "update", "-qq"],
                    timeout=max(10, min(300, self.deadline.left())))
        self.updated = True
        if r.returncode != 0:
            log("apt-get update reported errors: %s" % tail(r.stderr, 3))
        return True

    def install(self, pkgs):
        pre = privileged_prefix()
        if pre is None:
            raise Skip("%s missing and cannot be installed (not root, no password-less sudo)"
                       % " ".join(pkgs))
        if not shutil.which("apt-get"):
            raise Skip("%s missing and there is no apt-get" % " ".join(pkgs))
        self.update()
        log("apt-get install %s" % " ".join(pkgs))
        with apt_locked():
            r = run(pre + ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y",
                           "-qq", "--no-install-recommends"] + pkgs,
                    timeout=max(10, min(600, self.deadline.left())))
        if r.returncode != 0:
            raise Skip("apt-get install %s failed: %s" % (" ".join(pkgs), tail(r.stderr + r.stdout, 5)))

    def add_architecture(self, debarch):
        r = run(["dpkg", "--print-foreign-architectures"], timeout=30)
        if debarch in r.stdout.split() or debarch == host_debarch():
            return
        pre = privileged_prefix()
        if pre is None:
            raise Skip("dpkg has no %s architecture and cannot add it (not root)" % debarch)
        log("dpkg --add-architecture %s" % debarch)
        with apt_locked():
            r = run(pre + ["dpkg", "--add-architecture", debarch], timeout=60)
        if r.returncode != 0:
            raise Skip("dpkg --add-architecture %s failed: %s" % (debarch, tail(r.stderr, 3)))
        self.updated = False
        self.update()

    def download(self, spec, dest):
        """apt-get download SPEC into DEST (a fresh directory); the .deb's path."""
        for attempt in (0, 1):
            with apt_locked():
                r = run(["apt-get", "download", spec], cwd=dest,
                        timeout=max(10, min(900, self.deadline.left())))
            debs = glob.glob(os.path.join(dest, "*.deb"))
            if r.returncode == 0 and debs:
                return debs[0]
            if attempt == 0:
                self.updated = False
                self.update()
        raise Skip("apt-get download %s failed: %s" % (spec, tail(r.stderr, 3)))


def host_debarch():
    return run(["dpkg", "--print-architecture"], timeout=30).stdout.strip()


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


def ensure_tools(apt, arch):
    """Paths of the host tools for ARCH's guests; installs missing packages."""
    def look():
        return {"qemu": shutil.which(arch.qemu), "busybox": find_busybox(),
                "cpio": shutil.which("cpio")}
    wanted = (("qemu", arch.qemu_pkg), ("busybox", "busybox-static"), ("cpio", "cpio"))
    tools = look()
    missing = [pkg for key, pkg in wanted if not tools[key]]
    if missing:
        apt.install(missing)
        tools = look()
    for key, pkg in wanted:
        if not tools[key]:
            raise Skip("%s still missing after installing %s" % (key, pkg))
    for tool in ("dpkg-deb", "apt-get", "apt-cache", "ldd", "readelf"):
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


def kernel_package(apt, arch):
    """(package spec, version) of the kernel ARCH's meta package depends on."""
    meta = "%s:%s" % (arch.kernel_meta, arch.debarch)
    r = None
    for attempt in (0, 1):
        r = run(["apt-cache", "depends", meta], timeout=60)
        deps = re.findall(r"^\s*Depends:\s*(linux-image-[0-9][^\s<>]*)", r.stdout, re.M)
        if deps:
            pkg = deps[0] if ":" in deps[0] else "%s:%s" % (deps[0], arch.debarch)
            v = run(["apt-cache", "show", "--no-all-versions", pkg], timeout=60)
            m = re.search(r"^Version:\s*(\S+)", v.stdout, re.M)
            if m:
                return pkg, m.group(1)
        if attempt == 0:
            if arch.debarch != host_debarch():
                apt.add_architecture(arch.debarch)
            if not apt.update():
                break
    raise Skip("apt knows no %s dependency (apt-cache depends: %s)"
               % (meta, tail(r.stderr or r.stdout or "no output", 2)))


def decompress(name, data):
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


def unpack_kernel(deb, kdir, arch):
    """dpkg-deb the kernel image and ARCH's modules out of DEB into KDIR."""
    os.makedirs(os.path.join(kdir, "modules"))
    wanted = set(arch.modules) | set(arch.early_modules)
    meta = {"modules": []}
    p = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    with tarfile.open(fileobj=p.stdout, mode="r|") as tar:
        for m in tar:
            name = m.name[2:] if m.name.startswith("./") else m.name
            if not m.isreg():
                continue
            vm = re.fullmatch(arch.kernel_image, name)
            mm = re.fullmatch(r"(?:usr/)?lib/modules/[^/]+/kernel/drivers/(?:virtio|char)/"
                              r"(\w+)\.ko(\.xz|\.gz|\.zst)?", name)
            if vm:
                meta["release"] = vm.group(1)
                with open(os.path.join(kdir, "kernel"), "wb") as f:
                    f.write(tar.extractfile(m).read())
            elif mm and mm.group(1) in wanted:
                data = decompress(name, tar.extractfile(m).read())
                with open(os.path.join(kdir, "modules", mm.group(1) + ".ko"), "wb") as f:
                    f.write(data)
                meta["modules"].append(mm.group(1))
    if p.wait() != 0 or "release" not in meta:
        raise Skip("%s: dpkg-deb failed or no %s inside" % (os.path.basename(deb),
                                                             arch.kernel_image))
    meta["pvh"] = False
    if arch.name == "x86_64":
        with open(os.path.join(kdir, "kernel"), "rb") as f:
            elf = extract_vmlinux(f.read())
        meta["pvh"] = bool(elf) and elf_has_pvh(elf)
        if meta["pvh"]:
            with open(os.path.join(kdir, "vmlinux"), "wb") as f:
                f.write(elf)
    return meta


def cached(cache, kind, prefix):
    """Entries CACHE/KIND/PREFIX*/meta.json, newest first."""
    found = []
    for meta_path in glob.glob(os.path.join(cache, kind, prefix + "*", "meta.json")):
        with open(meta_path) as f:
            meta = json.load(f)
        meta["dir"] = os.path.dirname(meta_path)
        found.append((os.path.getmtime(meta_path), meta))
    return [m for _, m in sorted(found, key=lambda x: x[0], reverse=True)]


def lists_stamp():
    """Changes whenever apt's package lists do (apt-get update)."""
    paths = glob.glob("/var/lib/apt/lists/*_Packages*")
    return "%d:%d" % (len(paths), max([int(os.path.getmtime(p)) for p in paths] or [0]))


def resolve_cached(cache, what, resolve):
    """RESOLVE() -> (package, version), remembered in CACHE/resolved.json
    until apt's lists change: apt-cache takes seconds of CPU per call here
    (no pkgcache.bin, three architectures' lists), every test would pay it."""
    path = os.path.join(cache, "resolved.json")
    stamp = lists_stamp()
    try:
        with open(path) as f:
            known = json.load(f)
    except (OSError, ValueError):
        known = {}
    hit = known.get(what)
    if hit and hit.get("lists") == stamp:
        return hit["package"], hit["version"]
    pkg, ver = resolve()
    known[what] = {"lists": lists_stamp(), "package": pkg, "version": ver}
    with open(path + ".tmp", "w") as f:
        json.dump(known, f, indent=1)
    os.rename(path + ".tmp", path)
    return pkg, ver


def _fetch(cache, kind, key_prefix, apt, deadline, resolve, unpack):
    """A cached download: CACHE/KIND/<key>/meta.json, key = package_version.
    RESOLVE() -> (package spec, version) (may raise Skip: then the newest
    cached entry is used); UNPACK(deb, dir) -> meta dict. Two kept."""
    try:
        pkg, ver = resolve_cached(cache, kind + "/" + key_prefix, resolve)
    except Skip as e:
        have = cached(cache, kind, key_prefix)
        if have:
            log("%s; using the cached %s" % (e, have[0]["package"]))
            return have[0]
        raise
    key = re.sub(r"[^\w.+-]", "_", "%s_%s" % (pkg, ver))
    if not key.startswith(key_prefix):
        key = key_prefix + key
    kdir = os.path.join(cache, kind, key)
    meta_path = os.path.join(kdir, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        meta["dir"] = kdir
        os.utime(meta_path)
        return meta
    os.makedirs(os.path.join(cache, kind), exist_ok=True)
    dl = tempfile.mkdtemp(prefix="dl-", dir=cache)
    try:
        os.chmod(dl, 0o755)
        log("apt-get download %s=%s into %s" % (pkg, ver, cache))
        try:
            deb = apt.download("%s=%s" % (pkg, ver), dl)
        except Skip:
            have = cached(cache, kind, key_prefix)
            if have:
                log("apt-get download failed; using the cached %s" % have[0]["package"])
                return have[0]
            raise
        log("unpacking %s" % os.path.basename(deb))
        tmp = kdir + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        meta = unpack(deb, tmp)
        meta.update(package=pkg, version=ver)
        with open(os.path.join(tmp, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)
        os.rename(tmp, kdir)
    finally:
        shutil.rmtree(dl, ignore_errors=True)
    for old in cached(cache, kind, key_prefix)[2:]:
        shutil.rmtree(old["dir"], ignore_errors=True)
    meta["dir"] = kdir
    return meta


def ensure_kernel(cache, apt, deadline, arch):
    """ARCH's Debian kernel (image + the modules the arch needs), cached in
    CACHE/kernels/<arch>-<package>_<version>/."""
    def unpack(deb, d):
        meta = unpack_kernel(deb, d, arch)
        missing = [m for m in arch.modules + arch.early_modules if m not in meta["modules"]]
        if missing:
            log("note: the package has no %s module(s); built in?" % ", ".join(missing))
        return meta
    return _fetch(cache, "kernels", arch.name + "-", apt, deadline,
                  lambda: kernel_package(apt, arch), unpack)


def ensure_busybox(cache, apt, deadline, arch):
    """A static busybox for a foreign ARCH (busybox-static:DEBARCH), cached."""
    def resolve():
        apt.add_architecture(arch.debarch)
        spec = "busybox-static:%s" % arch.debarch
        r = run(["apt-cache", "show", "--no-all-versions", spec], timeout=60)
        m = re.search(r"^Version:\s*(\S+)", r.stdout, re.M)
        if not m:
            apt.update()
            r = run(["apt-cache", "show", "--no-all-versions", spec], timeout=60)
            m = re.search(r"^Version:\s*(\S+)", r.stdout, re.M)
        if not m:
            raise Skip("apt knows no %s" % spec)
        return spec, m.group(1)

    def unpack(deb, d):
        os.makedirs(d)
        r = run(["dpkg-deb", "-x", deb, d], timeout=120)
        if r.returncode != 0 or not os.path.exists(os.path.join(d, "bin", "busybox")):
            raise Skip("%s: no bin/busybox inside" % os.path.basename(deb))
        return {"busybox": "bin/busybox"}
    meta = _fetch(cache, "busybox", arch.name + "-", apt, deadline, resolve, unpack)
    return os.path.join(meta["dir"], meta["busybox"])


def cross_build(arch, builddir, deadline):
    """tools/cross-build.sh for ARCH into BUILDDIR (incremental): paths of
    memtopo, the guest helpers, the sysroot and the cross libc."""
    from vmarch import CROSS_NAME
    log("cross build for %s in %s" % (arch.name, builddir))
    r = run(["bash", CROSS_BUILD, CROSS_NAME[arch.name], builddir],
            timeout=max(30, min(1200, deadline.left())))
    if r.returncode != 0:
        err = tail(r.stderr, 12)
        if "installing gcc" in err and "cannot install" in err:
            raise Skip("no cross compiler for %s: %s" % (arch.name, err))
        raise Broken("tools/cross-build.sh %s failed (exit %d):\n%s"
                     % (arch.name, r.returncode, err))
    out = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition(" ")
        if v:
            out[k] = v
    for k in ("memtopo", "vm-mlock", "vm-kpageflags", "sysroot", "libc"):
        if k not in out:
            raise Broken("tools/cross-build.sh printed no %r line" % k)
    return out


# ---------------------------------------------------------------- guest libraries

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


# Libraries memtopo dlopens where it uses them (dynlib): ldd cannot see
# them, the guest needs them (monitor, the live sysfs lookup).
DLOPENED = ("libudev.so.1", "libmount.so.1")


def host_dlopened_paths():
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


def elf_dynamic(path):
    """(interpreter or None, [NEEDED]) of an ELF file of any architecture."""
    r = run(["readelf", "-W", "-l", "-d", path], timeout=30)
    if r.returncode != 0:
        raise Broken("readelf %s: %s" % (path, tail(r.stderr, 2)))
    interp = re.search(r"Requesting program interpreter: ([^\]]+)\]", r.stdout)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)
    return (interp.group(1) if interp else None), needed


def foreign_libs(binaries, search):
    """[(path in the guest, path on the host)] of what BINARIES need,
    dlopened libraries included, resolved in the directories SEARCH (the
    sysroot's, then the cross libc's); the loader at its own path."""
    out = {}
    todo = list(binaries)
    names = list(DLOPENED)
    seen = set()

    def find(name):
        for d in search:
            p = os.path.join(d, name)
            if os.path.exists(p):
                return p
        raise Broken("no %s for the guest in %s" % (name, ", ".join(search)))

    while todo or names:
        if names:
            name = names.pop()
            if name in seen:
                continue
            seen.add(name)
            host = find(name)
            out["/lib/%s" % name] = host
            todo.append(host)
            continue
        interp, needed = elf_dynamic(todo.pop())
        if interp and interp not in out:
            out[interp] = find(os.path.basename(interp))
        names += [n for n in needed if n not in seen]
    return sorted(out.items())
