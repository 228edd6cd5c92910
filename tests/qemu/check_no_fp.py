#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prove the hypervisor image never touches FP/SIMD registers.

The hypervisor (newlib included) is compiled with -mgeneral-regs-only so that it never
clobbers a guest's FP/SIMD state and needs no save/restore on entry (docs/ARCHITECTURE.md,
"libc"). Flags can be lost (a new file with its own rule, a library built differently), so this
test disassembles the linked ELF and fails on any instruction that names an FP/SIMD register
or the FP control state:
  x86_64: %xmm/%ymm/%zmm/%mm/%st registers, x87 instructions, fxsave/xsave, (v)ldmxcsr/stmxcsr
  arm64:  v/q/d/s/h/b registers, SVE z/p registers, FPCR/FPSR

Exceptions (GUEST_FP_SWITCH): the few assembly functions whose job is the guests' FP/SIMD
state itself. arm64's vCPU (arch/arm64/vcpu_entry.S) loads a guest's V0-V31/FPCR/FPSR before
ERET and saves them at the exit, so one guest never sees another's registers; selftest=vcpu
clobbers them in between to prove it. Only these named functions may touch FP, and each must
be present (a rename cannot turn the exception into a blind spot); selftest=vcpu's exists only
in the test image (ioasid-hv-test.so, README "Images"), so a release image need not have it.

Before trusting a clean result it plants one FP instruction in a scratch object and checks the
scanner reports it, so a broken pattern cannot pass silently.

Usage: check_no_fp.py ARCH ELF [ARCH ELF ...]   (prints TAP)
"""
import os
import re
import subprocess
import sys
import tempfile

TOOLS = {
    "x86_64": {"objdump": "objdump", "cc": "gcc",
               "planted": "\tmovaps %xmm0, %xmm1\n\tret\n"},
    "arm64": {"objdump": "aarch64-linux-gnu-objdump", "cc": "aarch64-linux-gnu-gcc",
              "planted": "\tfmov d0, x1\n\tret\n"},
}

X86_BAD = re.compile(r"%(x|y|z)mm\d|%mm\d|%st\b|%st\(|\bf(x)?(save|rstor)|\bx(save|rstor)|"
                     r"mxcsr|^\s*f[a-z0-9]+\s|^\s*f[a-z0-9]+$")
ARM_BAD = re.compile(r"\b[vqdshb]\d{1,2}(\.\w+)?\b|\bz\d{1,2}\b|\bp\d{1,2}\b|\bfp[cs]r\b")
ARM_MNEMONIC_BAD = re.compile(r"^\s*f[a-z0-9]+\b")  # fmov, fadd, ... even with x registers


GUEST_FP_SWITCH = {
    "arm64": {"arm64_vcpu_enter", "arm64_vcpu_exit", "arm64_vst_clobber_fp"},
}
TEST_IMAGE_ONLY = {"arm64_vst_clobber_fp"}


def scan(arch, elf):
    """Returns a list of (function, instruction) that use FP/SIMD state."""
    out = subprocess.run([TOOLS[arch]["objdump"], "-d", "--no-show-raw-insn", elf],
                         check=True, capture_output=True, text=True).stdout
    hits, func = [], "?"
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if m:
            func = m.group(1)
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not re.match(r"^\s*[0-9a-f]+:$", parts[0]):
            continue
        insn = "\t".join(parts[1:]).split("#")[0].split("//")[0].split("<")[0]
        if arch == "x86_64":
            bad = X86_BAD.search(insn)
        else:
            mnemonic, _, operands = insn.strip().partition("\t")
            if mnemonic.startswith("b") or mnemonic in ("bl", "blr", "br", "cbz", "cbnz",
                                                        "tbz", "tbnz", "adr", "adrp"):
                operands = ""  # branch targets and labels are addresses, not registers
            bad = ARM_MNEMONIC_BAD.search(mnemonic) or ARM_BAD.search(operands)
        if bad:
            hits.append((func, insn.strip()))
    return hits


def planted_is_found(arch):
    with tempfile.TemporaryDirectory() as d:
        src, obj = os.path.join(d, "p.s"), os.path.join(d, "p.o")
        with open(src, "w") as f:
            f.write("\t.text\n\t.globl planted\nplanted:\n" + TOOLS[arch]["planted"])
        subprocess.run([TOOLS[arch]["cc"], "-c", "-o", obj, src], check=True)
        return any(f == "planted" for f, _ in scan(arch, obj))


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    pairs = list(zip(args[0::2], args[1::2]))
    print(f"1..{len(pairs) * 2}")
    n, failed = 0, 0
    for arch, elf in pairs:
        n += 1
        try:
            ok = planted_is_found(arch)
        except (OSError, subprocess.CalledProcessError) as e:
            ok = False
            print(f"#   {e}")
        print(f"{'ok' if ok else 'not ok'} {n} - no-fp-{arch}: scanner detects a planted FP instruction")
        failed += not ok
        n += 1
        name = f"no-fp-{arch}: {os.path.relpath(elf)} uses no FP/SIMD registers"
        if not os.path.exists(elf):
            print(f"not ok {n} - {name}: {elf} missing (build it first)")
            failed += 1
            continue
        hits = scan(arch, elf)
        allowed = GUEST_FP_SWITCH.get(arch, set())
        required = allowed if elf.endswith("-test.so") else allowed - TEST_IMAGE_ONLY
        missing = required - {f for f, _ in hits}
        hits = [(f, i) for f, i in hits if f not in allowed]
        if missing:
            print(f"not ok {n} - {name}: guest FP switch function(s) {sorted(missing)} not found")
            failed += 1
            continue
        if hits:
            print(f"not ok {n} - {name}: {len(hits)} instruction(s)")
            for func, insn in hits[:20]:
                print(f"#   {func}: {insn}")
            failed += 1
        else:
            print(f"ok {n} - {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
