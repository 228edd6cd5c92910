#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The users' commands, run as a user runs them (README "Your own partitions"); TAP for
tests/run_all.py:

  cfgcheck-*              tools/cfgcheck on the examples (clean on q35 and virt) and on bad files
                          (tests/data/cfgcheck/): the errors with their line numbers, exit status
                          0/1/2; with the built guest images, the pre-flight
  x86_64-make-run-example `make run CONFIG=examples/two-partitions.cfg`: the example's guests,
                          found among the built test guests, and its "# qemu:" machine
  x86_64-make-run-config  `make run CONFIG= GUESTS= QEMU_EXTRA=`: a configuration in a temporary
                          directory naming \\apps\\mine.bin, a guest image given by path, -smp 3
  <arch>-make-esp         `make esp` writes a disk image (checked with mtools), `make run ESP=`
                          boots that image as a raw drive (no fat:rw: directory)
  <arch>-sdk-guest        `make sdk` into a temporary directory, the demo guest built from
                          another temporary directory with a three-line Makefile, booted

Usage: test_tools.py [--arch x86_64 --arch arm64] [--only NAME-SUBSTRING]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CFGCHECK = os.path.join(ROOT, "tools", "cfgcheck")
DATA = os.path.join(ROOT, "tests", "data", "cfgcheck")
MTOOLS_ENV = {"MTOOLS_SKIP_CHECK": "1"}
BOOT_TIMEOUT = 600


def clean_env(extra=None):
    """The environment of a user's shell: no make variables inherited from `make test`."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL",
                                                              "MAKEOVERRIDES", "QEMU_EXTRA")}
    env.update(extra or {})
    return env


def run(cmd, cwd=ROOT, timeout=BOOT_TIMEOUT, env=None):
    """(status, output lines); a timeout is status None."""
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, text=True, errors="replace",
                           timeout=timeout, env=clean_env(env))
        return p.returncode, p.stdout.splitlines()
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out.splitlines()


def want(lines, patterns):
    """Reasons: every pattern must match some line."""
    return [f"missing /{p}/" for p in patterns if not any(re.search(p, l) for l in lines)]


def want_status(status, expected, what):
    return [] if status == expected else [f"{what} exited with status {status}, expected {expected}"]


def make(*args, timeout=BOOT_TIMEOUT, env=None):
    return run(["make", "--no-print-directory"] + list(args), timeout=timeout, env=env)


GUEST_OK = r"^\[INF\] \[guest %s\] Done: everything behaved as described$"


def boot_ok(status, lines, guests=("demo",), exits=1):
    """A make run that ended well: the hypervisor's ok exit, the demo guests done."""
    why = want_status(status, 0, "make run")
    why += want(lines, [GUEST_OK % g for g in guests]
                + [r"^QEMU status 33: hypervisor exit ok$",
                   r"hv: %d guest\(s\) ran: %d exited \(0 with a non-zero status\), 0 stopped" % (exits, exits)])
    why += [f"trouble: {l}" for l in lines if re.search(r"^\[(ERR|PANIC)\]|EXCEPTION", l)][:3]
    return why


# ---- tools/cfgcheck ----

def t_cfgcheck_examples(_):
    why = []
    for f in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        if not f.endswith(".cfg"):
            continue
        for m in ("q35", "virt"):
            st, out = run([CFGCHECK, os.path.join("examples", f), "--machine", m], timeout=120)
            why += want_status(st, 0, f"cfgcheck {f} --machine {m}")
            why += want(out, [r"^examples/%s: ok: \d guest\(s\); fits machine %s" % (re.escape(f), m)])
    return why


