#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prove the release image carries no test code (README "Images", docs/ARCHITECTURE.md "Build").

The release image (build/<arch>[-clang]/ioasid-hv.so, the ELF the .efi is made from) must not
contain self-tests, test hooks, debug hooks or the VT-d pass-through primitive: mk/efi.mk links
those only into the test image, by file selection. A file listed in the wrong variable, or test
code written into a release file, would slip in without a compiler error, so this check reads
the release image's symbol table (nm, local symbols included) and fails on any name in FORBIDDEN.

The patterns are checked against the matching test image as well: each must find test code there
(on the arches it applies to), so a pattern that has gone stale by a rename, or an nm that
printed nothing, fails instead of passing vacuously.

Usage: check_release_image.py ARCH RELEASE_SO TEST_SO [ARCH RELEASE_SO TEST_SO ...]  (TAP)
"""
import os
import re
import subprocess
import sys

NM = {"x86_64": "nm", "arm64": "aarch64-linux-gnu-nm"}
BOTH = {"x86_64", "arm64"}

# (symbol-name regex, what it stands for, arches whose test image must contain a match)
FORBIDDEN = [
    (r"selftest", "self-tests: HV_SELFTEST entries and functions, the runner, arch_selftest", BOTH),
    (r"_debug_", "the drivers' debug hooks (vtd_debug_*, smmuv3_debug_*)", BOTH),
    (r"passthrough", "the VT-d DMA bypass (vtd_install_passthrough, pass-through entries)",
     {"x86_64"}),
    (r"^st_", "the IOMMU self-test framework (hv/selftest_iommu.c)", BOTH),
    (r"^arm64_vst_", "selftest=vcpu's EL1 test programs (arch/arm64/vcpu_selftest_guest.S)",
     {"arm64"}),
    (r"^edu_", "the hypervisor's own driver for QEMU's edu test device (drivers/misc/edu.c)",
     BOTH),
    (r"stale_map_key|stale_key", "the boot.stale_key test hook", BOTH),
    (r"_forget$", "host-test hooks that reset driver state (vtd_rmrr_forget: HV_HOST builds only)", set()),
]
# A symbol every image has: proves nm read a symbol table at all.
ALWAYS = "hv_main"


def symbols(arch, elf):
    out = subprocess.run([NM[arch], elf], check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if parts:
            names.add(parts[-1])
    return names


def matches(names, pattern):
    return sorted(n for n in names if re.search(pattern, n))


def label(path):
    return os.path.basename(os.path.dirname(os.path.abspath(path)))


def main():
    args = sys.argv[1:]
    if not args or len(args) % 3 or any(a not in NM for a in args[0::3]):
        print(__doc__, file=sys.stderr)
        return 2
    triples = list(zip(args[0::3], args[1::3], args[2::3]))
    print(f"1..{len(triples) * 2}")
    n = failed = 0
    for arch, release, test in triples:
        for elf in (release, test):
            n += 1
            kind = "release" if elf is release else "test"
            if kind == "release":
                name = f"release-image-{label(release)}: {os.path.relpath(release)} has no test code"
            else:
                name = (f"release-image-{label(release)}: every pattern finds test code in "
                        f"{os.path.relpath(test)}")
            if not os.path.exists(elf):
                print(f"not ok {n} - {name}: {elf} missing (build it: make images)")
                failed += 1
                continue
            try:
                names = symbols(arch, elf)
            except (OSError, subprocess.CalledProcessError) as e:
                print(f"not ok {n} - {name}: {e}")
                failed += 1
                continue
            why = []
            if ALWAYS not in names:
                why.append(f"no {ALWAYS} in its symbol table (stripped? nm failed?)")
            for pattern, what, arches in FORBIDDEN:
                hits = matches(names, pattern)
                if kind == "release" and hits:
                    why.append(f"/{pattern}/ ({what}): {', '.join(hits[:8])}"
                               + (f" and {len(hits) - 8} more" if len(hits) > 8 else ""))
                elif kind == "test" and arch in arches and not hits:
                    why.append(f"/{pattern}/ ({what}) matches nothing: stale pattern?")
            if why:
                failed += 1
                print(f"not ok {n} - {name}: {why[0]}")
                for w in why[1:]:
                    print(f"#   also: {w}")
            else:
                print(f"ok {n} - {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
