# SPDX-License-Identifier: GPL-2.0-or-later
"""The guest architectures of the vm suite: what differs between them.

Everything else (the control protocol, the scenarios' helpers, the host's
verdicts) is the same on all three. Facts measured here (Debian 12
kernels 6.1, QEMU 7.2, TCG) are in tests/vm/README.md.
"""


class Arch:
    def __init__(self, name, **kw):
        self.name = name
        self.__dict__.update(kw)

    def machine_args(self):
        return list(self.machine)


ARCHES = {
    # The host's own architecture: memtopo and the guest helpers come from
    # the meson build, the libraries from the host (ldd), the kernel is
    # booted through its PVH entry with qboot (fast) when it has one.
    "x86_64": Arch(
        "x86_64",
        debarch="amd64",
        kernel_meta="linux-image-amd64",
        qemu="qemu-system-x86_64",
        qemu_pkg="qemu-system-x86",
        machine=["-machine", "pc"],
        console="ttyS0",
        ctl_dev="/dev/ttyS1",
        # virtio-mem for the virtio-mem scenarios (insmod in this order).
        modules=("virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
                 "virtio_pci", "virtio_mem"),
        early_modules=(),
        # no_timer_check: on a starved host (TCG, load 18 on 2 cores) the
        # kernel's early IO-APIC timer check failed and it panicked
        # ("IO-APIC + timer doesn't work!"); virtual machines skip it.
        cmdline=("no_timer_check",),
        kernel_image=r"boot/vmlinuz-(.+)",
        triplet="x86_64-linux-gnu",
        cross=False,
        block_size=128 << 20,
        page_size=4096,
    ),
    # IBM Power, pseries LPAR: VOF instead of SLOF (the kernel is booted
    # directly), two spapr-vty consoles (hvc0 console, hvc1 control). The
    # package ships an ELF vmlinux. The cap-* settings only silence TCG's
    # warnings about Spectre workarounds it does not emulate.
    "ppc64le": Arch(
        "ppc64le",
        debarch="ppc64el",
        kernel_meta="linux-image-powerpc64le",
        qemu="qemu-system-ppc64",
        qemu_pkg="qemu-system-ppc",
        machine=["-machine", "pseries,x-vof=on,cap-cfpc=broken,cap-sbbc=broken,"
                 "cap-ibs=broken,cap-ccf-assist=off", "-cpu", "power9"],
        console="hvc0",
        ctl_dev="/dev/hvc1",
        modules=(),
        early_modules=(),
        cmdline=(),
        kernel_image=r"boot/vmlinux-(.+)",
        triplet="powerpc64le-linux-gnu",
        cross=True,
        block_size=256 << 20,
        page_size=64 << 10,
    ),
    # arm64 `virt`: one PL011 (console); the control channel is a
    # virtconsole on virtio-mmio (hvc0), whose modules init loads first.
    "arm64": Arch(
        "arm64",
        debarch="arm64",
        kernel_meta="linux-image-arm64",
        qemu="qemu-system-aarch64",
        qemu_pkg="qemu-system-arm",
        machine=["-machine", "virt", "-cpu", "cortex-a57"],
        console="ttyAMA0",
        ctl_dev="/dev/hvc0",
        modules=(),
        early_modules=("virtio_mmio", "virtio_console"),
        cmdline=(),
        kernel_image=r"boot/vmlinuz-(.+)",
        triplet="aarch64-linux-gnu",
        cross=True,
        block_size=128 << 20,
        page_size=4096,
    ),
}

# tools/cross-build.sh names the architectures as GNU does.
CROSS_NAME = {"ppc64le": "ppc64le", "arm64": "aarch64"}


def get(name):
    if name not in ARCHES:
        raise ValueError("unknown architecture %r (one of %s)" % (name, ", ".join(ARCHES)))
    return ARCHES[name]