def t_cfgcheck_bad_parse(_):
    f = "tests/data/cfgcheck/bad-parse.cfg"
    st, out = run([CFGCHECK, f], timeout=120)
    return want_status(st, 1, "cfgcheck") + want(out, [
        r"^%s:5: error: unknown key 'colour' in guest 'a'$" % f,
        r"^%s:6: error: CPU 0 is the boot CPU" % f,
        r"^%s:7: error: device must be \[segment:\]bus:device\.function in hex$" % f,
        r"^%s:11: error: memory size must be a non-zero multiple of 4K" % f,
        r"^%s: \d+ error\(s\) \(parse; the checks against a machine were not run\)$" % f])


def t_cfgcheck_bad_machine(_):
    f = "tests/data/cfgcheck/bad-machine.cfg"
    st, out = run([CFGCHECK, f, "--machine", "q35"], timeout=120)
    why = want_status(st, 1, "cfgcheck --machine q35") + want(out, [
        r"^%s:15: error: guest 'b' and guest 'a' \(line 7\) both own the console$" % f,
        r"^%s:12: error: device 0000:00:01\.0 is also assigned to guest 'a' \(line 5\)$" % f,
        r"^%s:13: error: device 0000:00:07\.0 does not exist$" % f,
        r"^%s:14: error: CPU 1 is also given to guest 'a' \(line 6\)$" % f,
        r"^%s: 4 error\(s\)$" % f])
    # Without a machine only what needs none: 00:07.0 is not known not to exist.
    st, out = run([CFGCHECK, f], timeout=120)
    why += want_status(st, 1, "cfgcheck (no machine)")
    why += [f"without --machine: {l}" for l in out if "does not exist" in l]
    # A machine description file: 4 CPUs, the board's devices (no 00:01.0).
    st, out = run([CFGCHECK, f, "--machine", os.path.join(DATA, "board.machine")], timeout=120)
    why += want_status(st, 1, "cfgcheck --machine board.machine")
    why += want(out, [r"^%s:5: error: device 0000:00:01\.0 does not exist$" % f])
    why += [f"with board.machine: {l}" for l in out if "00:07.0" in l]
    # The CPU count of a built-in machine: --cpus, and the examples' "# qemu: -smp 3".
    st, out = run([CFGCHECK, "examples/two-partitions.cfg", "--machine", "q35", "--cpus", "2"], timeout=120)
    why += want_status(st, 1, "cfgcheck --cpus 2")
    why += want(out, [r"^examples/two-partitions\.cfg:\d+: error: CPU 2 does not exist \(the machine lists 2 CPU\(s\)\)$"])
    st, out = run([CFGCHECK], timeout=120)
    why += want_status(st, 2, "cfgcheck without a file")
    st, out = run([CFGCHECK, "/nonexistent.cfg"], timeout=120)
    why += want_status(st, 2, "cfgcheck of a missing file")
    return why


