#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cross-build memtopo (and the vm suite's static guest helpers) for another
# architecture, on a Debian host:
#
#   tools/cross-build.sh ARCH [BUILDDIR [MESON_SETUP_ARGS...]]
#
# ARCH: ppc64le or aarch64 (arm64). BUILDDIR defaults to build-ARCH. The
# last lines on stdout name what was built ("memtopo PATH", "vm-mlock
# PATH", "vm-kpageflags PATH") and where the guest's libraries come from
# ("sysroot DIR", "libc DIR"); everything else goes to stderr.
#
# The cross compiler comes from Debian (gcc-powerpc64le-linux-gnu,
# gcc-aarch64-linux-gnu; installed here when missing and we are root). The
# libraries memtopo links (json-c, libsmartcols) and the headers of those
# it dlopens (libudev, libmount, with what their pkg-config files require)
# are NOT installed: foreign -dev packages beside the host's refuse to
# install on any version skew between architectures (Multi-Arch: same).
# Their .debs are fetched with `apt-get download PKG:DEBARCH` (the foreign
# architecture is added to dpkg once) and unpacked with dpkg-deb -x into a
# sysroot, which a generated meson machine file hands to pkg-config. The
# .debs and the sysroot are cached in $MEMTOPO_CROSS_CACHE (default
# ~/.cache/memtopo-cross): nothing is downloaded again once they are there.
#
# Only meson is called on the tree (targets by name), so the script does
# not depend on where the sources live.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
	echo "usage: tools/cross-build.sh ppc64le|aarch64 [BUILDDIR [MESON_SETUP_ARGS...]]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
arch=$1
shift
case "$arch" in
ppc64le | ppc64el | powerpc64le)
	arch=ppc64le debarch=ppc64el triplet=powerpc64le-linux-gnu ;;
aarch64 | arm64)
	arch=aarch64 debarch=arm64 triplet=aarch64-linux-gnu ;;
