#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that the documented debugging recipe works (README "Debugging", make debug): learn the
load address with a probe boot, start QEMU halted with a gdb stub, load the symbols with
`add-symbol-file ioasid-hv.so -o <base>`, break on hv_main with a hardware breakpoint, and
check gdb stops there with a sensible backtrace and can read a variable. Prints TAP.

Usage: debug_check.py [--arch x86_64] [--build-dir DIR]
"""
import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402

CMDLINE = "selftest=boot"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="x86_64", choices=sorted(run.MACHINES))
    ap.add_argument("--build-dir")
    args = ap.parse_args()
    name = f"debug-{args.arch}: gdb stops at hv_main with symbols at the printed load address"
    print("1..1")
    gdb = shutil.which("gdb-multiarch") or shutil.which("gdb")
    if gdb is None:
        print(f"ok 1 - {name} # SKIP no gdb installed")
        return 0
    build = args.build_dir or run.default_build_dir(args.arch)
    image = os.path.join(build, "ioasid-hv.efi")
    elf = os.path.join(build, "ioasid-hv.so")
    work = os.path.join(build, "debug-check")
    os.makedirs(work, exist_ok=True)

    probe_log = os.path.join(work, "probe.log")
    run.boot(args.arch, work, "debug", image, CMDLINE, 180, probe_log)
    bases = [m.group(1) for l in run.read_log(probe_log)
             for m in [re.search(r"ioasid-hv: image base (0x[0-9a-f]+)", l)] if m]
    if not bases:
        print(f"not ok 1 - {name}: the probe boot printed no image base ({probe_log})")
        return 1
    base = bases[0]

    port = random.randint(20000, 40000)
    esp = run.prepare_esp(work, "debug", args.arch, image, CMDLINE)
    cmd = run.qemu_command(args.arch, work, "debug", esp, ["-gdb", f"tcp::{port}", "-S"])
    serial = open(os.path.join(work, "debug.log"), "wb")
    qemu = subprocess.Popen(cmd, stdout=serial, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        # Wait (bounded) until QEMU's gdb stub listens; a loaded machine can take a while.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("localhost", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        gdb_cmd = [gdb, "-q", "-batch", "-nx",
                   "-ex", f"target remote localhost:{port}",
                   "-ex", f"add-symbol-file {elf} -o {base}",
                   "-ex", "hbreak hv_main", "-ex", "continue",
                   "-ex", "bt 3", "-ex", "print bi->cmdline", "-ex", "kill"]
        out = subprocess.run(gdb_cmd, capture_output=True, text=True, timeout=180).stdout
    except subprocess.TimeoutExpired:
        out = "(gdb timed out)"
    finally:
        qemu.kill()
        qemu.wait()
        serial.close()
    checks = [(r"Breakpoint 1, hv_main \(", "stopped in hv_main"),
              (r"#1 .* in efi_main \(", "backtrace reaches efi_main"),
              (r'\$1 = "selftest=boot"', "reads bi->cmdline")]
    missing = [what for pat, what in checks if not re.search(pat, out)]
    if missing:
        print(f"not ok 1 - {name}: {', '.join(missing)} failed")
        for l in out.splitlines()[-20:]:
            print(f"#   | {l}")
        return 1
    print(f"ok 1 - {name} (base {base})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