def t_cfgcheck_preflight(_, tmp):
    """The pre-flight given the images (--images DIR, --guest FILE): the built x86_64 guests."""
    guests = os.path.join(ROOT, "build", "x86_64", "guests")
    why = []
    st, out = run([CFGCHECK, "examples/two-partitions.cfg", "--machine", "q35", "--images", guests], timeout=120)
    why += want_status(st, 0, "cfgcheck two-partitions --images")
    why += want(out, [r"^examples/two-partitions\.cfg: ok: 2 guest\(s\); fits machine q35 .*; pre-flight passed"])
    f = "tests/data/cfgcheck/preflight.cfg"
    for m, bits in (("q35", False), ("virt", True)):
        st, out = run([CFGCHECK, f, "--machine", m, "--images", guests], timeout=120)
        why += want_status(st, 1, f"cfgcheck preflight.cfg --machine {m}")
        why += want(out, [r"^%s:7: error: guest 'a': memory at guest-physical 0 is 1024 KiB; its \d+-byte image "
                          r"at 0x100000 and a page of stack need \d+ KiB$" % f])
        wide = [l for l in out if "beyond the 44-bit input range" in l]
        if bits and not wide:
            why.append(f"--machine {m}: no error for the memory beyond 44 bits (line 13)")
        if not bits and wide:
            why.append(f"--machine {m}: {wide[0]}")
    f = "tests/data/cfgcheck/dry-run.cfg"
    st, out = run([CFGCHECK, f, "--machine", "q35", "--images", guests], timeout=120)
    why += want_status(st, 1, "cfgcheck dry-run.cfg")
    why += want(out, [r"^%s:9: error: guest 'b': no free 262144 KiB block for this memory" % f])
    # An ELF file where a flat binary belongs, given by path; a missing image.
    shutil.copyfile(os.path.join(guests, "demo.elf"), os.path.join(tmp, "demo.bin"))
    st, out = run([CFGCHECK, "examples/single-guest.cfg", "--guest", os.path.join(tmp, "demo.bin")], timeout=120)
    why += want_status(st, 1, "cfgcheck with an ELF image")
    why += want(out, [r"^examples/single-guest\.cfg:\d+: error: guest 'demo': image \\guests\\demo\.bin is an ELF file"])
    st, out = run([CFGCHECK, "examples/two-partitions.cfg", "--images", tmp], timeout=120)
    why += want_status(st, 1, "cfgcheck with a missing image")
    why += want(out, [r"^examples/two-partitions\.cfg:\d+: error: guest 'worker': image \\guests\\dma\.bin was "
                      r"not loaded from the ESP"])
    return why


# ---- make run CONFIG= ----

def t_make_run_example(arch):
    st, out = make(f"ARCH={arch}", "run", "CONFIG=examples/two-partitions.cfg")
    why = boot_ok(st, out, ("demo",), exits=2)
    return why + want(out, [r"^\+ qemu-system-\S+ .*-drive format=raw,file=fat:rw:\S+ .*-smp 3 ",
                            r"^ioasid-hv: loaded \\guests\\dma\.bin",
                            r"^\[INF\] guest worker: exited with status 0"])


def t_make_run_config(arch, tmp):
    guest_dir = os.path.join(ROOT, "build", arch, "guests")
    os.makedirs(os.path.join(tmp, "imgs"))
    shutil.copyfile(os.path.join(guest_dir, "demo.bin"), os.path.join(tmp, "imgs", "mine.bin"))
    cfg = os.path.join(tmp, "my.cfg")
    with open(cfg, "w") as f:
        f.write("# a user's file outside the tree\n[guest mine]\nimage = \\apps\\mine.bin\n"
                "memory = 16M\ndevice = 00:01.0\nconsole = yes\n")
    st, out = make(f"ARCH={arch}", "run", f"CONFIG={cfg}", f"GUESTS={os.path.join(tmp, 'imgs', 'mine.bin')}",
                   "QEMU_EXTRA=-smp 3 -name user-extra")
    return boot_ok(st, out, ("mine",)) + want(out, [
        r"^\+ qemu-system-\S+ .* -smp 3 -name user-extra$",
        r"^ioasid-hv: loaded \\apps\\mine\.bin \(\d+ bytes\)$",
        r"^\[INF\] smp: 3 of 3 CPUs online$"])


# ---- make esp, make run ESP= ----