*) usage ;;
esac
builddir=${1:-$top/build-$arch}
[ $# -ge 1 ] && shift
case "$builddir" in
/*) ;;
*) builddir=$PWD/$builddir ;;
esac

# Libraries for the build (-dev: headers, pkg-config files, .so links) and
# for the guest (the shared objects memtopo links or dlopens, and theirs).
dev_pkgs=(libjson-c-dev libsmartcols-dev libudev-dev libmount-dev libblkid-dev
	libselinux1-dev libsepol-dev libpcre2-dev libinih-dev libsystemd-dev)
run_pkgs=(libjson-c5 libsmartcols1 libudev1 libmount1 libblkid1 libselinux1 libpcre2-8-0 libinih1)
targets=(memtopo vm-mlock vm-kpageflags)

cache=${MEMTOPO_CROSS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memtopo-cross}
adir=$cache/$arch
mkdir -p "$adir/debs"

say() { echo "cross-build: $*" >&2; }
die() {
	say "$*"
	exit 1
}

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo -n)

# apt and dpkg one at a time with tests/vm's harness (provision.py
# APT_LOCK): apt-get fails at once on a held lock, and a download can race
# an update that replaces the lists.
apt_lock=/tmp/memtopo-apt.lock
apt() { flock "$apt_lock" "$@"; }

# One cross build of an architecture at a time (the vm tests of one
# architecture start together).
exec 9>"$adir/lock"
flock 9

# -- the cross compiler
if ! command -v "$triplet-gcc" >/dev/null; then
	say "installing gcc-$triplet"
	apt "${sudo[@]}" apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive apt "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
		"gcc-$triplet" "libc6-dev-$debarch-cross" >/dev/null ||
		die "cannot install gcc-$triplet"
fi
for t in meson ninja pkg-config dpkg-deb apt-get flock; do
	command -v "$t" >/dev/null || die "$t is missing on this host"
done

# -- the foreign .debs (downloaded once)
have_deb() { compgen -G "$adir/debs/${1}_*_$debarch.deb" >/dev/null; }
missing=()
for p in "${dev_pkgs[@]}" "${run_pkgs[@]}"; do
	have_deb "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
		say "dpkg --add-architecture $debarch"
		apt "${sudo[@]}" dpkg --add-architecture "$debarch" ||
			die "cannot add architecture $debarch (root or password-less sudo needed)"
		# A foreign index (often the security one) may fail to download:
		# the packages still come from the main archive.
		apt "${sudo[@]}" apt-get update -qq || say "apt-get update reported errors (going on)"
	fi
	say "apt-get download ${missing[*]} ($debarch)"
	dl=$(mktemp -d "$adir/dl.XXXXXX")
	trap 'rm -rf "$dl"' EXIT
	if ! (cd "$dl" && apt apt-get download -q=2 "${missing[@]/%/:$debarch}"); then
		apt "${sudo[@]}" apt-get update -qq || true
		(cd "$dl" && apt apt-get download -q=2 "${missing[@]/%/:$debarch}") ||
			die "apt-get download failed"
	fi
	mv "$dl"/*.deb "$adir/debs/"
	rm -rf "$dl"
	trap - EXIT
fi

# -- the sysroot (unpacked again only when the set of .debs changes)
debs=()
for p in "${dev_pkgs[@]}" "${run_pkgs[@]}"; do
	# The newest version of each package in the cache.
	d=$(printf '%s\n' "$adir/debs/${p}"_*_"$debarch.deb" | sort -V | tail -n 1)
	debs+=("$d")
done
stamp=$(printf '%s\n' "${debs[@]##*/}" | sha256sum | cut -c1-16)
sysroot=$adir/sysroot
if [ "$(cat "$sysroot/.stamp" 2>/dev/null)" != "$stamp" ]; then
	say "unpacking ${#debs[@]} packages into $sysroot"
	rm -rf "$sysroot.tmp" "$sysroot"
	mkdir -p "$sysroot.tmp"
	for d in "${debs[@]}"; do
		dpkg-deb -x "$d" "$sysroot.tmp"
	done
	# Absolute symlinks (libfoo.so -> /lib/...) would point into the host:
	# make them relative, inside the sysroot.
	while IFS= read -r l; do
		t=$(readlink "$l")
		ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$sysroot.tmp$t")" "$l"
	done < <(find "$sysroot.tmp" -type l -lname '/*')
	echo "$stamp" >"$sysroot.tmp/.stamp"
	mv "$sysroot.tmp" "$sysroot"
fi

# -- meson: the repository's cross file plus one naming this sysroot
machine=$adir/sysroot.ini
cat >"$machine.tmp" <<EOF
# Generated by tools/cross-build.sh: the sysroot of foreign libraries.
[properties]
sys_root = '$sysroot'
pkg_config_libdir = '$sysroot/usr/lib/$triplet/pkgconfig:$sysroot/usr/share/pkgconfig'
EOF
mv "$machine.tmp" "$machine"
setup_stamp=$(cat "$top/tools/cross/$arch.ini" "$machine" | sha256sum | cut -c1-16)
if [ -f "$builddir/build.ninja" ] && [ "$(cat "$builddir/.cross-stamp" 2>/dev/null)" = "$setup_stamp" ]; then
	:
else
	say "meson setup $builddir"
	wipe=()
	[ -f "$builddir/build.ninja" ] && wipe=(--wipe)
	meson setup "${wipe[@]}" "$builddir" "$top" \
		--cross-file "$top/tools/cross/$arch.ini" --cross-file "$machine" \
		-Dwerror=true "$@" >&2
	echo "$setup_stamp" >"$builddir/.cross-stamp"
fi
meson compile -C "$builddir" "${targets[@]}" >&2

# -- what was built, by target name
meson introspect --targets "$builddir" | python3 -c '
import json, sys
want = sys.argv[1:]
found = {t["name"]: t["filename"][0] for t in json.load(sys.stdin)
         if t["name"] in want and t["type"] == "executable"}
for name in want:
    if name not in found:
        sys.exit("cross-build: no target %s in the build" % name)
    print(name, found[name])
' "${targets[@]}"
echo "sysroot $sysroot"
echo "libc /usr/$triplet/lib"
