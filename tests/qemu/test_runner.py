#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of the QEMU runner's judgement (tests/qemu/run.py) without booting anything: a runner
that cannot fail proves nothing, so feed it synthetic exits and logs and check that hangs,
wrong exit codes, missing lines and forbidden lines each fail, and that a good run passes.
Prints TAP."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import run  # noqa: E402

CASE = {
    "name": "synthetic",
    "arch": "x86_64",
    "cmdline": "selftest=boot",
    "exit": run.HV_EXIT_OK,
    "expect": [r"^\[INF\] selftest boot: PASS"],
    "forbid": run.NO_TROUBLE,
}
GOOD_LOG = ["[INF] ioasid-hv v1 (x86_64) starting", "[INF] selftest boot: PASS"]

results = []


def check(name, cond):
    results.append((name, bool(cond)))


# Exit-status decoding (isa-debug-exit: status = (v << 1) | 1, success writes 0x10).
check("x86 status 33 is HV_EXIT_OK", run.x86_decode_exit(33) == run.HV_EXIT_OK)
check("x86 status 7 is HV_EXIT_EXCEPTION", run.x86_decode_exit(7) == run.HV_EXIT_EXCEPTION)
check("x86 status 3 is HV_EXIT_FAIL", run.x86_decode_exit(3) == run.HV_EXIT_FAIL)
check("x86 status 0 (QEMU quit / triple fault) reports nothing", run.x86_decode_exit(0) is None)
check("x86 status 1 (QEMU error) reports nothing", run.x86_decode_exit(1) is None)
check("x86 even status reports nothing", run.x86_decode_exit(34) is None)
check("x86 killed (negative) reports nothing", run.x86_decode_exit(-9) is None)

# Judging a run.
check("a good run passes", run.judge(CASE, 33, GOOD_LOG) == [])
check("a hang fails", any("timed out" in w for w in run.judge(CASE, None, GOOD_LOG)))
check("a failing exit code fails", any("exit code fail" in w for w in run.judge(CASE, 3, GOOD_LOG)))
check("no reported exit code fails",
      any("no exit code" in w for w in run.judge(CASE, 0, GOOD_LOG)))
check("a missing expected line fails",
      any("missing expected" in w for w in run.judge(CASE, 33, GOOD_LOG[:1])))
check("a forbidden line fails",
      any("forbidden" in w for w in run.judge(CASE, 33, GOOD_LOG + ["[ERR] something broke"])))
check("an exception dump fails a non-fault case",
      any("forbidden" in w for w in run.judge(CASE, 33, GOOD_LOG + ["[ERR] EXCEPTION #GP"])))

# Images (README "Images"): self-tests boot the test image, everything else the release image,
# and a log that names the other image fails.
check("a self-test case boots the test image", run.case_image(CASE) == "test")
check("a case without selftest= boots the release image",
      run.case_image(dict(CASE, cmdline="arm64.nosemihosting")) == "release")
check("a case's \"image\" key wins", run.case_image(dict(CASE, image="release")) == "release")
check("a run of the release image fails a test-image case",
      any("ran the release image" in w
          for w in run.judge(CASE, 33, GOOD_LOG + ["[INF] boot: release image"])))
check("a run of the test image fails a release-image case",
      any("ran the test image" in w
          for w in run.judge(dict(CASE, cmdline=""), 33, GOOD_LOG + ["[INF] boot: test image"])))
check("the right image passes", run.judge(CASE, 33, GOOD_LOG + ["[INF] boot: test image"]) == [])

# The real case list is well formed.
names = [c["name"] for c in run.CASES]
check("case names are unique", len(names) == len(set(names)))
check("every case names a known machine", all(c["arch"] in run.MACHINES for c in run.CASES))
check("every case expects something", all(c.get("expect") for c in run.CASES))
check("ANSI escapes are stripped",
      run.ANSI.sub("", "\x1b[1m\x1b[33m[INF] x\x1b[0m\r") == "[INF] x")

# The harness's nested-table walk (tests/qemu/harness.py), over tables built here by hand:
# x86-64 paging (present bit 0, PS bit 7) and VMSAv8-64 stage 2 (bits 1:0 = 11 table/page,
# 01 block), a 4 KiB page through four levels and a 2 MiB block at level 2.
def fake_tables(arch):
    mem = {}
    table, leaf, block = (0x3, 0x3, 0x81) if arch == "x86_64" else (0x3, 0x3, 0x1)
    mem[0x1000 + 0 * 8] = 0x2000 | table         # L0[0]
    mem[0x2000 + 0 * 8] = 0x3000 | table         # L1[0]: GPA 0-1 GiB
    mem[0x3000 + 0 * 8] = 0x4000 | table         # L2[0]: GPA 0-2 MiB
    mem[0x4000 + 0x107 * 8] = 0x2107000 | leaf   # L3[0x107]: GPA 0x107000 -> 0x2107000
    mem[0x3000 + 1 * 8] = 0x40000000 | block     # L2[1]: GPA 2-4 MiB -> 1 GiB + offset
    return lambda a: mem.get(a, 0)


for arch in ("x86_64", "arm64"):
    rd = fake_tables(arch)
    check(f"{arch} walk: 4 KiB page", harness.walk(rd, 0x1000, 0x107abc, arch) == 0x2107abc)
    check(f"{arch} walk: 2 MiB block", harness.walk(rd, 0x1000, 0x234567, arch) == 0x40034567)
    check(f"{arch} walk: unmapped", harness.walk(rd, 0x1000, 0x108000, arch) is None)
    check(f"{arch} walk: above the table", harness.walk(rd, 0x1000, 1 << 39, arch) is None)

print(f"1..{len(results)}")
for i, (name, ok) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - runner: {name}")
sys.exit(0 if all(ok for _, ok in results) else 1)