def t_make_esp(arch, tmp):
    img = os.path.join(tmp, "esp.img")
    st, out = make(f"ARCH={arch}", "esp", "CONFIG=examples/two-partitions.cfg", f"ESP_IMG={img}")
    why = want_status(st, 0, "make esp")
    if why:
        return why + out[-5:]
    boot_file = {"x86_64": "BOOTX64.EFI", "arm64": "BOOTAA64.EFI"}[arch]
    st, ls = run(["mdir", "-/", "-b", "-i", f"{img}@@1M", "::/"], timeout=60, env=MTOOLS_ENV)
    why += want_status(st, 0, "mdir of the image")
    why += want([l.lower() for l in ls], [r"^::/efi/boot/%s$" % boot_file.lower(), r"^::/ioasid-hv\.cfg$",
                                          r"^::/guests/demo\.bin$", r"^::/guests/dma\.bin$"])
    with open(img, "rb") as f:
        mbr = f.read(512)
    if mbr[510:512] != b"\x55\xaa" or mbr[446 + 4] != 0xef:
        why.append("the image has no MBR with an EFI system partition (type 0xef)")
    st, out = make(f"ARCH={arch}", "run", f"ESP={img}")
    why += boot_ok(st, out, ("demo",), exits=2)
    why += want(out, [r"^\+ qemu-system-\S+ .*-drive format=raw,file=%s -serial" % re.escape(img),
                      r"^ioasid-hv: loaded \\guests\\demo\.bin"])
    why += [f"booted a directory, not the image: {l[:120]}" for l in out if l.startswith("+ ") and "fat:rw:" in l]
    return why


# ---- make sdk, a guest built elsewhere ----

def t_sdk_guest(arch, tmp):
    sdk = os.path.join(tmp, "sdk")
    st, out = make(f"ARCH={arch}", "sdk", f"SDK_DIR={sdk}")
    why = want_status(st, 0, "make sdk")
    if why:
        return why + out[-5:]
    src = os.path.join(tmp, "myguest")
    os.makedirs(src)
    shutil.copyfile(os.path.join(ROOT, "tests", "guests", "demo.c"), os.path.join(src, "guest.c"))
    with open(os.path.join(src, "Makefile"), "w") as f:
        f.write(f"IOASID_SDK := {sdk}\ninclude $(IOASID_SDK)/sdk.mk\nall: guest.bin\n")
    st, out = run(["make", "--no-print-directory"], cwd=src, timeout=300)
    why += want_status(st, 0, "make in the guest's directory")
    if why:
        return why + out[-5:]
    cfg = os.path.join(src, "guest.cfg")
    with open(cfg, "w") as f:
        f.write("[guest outside]\nimage = \\guests\\guest.bin\nmemory = 16M\ndevice = 00:01.0\nconsole = yes\n")
    st, out = make(f"ARCH={arch}", "run", f"CONFIG={cfg}", f"GUESTS={os.path.join(src, 'guest.bin')}")
    return why + boot_ok(st, out, ("outside",)) + want(out, [r"^ioasid-hv: loaded \\guests\\guest\.bin"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", action="append")
    ap.add_argument("--only", help="run only the tests whose name contains this")
    args = ap.parse_args()
    arches = args.arch or ["x86_64", "arm64"]
    tests = [("cfgcheck-examples", t_cfgcheck_examples, None),
             ("cfgcheck-bad-parse", t_cfgcheck_bad_parse, None),
             ("cfgcheck-bad-machine", t_cfgcheck_bad_machine, None),
             ("cfgcheck-preflight", t_cfgcheck_preflight, None)]
    if "x86_64" in arches:
        tests += [("x86_64-make-run-example", t_make_run_example, "x86_64"),
                  ("x86_64-make-run-config", t_make_run_config, "x86_64")]
    for a in arches:
        tests += [(f"{a}-make-esp", t_make_esp, a), (f"{a}-sdk-guest", t_sdk_guest, a)]
    tests = [t for t in tests if not args.only or args.only in t[0]]
    print(f"1..{len(tests)}", flush=True)
    failed = 0
    for i, (name, fn, arch) in enumerate(tests, 1):
        with tempfile.TemporaryDirectory(prefix=f"ioasid-{name}-") as tmp:
            try:
                why = fn(arch, tmp) if fn.__code__.co_argcount == 2 else fn(arch)
            except Exception as e:  # a broken test fails, it does not stop the others
                why = [f"test raised {e!r}"]
        if why:
            failed += 1
            print(f"not ok {i} - {name}: {why[0]}")
            for w in why[1:12]:
                print(f"#   {w}")
        else:
            print(f"ok {i} - {name}", flush=True)
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
