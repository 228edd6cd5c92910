#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install everything ioasid-hv needs to build and test, on a fresh Debian 12 (bookworm) x86_64
# machine. Idempotent: a second run changes nothing. On another distribution it lists what is
# missing and stops.
#
# What and why:
#  - QEMU 10 from bookworm-backports: bookworm's own 7.2 has no SMMUv3 stage 2 and no VT-d
#    first-level translation (see docs/ARCHITECTURE.md, "Test hardware").
#  - OVMF and AAVMF firmware, gnu-efi (x86_64, from bookworm), the aarch64 cross toolchain,
#    newlib's source tarball, clang/lld for the second compiler and the fuzzer, gdb-multiarch.
#  - gnu-efi for arm64 is not installable on amd64 and bookworm's 3.0.15 arm64 images are refused
#    by AAVMF; trixie's 3.0.18 arm64 package works. It is downloaded with a private apt
#    configuration (nothing is added to the system's sources) and unpacked under
#    /opt/ioasid-hv/gnu-efi-arm64.
set -euo pipefail

OPT=/opt/ioasid-hv
GNUEFI_ARM64="$OPT/gnu-efi-arm64"
PKGS=(build-essential make python3 git clang lld llvm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
      gnu-efi ovmf qemu-efi-aarch64 newlib-source gdb-multiarch dosfstools mtools valgrind
      clang-format xz-utils)
QEMU_PKGS=(qemu-system-x86 qemu-system-arm)

say() { printf 'install-deps: %s\n' "$*"; }

if [ ! -r /etc/os-release ] || ! grep -qE '^ID=debian' /etc/os-release; then
	say "this script installs packages on Debian 12 only. On this system, provide:"
	say "  QEMU >= 10.0 (qemu-system-x86_64, qemu-system-aarch64), OVMF (OVMF_CODE_4M.fd),"
	say "  AAVMF/QEMU_EFI.fd, gnu-efi >= 3.0.15 for x86_64 and gnu-efi 3.0.18 for arm64,"
	say "  an aarch64-linux-gnu gcc cross compiler, clang + lld, newlib 3.x source, python3."
	missing=()
	for t in qemu-system-x86_64 qemu-system-aarch64 aarch64-linux-gnu-gcc clang ld.lld python3; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[ -e /usr/src/newlib/newlib-*.tar.xz ] || missing+=("newlib source (/usr/src/newlib)")
	[ -e /usr/share/OVMF/OVMF_CODE_4M.fd ] || missing+=("OVMF (/usr/share/OVMF/OVMF_CODE_4M.fd)")
	say "missing here: ${missing[*]:-nothing detected}"
	exit 1
fi

SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive

# The machine's own Debian mirror, so no host name is written into the project.
mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
if [ -z "$mirror" ]; then
	mirror=$(awk '$1=="deb" && $0 ~ /bookworm/ && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
fi
[ -n "$mirror" ] || { say "cannot find the Debian mirror in /etc/apt sources"; exit 1; }

need_update=0
BPO=/etc/apt/sources.list.d/ioasid-hv-backports.sources
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	say "adding bookworm-backports ($mirror)"
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$mirror" | $SUDO tee "$BPO" >/dev/null
	need_update=1
fi

have_all() {
	for p in "$@"; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1; done
}
qemu_ok() {
	command -v qemu-system-x86_64 >/dev/null && command -v qemu-system-aarch64 >/dev/null &&
		qemu-system-x86_64 --version | grep -qE 'version (1[0-9])\.'
}

if ! have_all "${PKGS[@]}" || ! qemu_ok || [ "$need_update" = 1 ]; then
	say "apt-get update"
	$SUDO apt-get update -qq
	say "installing: ${PKGS[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
	say "installing QEMU 10 from bookworm-backports"
	$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports "${QEMU_PKGS[@]}" >/dev/null
fi
qemu_ok || { say "QEMU 10 did not install"; exit 1; }

if [ ! -e "$GNUEFI_ARM64/usr/include/efi/aarch64/efibind.h" ]; then
	say "fetching gnu-efi (arm64) from trixie into $GNUEFI_ARM64"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/etc/preferences.d" "$tmp/state/lists/partial" "$tmp/cache/archives/partial"
	echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$tmp/etc/sources.list"
	: >"$tmp/status"
	aptopt=(-o Dir::Etc::SourceList="$tmp/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::Etc::Preferences="$tmp/etc/preferences" -o Dir::Etc::PreferencesParts="$tmp/etc/preferences.d"
		-o Dir::State="$tmp/state" -o Dir::State::status="$tmp/status" -o Dir::Cache="$tmp/cache"
		-o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	apt-get "${aptopt[@]}" update -qq
	(cd "$tmp" && apt-get "${aptopt[@]}" download gnu-efi:arm64 >/dev/null)
	$SUDO mkdir -p "$GNUEFI_ARM64"
	$SUDO dpkg -x "$tmp"/gnu-efi_*_arm64.deb "$GNUEFI_ARM64"
fi
ls "$GNUEFI_ARM64"/usr/lib/crt0-efi-aarch64.o >/dev/null

say "ok: $(qemu-system-x86_64 --version | head -n1)"
