#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot ioasid-hv.efi in QEMU and judge the run: the QEMU runner.

Every QEMU command line in the project is built here (make run, make debug, make test use it),
so the machine definitions exist once.

A test case boots the image with a command line, captures the serial console into
build/<arch>/logs/<case>.log, and passes when
  - the exit status the hypervisor reported (include/hv/exit.h, decoded per arch) is the
    expected one,
  - every `expect` regex matches some line, and no `forbid` regex matches any line,
  - with "trace": [QEMU trace event patterns], QEMU's trace of those events (log backend, one
    event per line) goes to build/<arch>/logs/<case>.trace, and every "trace_expect" regex
    must match some line of it: how a case checks what the hypervisor did to an emulated device
    that has no visible effect (e.g. invalidations under VT-d caching mode).
  - with "check": a function of the log lines, every reason it returns (a list of strings) is a
    failure: for what a regex cannot say, e.g. that two guests' progress lines interleave.
A hang (timeout, --timeout or the case's own "timeout" if longer) or QEMU dying any other way is
a failure; failures print the log tail.
Output is TAP ("ok N - name"), read by tests/run_all.py.

Modes:
  run.py --arch x86_64 [--case NAME ...]          run the test cases (TAP)
  run.py --arch x86_64 --run [--cmdline "..."]     boot once, serial on this terminal (make run)
  run.py --arch x86_64 --run --config F [--guest G ...] [--qemu-extra "..."]
                                                   boot a user's configuration (make run CONFIG=)
  run.py --arch x86_64 --run --esp IMG             boot a disk image (make run ESP=)
  run.py --arch x86_64 --make-esp IMG [--config F --guest G ...]   write one (make esp)
  run.py --arch x86_64 --debug [--cmdline "..."]   boot halted with a gdb stub (make debug)
  run.py --list                                    list the cases

Adding a case: append a dict to CASES ("during": an action run beside the machine over a
qtest socket, tests/qemu/harness.py; "qemu_args": QEMU arguments appended after the machine's,
so a later option such as "-smp 4" replaces the machine's "-smp 2"; "config_file": a user's
configuration such as examples/NAME.cfg, its ESP and "# qemu:" arguments taken as `make run
CONFIG=` takes them). Adding an arch: add a MACHINES entry (qemu binary,
firmware, arguments, removable-media boot file name, exit-status decoder).

Images (README "Images"): a case boots the release image (<build-dir>/ioasid-hv.efi) unless it
runs a self-test ("selftest=" on its command line) or says "image": "test"; then it boots the test
image (<build-dir>-test/ioasid-hv-test.efi, or --test-build-dir), which alone has the self-tests
and test hooks. The hypervisor logs "boot: <kind> image"; a case whose log names the other image
fails. Guests and logs are always in <build-dir> (guests/, logs/).
"""
import argparse
import concurrent.futures
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_guest  # noqa: E402
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Exit codes, as in include/hv/exit.h.
HV_EXIT_OK, HV_EXIT_FAIL, HV_EXIT_PANIC, HV_EXIT_EXCEPTION, HV_EXIT_BOOT = 0, 1, 2, 3, 4
EXIT_NAMES = {HV_EXIT_OK: "ok", HV_EXIT_FAIL: "fail", HV_EXIT_PANIC: "panic",
              HV_EXIT_EXCEPTION: "exception", HV_EXIT_BOOT: "boot"}


def x86_decode_exit(rc):
    """isa-debug-exit: QEMU exits with (v << 1) | 1; the hypervisor writes 0x10 for success
    and its failure code (1..15) otherwise. Anything else (0: QEMU quit or reset with
    -no-reboot, 1: QEMU error, negative: killed) was not reported by the hypervisor."""
    if rc == (0x10 << 1) | 1:
        return HV_EXIT_OK
    if rc > 0 and rc & 1 and 1 <= (rc >> 1) <= 0x0f:
        return rc >> 1
    return None


def ovmf_pflash(workdir, case):
    vars_copy = os.path.join(workdir, f"{case}.vars.fd")
    shutil.copyfile("/usr/share/OVMF/OVMF_VARS_4M.fd", vars_copy)
    return ["-drive", "if=pflash,format=raw,unit=0,readonly=on,"
            "file=/usr/share/OVMF/OVMF_CODE_4M.fd",
            "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]


def arm64_decode_exit(rc):
    """Semihosting SYS_EXIT_EXTENDED (arch/arm64/arch.c, docs/ARM64.md) with the same encoding
    as x86's isa-debug-exit: status (0x10 << 1) | 1 = 33 for success, (c << 1) | 1 for failure
    code c. Without semihosting the hypervisor falls back to PSCI SYSTEM_OFF/RESET, QEMU exits
    with 0 and, like any other status, that counts as "no exit code reported"."""
    return x86_decode_exit(rc)


def aavmf_pflash(workdir, case):
    # mk/arm64.mk pads AAVMF into build/firmware-arm64/ (make firmware); the vars are per run.
    fw = os.path.join(ROOT, "build", "firmware-arm64")
    vars_copy = os.path.join(workdir, f"{case}.vars.fd")
    shutil.copyfile(os.path.join(fw, "vars.fd"), vars_copy)
    return ["-drive", f"if=pflash,format=raw,readonly=on,file={os.path.join(fw, 'code.fd')}",
            "-drive", f"if=pflash,format=raw,file={vars_copy}"]


MACHINES = {
    "x86_64": {
        "qemu": "qemu-system-x86_64",
        "boot_file": "BOOTX64.EFI",
        "firmware": ovmf_pflash,
        "args": ["-M", "q35", "-cpu", "max", "-m", "512M", "-smp", "2",
                 "-device", "intel-iommu",
                 "-device", "edu,dma_mask=0xffffffffffffffff",
                 "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
        "decode_exit": x86_decode_exit,
    },
    "arm64": {
        "qemu": "qemu-system-aarch64",
        "boot_file": "BOOTAA64.EFI",
        "firmware": aavmf_pflash,
        "args": ["-M", "virt,virtualization=on,gic-version=3,iommu=smmuv3", "-cpu", "max",
                 "-m", "1G", "-semihosting",
                 "-device", "edu,dma_mask=0xffffffffffffffff"],
        "decode_exit": arm64_decode_exit,
    },
}

# The two images (mk/efi.mk): file name without .efi/.so, and build directory suffix.
IMAGES = {"release": ("ioasid-hv", ""), "test": ("ioasid-hv-test", "-test")}


def case_image(case):
    """The image a case boots: its "image" key, else the test image for a self-test."""
    return case.get("image") or ("test" if re.search(r"(^|\s)selftest=", case["cmdline"])
                                 else "release")


# Lines that must never appear in a passing run that is not about faults.
NO_TROUBLE = [r"^\[ERR\]", r"^\[PANIC\]", r"EXCEPTION", r"FAIL"]

CASES = [
    {
        "name": "x86_64-boot",
        "arch": "x86_64",
        # boot.stale_key: the first ExitBootServices gets a wrong map key, so the retry runs.
        "cmdline": "selftest=boot boot.stale_key",
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] ioasid-hv \S+ \(x86_64\) starting",
                   r"ExitBootServices retries: [1-9]",
                   r"x86: own page tables, CR3",
                   r"x86: CR3=0x[0-9a-f]+ \(firmware 0x[0-9a-f]+\), IDTR=.* int3 handled 1 time",
                   r"free count restored after page_free .*: ok",
                   r"the heap grew through _sbrk .*: ok",
                   r"x86: arch_map_mmio: LAPIC version register 0x000[0-9a-f]*[1-9a-f][0-9a-f]*",
                   r"x86: LAPIC \(MMIO\) at 0xfee00000: level-1 entry 0x8[0-9a-f]{15} \(UC RW NX\)$",
                   r"x86: this code \(RAM\) at 0x[0-9a-f]+: level-1 entry 0x0[0-9a-f]{15} \(WB RO X\)$",
                   r"x86: the stack \(RAM\) at 0x[0-9a-f]+: level-\d entry 0x8[0-9a-f]{15} \(WB RW NX\)$",
                   r"^  printf through newlib stdout: 42$",
                   r"^\[INF\] madt: 2 cpus",
                   r"^\[INF\] smp: 2 of 2 CPUs online$",
                   r"^\[INF\] dmar: drhd0 base 0xfed90000 .* cap 0x[0-9a-f]+ ecap 0x[0-9a-f]+$",
                   r"^\[INF\] pci 0000:00:[0-9a-f]{2}\.0 1234:11e8 ",
                   r"CPUs found in the MADT \(2\): ok",
                   r"IOMMU units found \(1\): ok",
                   r"edu device \(1234:11e8\) found by PCI enumeration: ok",
                   r"^\[INF\] selftest boot: PASS"],
        "forbid": NO_TROUBLE,
    },
    {
        # The command line as UEFI load options: started from the UEFI shell's startup.nsh,
        # which passes argv[0] first (boot/ drops it). Costs the shell's 5 s countdown.
        "name": "x86_64-shell-load-options",
        "arch": "x86_64",
        "via": "shell",
        "cmdline": "selftest=boot",
        "exit": HV_EXIT_OK,
        "expect": [r"^ioasid-hv: cmdline \"selftest=boot\"$",
                   r"^\[INF\] boot: image at 0x[0-9a-f]+, \d+ KiB; cmdline \"selftest=boot\"$",
                   r"^\[INF\] selftest boot: PASS"],
        "forbid": NO_TROUBLE,
    },
    {
        "name": "x86_64-fault-pf",
        "arch": "x86_64",
        "cmdline": "selftest=fault",
        "exit": HV_EXIT_EXCEPTION,
        "expect": [r"^\[ERR\] EXCEPTION #PF page fault \(vector 14\)",
                   r"RIP=[0-9a-f]{16} \(ioasid-hv-test\.so\+0x[0-9a-f]+\)",
                   r"CR2=00007f0000000000",
                   r"RAX=[0-9a-f]{16} RBX=", r"R13=[0-9a-f]{16} R14=", r"\[rsp\+00\] [0-9a-f]{16}",
                   r"backtrace \(ioasid-hv-test\.so offsets\): 0x[0-9a-f]+ 0x[0-9a-f]+ 0x[0-9a-f]+",
                   r"symbolize: addr2line -f -e build/x86_64-test/ioasid-hv-test\.so 0x"],
        "forbid": [r"selftest fault: PASS", r"nothing is trapping", r"inside the exception handler"],
    },
    {
        # W^X: our code is read-only (CR0.WP on), so writing into it is a #PF with P|W set.
        "name": "x86_64-fault-wx",
        "arch": "x86_64",
        "cmdline": "selftest=fault_wx",
        "exit": HV_EXIT_EXCEPTION,
        "expect": [r"^\[ERR\] EXCEPTION #PF page fault \(vector 14\) error code 0x3$",
                   r"RIP=[0-9a-f]{16} \(ioasid-hv-test\.so\+0x[0-9a-f]+\)", r"CR2=[0-9a-f]{16}"],
        "forbid": [r"selftest fault_wx: PASS", r"went through", r"inside the exception handler"],
    },
    {
        "name": "x86_64-fault-ud",
        "arch": "x86_64",
        "cmdline": "selftest=fault_ud",
        "exit": HV_EXIT_EXCEPTION,
        "expect": [r"^\[ERR\] EXCEPTION #UD invalid opcode \(vector 6\)", r"RIP=[0-9a-f]{16}",
                   r"CR3=[0-9a-f]{16}"],
        "forbid": [r"selftest fault_ud: PASS", r"inside the exception handler"],
    },
]

# x86_64 CPU bring-up (arch/x86_64/smp.c, docs/X86.md "CPUs"): four CPUs on multi-threaded TCG
# (each vCPU a host thread, so the CPUs really run at once), in xAPIC mode and switched to
# x2APIC mode (x86.x2apic; -cpu max offers x2APIC). selftest=smp gives every secondary CPU
# work (per-CPU this_cpu, stack, GDT/TSS, IDT with an int3, a shared ticket lock) and wakes
# each from HLT with smp_kick. A later "-smp" replaces the machine's "-smp 2".
SMP4 = ["-smp", "4", "-accel", "tcg,thread=multi"]
SMP_SELFTEST = [r"^\[INF\] smp: CPU 3 \(hw id 0x3\) online$",
                r"^\[INF\] smp: 4 of 4 CPUs online$",
                r"CPU 3: this_cpu\(\) through its own GS base: id 3, hw id 0x3: ok$",
                r"CPU 2: runs on its own stack .*: ok$",
                r"CPU 1: own GDT 0x[0-9a-f]+, TR 0x18, own IST1 stack: ok$",
                r"CPU 3: shared IDT 0x[0-9a-f]+, int3 handled there 1 time\(s\): ok$",
                r"ticket lock: 15000 increments by 3 CPUs: ok$",
                r"CPU 3 took the kick IPI \(vector 0xdf\): ok$",
                r"^\[INF\] selftest smp: PASS$"]
CASES += [
    {"name": "x86_64-smp-boot", "arch": "x86_64", "cmdline": "selftest=smp", "qemu_args": SMP4,
     "exit": HV_EXIT_OK,
     "expect": [r"^\[INF\] x86: CPU start-up trampoline at 0x[0-9a-f]+ \(STARTUP vector 0x[0-9a-f]{2}\)$",
                r"^\[INF\] irq: local APIC in xAPIC mode, ID 0x0$",
                r"smp: 3 secondary CPU\(s\) checked in xAPIC mode"] + SMP_SELFTEST,
     "forbid": NO_TROUBLE},
    {"name": "x86_64-smp-x2apic", "arch": "x86_64", "cmdline": "selftest=smp x86.x2apic", "qemu_args": SMP4,
     "exit": HV_EXIT_OK,
     "expect": [r"^\[INF\] irq: local APIC switched to x2APIC mode \(x86\.x2apic\)$",
                r"^\[INF\] irq: local APIC in x2APIC mode, ID 0x0$",
                r"smp: 3 secondary CPU\(s\) checked in x2APIC mode"] + SMP_SELFTEST,
     "forbid": NO_TROUBLE},
    # The boot self-test with every CPU up, in x2APIC mode (the VT-d fault MSI still aims at CPU 0).
    {"name": "x86_64-smp-x2apic-boot", "arch": "x86_64", "cmdline": "selftest=boot x86.x2apic",
     "qemu_args": SMP4, "exit": HV_EXIT_OK,
     "expect": [r"^\[INF\] smp: 4 of 4 CPUs online$", r"^\[INF\] selftest boot: PASS$"],
     "forbid": NO_TROUBLE},
    # The vCPU interface on secondary CPUs (arch/x86_64/smp_vcpu_selftest.c): a guest that never
    # exits is stopped with stop_request + smp_kick, resumes on another CPU, is reset.
    {"name": "x86_64-smp-vcpu", "arch": "x86_64", "cmdline": "selftest=smp_vcpu", "qemu_args": SMP4,
     "exit": HV_EXIT_OK,
     "expect": [r"1: VCPU_EXIT_KICK before any VMRUN \(ret 0, kind 4, count 0\): ok$",
                r"^\[INF\] svm: enabled \(revision \d+, \d+ ASIDs, nested paging.*\) on CPU 1$",
                r"^\[INF\] svm: enabled \(revision \d+, \d+ ASIDs, nested paging.*\) on CPU 2$",
                r"2: stop_request \+ smp_kick end the run: ok$",
                r"3: the guest's count went on from \d+ to \d+ on CPU 2 \(state kept\): ok$",
                r"4: the reset vCPU started at the new entry \(marker 0x5e7\): ok$",
                r"^\[INF\] selftest smp_vcpu: PASS$"],
     "forbid": NO_TROUBLE},
    # An exception on a secondary CPU: the dump names it, and the run ends from there.
    {"name": "x86_64-smp-fault", "arch": "x86_64", "cmdline": "selftest=smp_fault", "exit": HV_EXIT_EXCEPTION,
     "expect": [r"^\[ERR\] EXCEPTION #UD invalid opcode \(vector 6\)", r"^\[ERR\]   on CPU 1 \(APIC ID 0x1\)$",
                r"RIP=[0-9a-f]{16}"],
     "forbid": [r"selftest smp_fault: PASS", r"did not end the run", r"inside the exception handler"]},
    # A CPU the MADT lists that never answers (QEMU cannot mute one of its own, so the self-test
    # runs smp_init on a made-up MADT naming an APIC ID nobody has): reported, left out, and the
    # boot goes on.
    {"name": "x86_64-smp-absent", "arch": "x86_64", "cmdline": "selftest=smp_absent",
     "qemu_args": ["-smp", "1"], "exit": HV_EXIT_OK,
     "expect": [r"^\[INF\] smp: 1 of 1 CPUs online$",
                r"^\[ERR\] smp: CPU 1 \(hw id 0x7e\) did not come up \(-\d+ .*\); left out$",
                r"^\[INF\] smp: 1 of 2 CPUs online$",
                r"the absent CPU is left out: 1 CPU\(s\) online, CPU 1 state 3: ok$",
                r"^\[INF\] selftest smp_absent: PASS$"],
     "forbid": [r"EXCEPTION", r"^\[PANIC\]", r"selftest smp_absent: FAIL"]},
]

# A plain boot (no self-test, no configuration) still takes every IOMMU over (hv/main.c), so
# firmware-left DMA does not outlive the boot; the drivers log the state they read back.
CASES += [
    {"name": "x86_64-boot-plain", "arch": "x86_64", "cmdline": "", "exit": HV_EXIT_OK,
     "expect": [r"^\[INF\] vtd: dmar0: translation enabled, all DMA blocked until devices are attached$",
                r"^\[INF\] hv: 1 IOMMU unit\(s\) taken over; device DMA is blocked",
                r"^\[INF\] hv: no self-test selected and no guest to run; shutting down$"],
     "forbid": NO_TROUBLE + [r"selftest"]},
    {"name": "arm64-boot-plain", "arch": "arm64", "cmdline": "", "exit": HV_EXIT_OK,
     "expect": [r"^\[INF\] smmuv3: smmu0: enabled \(firmware CR0 was \w+\)",
                r"^\[INF\] hv: 1 IOMMU unit\(s\) taken over; device DMA is blocked",
                r"^\[INF\] hv: no self-test selected and no guest to run; shutting down$",
                r"^\[INF\] HV-EXIT: 0$"],
     "forbid": NO_TROUBLE + [r"selftest"]},
]

# The release image (README "Images") has no self-test and no test hook: "selftest=" is refused
# with a failing exit, and "boot.stale_key" is ignored (no ExitBootServices retry).
CASES += [
    {"name": f"{_arch}-release-no-selftests", "arch": _arch, "image": "release",
     "cmdline": "selftest=boot boot.stale_key", "exit": HV_EXIT_FAIL,
     "expect": [r"^\[INF\] boot: left UEFI boot services \(ExitBootServices retries: 0\)$",
                r"^\[INF\] boot: release image$",
                r"^\[ERR\] selftest boot: FAIL \(self-tests are not in this image: it is the release "
                r"image; the test image has them: make SELFTEST=y\)$"],
     "forbid": [r"selftest boot: (start|PASS)", r"EXCEPTION", r"^\[PANIC\]"]}
    for _arch in ("x86_64", "arm64")]

# arm64: the same self-tests under AAVMF at EL2 (docs/ARM64.md).
CASES += [
    {
        "name": "arm64-boot",
        "arch": "arm64",
        "cmdline": "selftest=boot boot.stale_key",
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] ioasid-hv \S+ \(arm64\) starting",
                   r"ExitBootServices retries: [1-9]",
                   r"arm64: EL2, console PL011 at 0x[0-9a-f]+ \(from ACPI SPCR\)",
                   r"arm64: own vectors at VBAR_EL2=0x[0-9a-f]+",
                   r"arm64: own translation tables, TTBR0_EL2=0x[0-9a-f]+",
                   r"arm64: TTBR0_EL2=0x[0-9a-f]+ \(firmware 0x[0-9a-f]+\), VBAR_EL2=.* "
                   r"brk handled 1 time",
                   r"arm64: arch_map_mmio: .*: ok",
                   r"free count restored after page_free .*: ok",
                   r"the heap grew through _sbrk .*: ok",
                   r"^\[INF\] selftest boot: PASS",
                   r"^\[INF\] HV-EXIT: 0$"],
        "forbid": NO_TROUBLE,
    },
    {
        "name": "arm64-fault",
        "arch": "arm64",
        "cmdline": "selftest=fault",
        "exit": HV_EXIT_EXCEPTION,
        "expect": [r"^\[ERR\] EXCEPTION sync \(EL2, SP_EL0\)",
                   r"EC=0x25 \(data abort at EL2\)",
                   r"data abort: translation fault, level \d on read",
                   r"FAR_EL2=00007f0000000000",
                   r"ELR_EL2=[0-9a-f]{16} \(ioasid-hv-test\.so\+0x[0-9a-f]+\) SPSR_EL2=",
                   r"symbolize: addr2line -f -e build/arm64-test/ioasid-hv-test\.so 0x",
                   r"x0 =[0-9a-f]{16} x1 =", r"x28=[0-9a-f]{16} x29=[0-9a-f]{16} x30=[0-9a-f]{16} SP =",
                   r"^\[ERR\] HV-EXIT: 3$"],
        "forbid": [r"selftest fault: PASS", r"nothing is trapping", r"inside the exception handler"],
    },
    {
        "name": "arm64-fault-ud",
        "arch": "arm64",
        "cmdline": "selftest=fault_ud",
        "exit": HV_EXIT_EXCEPTION,
        "expect": [r"^\[ERR\] EXCEPTION sync \(EL2, SP_EL0\)",
                   r"EC=0x3c \(BRK instruction\)", r"brk #0x[0-9a-f]+ \(__builtin_trap\)",
                   r"ELR_EL2=[0-9a-f]{16}", r"^\[ERR\] HV-EXIT: 3$"],
        "forbid": [r"selftest fault_ud: PASS", r"inside the exception handler"],
    },
    {
        "name": "arm64-fault-wx",
        "arch": "arm64",
        "cmdline": "selftest=fault_wx",
        "exit": HV_EXIT_EXCEPTION,
        "expect": [r"EC=0x25 \(data abort at EL2\)",
                   r"data abort: permission fault, level 3 on write",
                   r"^\[ERR\] HV-EXIT: 3$"],
        "forbid": [r"selftest fault_wx: PASS", r"went through", r"inside the exception handler"],
    },
    {
        # The vCPU layer alone (arch/arm64/vcpu_selftest.c): entry/exit, register switching,
        # PSCI, an IOASID hypercall, stops on UDF, unmapped IPA and SMC, and WFI as a halt.
        "name": "arm64-vcpu",
        "arch": "arm64",
        "cmdline": "selftest=vcpu",
        "exit": HV_EXIT_OK,
        "expect": [r"vcpu: registers, d31, TPIDR_EL1, SP_EL0 preserved across an exit .*: ok$",
                   r"vcpu: HVC IOASID_SMCCC_FN\(7\) arrives as call 7 arg 0xabc .*: ok$",
                   r"vcpu: PSCI VERSION = 0x10000: ok$",
                   r"vcpu: vst-udf guest stopped: undefined instruction at EL1 PC 0x4000[0-9a-f]+ .*: ok$",
                   r"vcpu: vst-unmapped guest stopped: stage-2 translation fault \(level 1\) on read at "
                   r"IPA 0x80000000: ok$",
                   r"vcpu: vst-smc guest stopped: SMC #0.*: ok$",
                   r"vcpu: vst-wfi guest halted: WFI.*: ok$",
                   r"vcpu: vst-wfi resumes after its WFI \(PC 0x[0-9a-f]+\): ok$",
                   r"vcpu: vst-off guest powered off: PSCI SYSTEM_OFF: ok$",
                   r"vcpu: back in the hypervisor: no guest context, stage 2 off: ok$",
                   r"selftest vcpu: PASS"],
        "forbid": [r"FAILED", r"EXCEPTION", r"^\[PANIC\]"],
    },
    # PSCI fallback of arch_exit (no semihosting): SYSTEM_OFF / SYSTEM_RESET (+ -no-reboot) make
    # QEMU exit with status 0; the HV-EXIT line carries the code.
    {
        "name": "arm64-psci-off",
        "arch": "arm64",
        "cmdline": "arm64.nosemihosting",
        "qemu_status": 0,
        "expect": [r"no self-test selected", r"^\[INF\] HV-EXIT: 0$"],
        "forbid": NO_TROUBLE,
    },
    {
        "name": "arm64-psci-reset",
        "arch": "arm64",
        "cmdline": "arm64.nosemihosting selftest=fault",
        "qemu_status": 0,
        "expect": [r"EC=0x25 \(data abort at EL2\)", r"^\[ERR\] HV-EXIT: 3$"],
        "forbid": [r"selftest fault: PASS", r"inside the exception handler"],
    },
]

# VT-d end to end (hv/selftest_vtd.c, docs/VTD.md): edu DMA through the real IOASID core, in
# each mode the QEMU model offers. "qemu_args" are added to the machine's arguments.
VTD_SCENARIOS = [r"^\[INF\] vtd scenario %d \(.*\): PASS$" % i for i in range(11)]


def vtd_case(name, qemu_args, mode_line):
    return {
        "name": name,
        "arch": "x86_64",
        "cmdline": "selftest=vtd",
        "qemu_args": qemu_args,
        "exit": HV_EXIT_OK,
        "expect": [mode_line,
                   r"^\[INF\] vtd: dmar0 cap 0x[0-9a-f]+ ecap 0x[0-9a-f]+: SAGAW",
                   r"vtd: dmar0: DRHD 0, explicit scopes only, \d+ device scopes",
                   r"the DMAR names the unit translating it \(dmar0\): ok",
                   r"vtd: dmar0: translation enabled, all DMA blocked",
                   r"vtd: dmar0: fault sid 00:0[0-9a-f]\.\d( \(RID_PASID\))? write addr 0x20000000 reason 0x(5|71) ",
                   ] + VTD_SCENARIOS + [r"^\[INF\] selftest vtd: PASS"],
        "forbid": NO_TROUBLE + [r"primary fault overflow"],
    }


CASES += [
    vtd_case("x86_64-vtd-legacy", [],
             r"vtd: dmar0 at 0xfed90000 .*: legacy mode, 4-level 48-bit tables"),
    vtd_case("x86_64-vtd-aw39", ["-global", "intel-iommu.aw-bits=39"],
             r"vtd: dmar0 at 0xfed90000 .*: legacy mode, 3-level 39-bit tables"),
    vtd_case("x86_64-vtd-sm-sl", ["-global", "intel-iommu.x-scalable-mode=on"],
             r"vtd: dmar0 at 0xfed90000 .*: scalable mode second-level, 4-level 48-bit tables"),
    vtd_case("x86_64-vtd-sm-fl", ["-global", "intel-iommu.x-scalable-mode=on",
                                  "-global", "intel-iommu.x-flts=on"],
             r"vtd: dmar0 at 0xfed90000 .*: scalable mode first-level, 4-level 48-bit tables"),
]
# Interrupt remapping with a real MSI (hv/selftest_vtd_ir.c, drivers/iommu/vtd/vtd_ir.c): edu's
# MSI capability in remappable format; the entry written for edu delivers, one written for
# another requester ID is refused (0x26), a never-handed-out handle is refused (0x22); xAPIC and,
# with eim=on, x2APIC (EIME) destinations.
def vtd_ir_case(name, qemu_args, dest):
    return {
        "name": name, "arch": "x86_64", "cmdline": "selftest=vtd_ir", "qemu_args": qemu_args,
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] vtd: dmar0: interrupt remapping on: 256 entries, %s destinations" % dest,
                   r"1: interrupt remapping on, compatibility format off \(GSTS 0x[0-9a-f]+\), .*: ok",
                   r"2: entry 1 for 00:0[0-9a-f]\.0: its MSI \(address 0xfee00030\) delivered vector 0x50 \(1 taken, 0 faults\): ok",
                   r"^\[INF\] vtd: dmar0: interrupt blocked: sid 00:0[0-9a-f]\.0 index 1 reason 0x26 ",
                   r"3: entry 1 rewritten for requester 0x[0-9a-f]+: edu's MSI blocked, fault 0x26 sid 0x[0-9a-f]+ index 1: ok",
                   r"4: handle 200, never handed out: blocked, fault 0x22 sid 0x[0-9a-f]+ index 200: ok",
                   r"5: entry 1 freed: blocked again \(fault 0x22\): ok",
                   r"6: the blocked requests raised the unit's fault event \(vector 0xe0 taken [3-9] times\): ok",
                   r"^\[INF\] selftest vtd_ir: PASS"],
        "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"FAIL"],
    }


CASES += [
    vtd_ir_case("x86_64-vtd-ir", [], "xAPIC"),
    vtd_ir_case("x86_64-vtd-ir-eim", ["-global", "intel-iommu.eim=on"], r"x2APIC \(EIME\)"),
]
# The same with the CPUs in x2APIC mode (x86.x2apic) and four of them up: remapped MSIs and the
# unit's fault event still reach CPU 0, with either destination format.
for _name, _args, _dest in (("x86_64-vtd-ir-x2apic", [], "xAPIC"),
                            ("x86_64-vtd-ir-x2apic-eim", ["-global", "intel-iommu.eim=on"], r"x2APIC \(EIME\)")):
    CASES.append(vtd_ir_case(_name, _args + SMP4, _dest))
    CASES[-1]["cmdline"] += " x86.x2apic"
    CASES[-1]["expect"] += [r"^\[INF\] irq: local APIC in x2APIC mode, ID 0x0$", r"^\[INF\] smp: 4 of 4 CPUs online$"]
# RMRRs (drivers/iommu/vtd/vtd_rmrr.c): the self-test adds one for edu (and a malformed one) to
# the parsed DMAR before the take-over, in legacy and in scalable first-level mode.
def vtd_rmrr_case(name, qemu_args, mode_line):
    return {
        "name": name, "arch": "x86_64", "cmdline": "selftest=vtd_rmrr", "qemu_args": qemu_args,
        "exit": HV_EXIT_OK,
        "expect": [mode_line,
                   r"^\[ERR\] vtd: RMRR \d+ 0x[0-9a-f]+800-0x[0-9a-f]+7ff \(segment 0\) refused: not page-aligned",
                   r"^\[INF\] vtd: RMRR \d+: 0x[0-9a-f]+000-0x[0-9a-f]+fff identity-mapped for 00:0[0-9a-f]\.0 on dmar0 \(domain \d+\)$",
                   r"the RMRR's pages are out of the allocator: ok",
                   r"DMA inside the RMRR, never attached by the core: .* \(0, 0 faults\): ok",
                   r"a read just past the RMRR is blocked and reported .*: ok",
                   r"a write elsewhere is blocked and reported: ok",
                   r"^\[ERR\] guests: 0000:00:0[0-9a-f]\.0 has an RMRR; it cannot be assigned to a guest$",
                   r"assigning the device to a guest is refused \(-16\): ok",
                   r"^\[INF\] selftest vtd_rmrr: PASS"],
        "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"FAIL"],
    }


CASES += [
    vtd_rmrr_case("x86_64-vtd-rmrr", [], r"vtd: dmar0 at 0xfed90000 .*: legacy mode"),
    vtd_rmrr_case("x86_64-vtd-rmrr-sm-fl", ["-global", "intel-iommu.x-scalable-mode=on",
                                            "-global", "intel-iommu.x-flts=on"],
                  r"vtd: dmar0 at 0xfed90000 .*: scalable mode first-level"),
]
# Pass-through for the hypervisor's own use (hv/selftest_vtd.c "vtd_pt"), legacy and scalable.
for _name, _args, _mode in [("x86_64-vtd-pt", [], "legacy mode"),
                            ("x86_64-vtd-pt-sm", ["-global", "intel-iommu.x-scalable-mode=on"],
                             "scalable mode second-level")]:
    CASES.append({
        "name": _name, "arch": "x86_64", "cmdline": "selftest=vtd_pt", "qemu_args": _args,
        "exit": HV_EXIT_OK,
        "expect": [r"vtd: dmar0 at 0xfed90000 .*: %s" % _mode,
                   r"pass-through installed for 00:0[0-9a-f]\.0 \(.*, ECAP.PT 1\): 0: ok",
                   r"DMA with host-physical addresses 0x[0-9a-f]+ -> 0x[0-9a-f]+, no fault \(0, 0\): ok",
                   r"the core's BLOCKED replaces it \(0\): ok",
                   r"the same DMA is now blocked and reported .*: ok",
                   r"^\[INF\] selftest vtd_pt: PASS"],
        "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"FAIL"]})
# With ECAP.PASID (x-pasid-mode=on) scenario 9 also attaches PASID 1 and walks its tables.
for _name, _args, _mode in [
        ("x86_64-vtd-sm-sl-pasid", ["-global", "intel-iommu.x-scalable-mode=on",
                                    "-global", "intel-iommu.x-pasid-mode=on"], "second-level"),
        ("x86_64-vtd-sm-fl-pasid", ["-global", "intel-iommu.x-scalable-mode=on",
                                    "-global", "intel-iommu.x-flts=on",
                                    "-global", "intel-iommu.x-pasid-mode=on"], "first-level")]:
    _c = vtd_case(_name, _args, r"vtd: dmar0 at 0xfed90000 .*: scalable mode %s, 4-level" % _mode)
    _c["expect"] += [r"ATTACH PASID 1 -> PAGING 0x[0-9a-f]+: ok",
                     r"walk \(sid 0x[0-9a-f]+, PASID 1, IOVA 0x10000000\) -> 0x[0-9a-f]+ prot 3 \(0\): ok",
                     r"PASID 1 entry no longer present: ok",
                     r"^\[INF\] vtd scenario 9 \(live tables walked, PASID attach\): PASS"]
    CASES.append(_c)
# A second edu device (never assigned): its fault while the first device's record is pending
# overflows QEMU's single fault recording register; the driver counts it (scenario 11).
_c = vtd_case("x86_64-vtd-overflow", ["-device", "edu,dma_mask=0xffffffffffffffff,addr=0x6"],
              r"vtd: dmar0 at 0xfed90000 .*: legacy mode")
_c["expect"] += [r"^\[WRN\] vtd: dmar0: primary fault overflow \(1 so far\)",
                 r"^\[INF\] vtd scenario 11 \(fault overflow counted\): PASS"]
_c["forbid"] = NO_TROUBLE
CASES.append(_c)
# A malformed invalidation descriptor: QEMU stops the queue with FSTS.IQE; the driver reports
# it, refuses further invalidations, and translation stays on (DMA still blocked and reported).
CASES.append({
    "name": "x86_64-vtd-iqe",
    "arch": "x86_64",
    "cmdline": "selftest=vtd_iqe",
    "exit": HV_EXIT_OK,
    "expect": [r"^\[ERR\] vtd: dmar0: invalidation queue error \(FSTS 0x10, ",
               r"queue error reported \(-5\): ok", r"further invalidations refused \(-5\): ok",
               r"translation still on: ok",
               r"blocked, reported as root entry not present \(0x1\): ok",
               r"^\[INF\] selftest vtd_iqe: PASS"],
    "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"FAIL"],
})

# VT-d first-level width (issue 16 defect 3): scenario 1 maps and DMAs at the highest IOVA
# GET_INFO reports, 2^47 - 4 KiB (the canonical lower half, ioasid/pt.h), and refuses the next
# page; scenario 8 clears a leaf and INVALIDATEs the whole space. The second-level cases show
# their own widths.
for _c in CASES:
    _w = {"x86_64-vtd-sm-fl": (47, "0x7ffffffff000"), "x86_64-vtd-legacy": (48, "0xfffffffff000"),
          "x86_64-vtd-sm-sl": (48, "0xfffffffff000"), "x86_64-vtd-aw39": (39, "0x7ffffff000")}.get(_c["name"])
    if _w:
        _c["expect"] += [r"MAP the highest page GET_INFO reports, IOVA %s \(ia_bits %d\): ok" % (_w[1], _w[0]),
                         r"DMA to IOVA %s landed: ok" % _w[1],
                         r"MAP at 0x[0-9a-f]+, past out_iova_last, is -ERANGE: ok",
                         r"INVALIDATE of the whole space after clearing the leaf: ok"]
# Caching mode (CAP.CM=1, VT-d spec 6.1; issue 16 defect 5): QEMU's model caches nothing that
# is not present, so DMA cannot show a missing invalidation; QEMU's trace of the descriptors it
# received can. Scenario 3 MAPs ST_IOVA_RO (0x10100000) after ATTACH and nothing ever unmaps
# it, so a page-selective IOTLB invalidation of exactly that page (IH=0, AM=0) comes from the
# MAP. Legacy: QEMU traces the IOTLB PSI (domain, addr, mask). Scalable first-level: a
# PASID-based PSI, which QEMU 10 traces only as the raw descriptor: high = addr | IH | AM,
# low = DID << 16 | PASID 0 | granularity 3 (page-selective within PASID) << 4 | type 6.
for _name, _args, _mode, _events, _trace in [
        ("x86_64-vtd-cm", [], "legacy mode", ["vtd_inv_desc_iotlb_pages"],
         r"^vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x[0-9a-f]+ addr 0x10100000 mask 0x0$"),
        ("x86_64-vtd-cm-sm-fl", ["-global", "intel-iommu.x-scalable-mode=on",
                                 "-global", "intel-iommu.x-flts=on"], "scalable mode first-level",
         ["vtd_inv_desc"], r"^vtd_inv_desc invalidate desc type p-iotlb high 0x10100000 low 0x[0-9a-f]+0036$")]:
    _c = vtd_case(_name, _args + ["-global", "intel-iommu.caching-mode=on"],
                  r"vtd: dmar0 at 0xfed90000 .*: %s" % _mode)
    _c["expect"] += [r"^\[INF\] vtd: dmar0 cap 0x[0-9a-f]+ ecap .*, caching mode"]
    _c["trace"] = _events
    _c["trace_expect"] = [_trace]
    CASES.append(_c)

# SMMUv3 end to end (hv/selftest_smmuv3.c, docs/SMMUV3.md): edu DMA through the real IOASID
# core with stage-2, stage-1 and nested STEs on virt, and the S1-only SMMU of virt-9.1.
SMMUV3_SCENARIOS = [r"^\[INF\] smmuv3 scenario %d \(.*\): PASS$" % i for i in range(9)]


def smmuv3_case(name, cmdline, qemu_args, mode_line, nested_line):
    return {
        "name": name,
        "arch": "arm64",
        "cmdline": "selftest=smmuv3" + cmdline,
        "qemu_args": qemu_args,
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] smmuv3: smmu0 from IORT node at offset 0x[0-9a-f]+: base 0x9050000, "
                   r"flags 0x1",
                   r"edu 00:0[0-9a-f]\.0 behind smmu0, StreamID 0x[0-9a-f]+ \(IORT\): ok",
                   r"^\[INF\] smmuv3: smmu0 at 0x9050000: IDR0 0x[0-9a-f]+ IDR1",
                   r"^\[INF\] smmuv3: smmu0: stages( S1)?( S2)?, SID 16 bits, SSID 0 bits",
                   r"smmuv3: smmu0: enabled \(firmware CR0 was (0|0x[0-9a-f]+)\), all streams abort",
                   r"before any attach, a device write to RAM is aborted \(abort STE\): ok",
                   r"smmuv3: smmu0: event F_TRANSLATION \(0x10\) sid 0x8 write addr 0x20000000 ",
                   r"smmuv3: smmu0: event F_PERMISSION \(0x13\) sid 0x8 write addr 0x10100000 ",
                   mode_line, nested_line,
                   ] + SMMUV3_SCENARIOS + [r"^\[INF\] selftest smmuv3: PASS"],
        "forbid": NO_TROUBLE + [r"event queue overflow", r"C_BAD_", r"smmu0: command error"],
    }


CASES += [
    smmuv3_case("arm64-smmuv3-s2-nested", "", [],
                r"smmuv3 selftest: stage-2 STEs for single-stage tables, NESTED by hardware "
                r"nesting \(S1\+S2 STEs\), 2-level stream table",
                r"smmuv3 scenario 8 \(NESTED, hardware nesting\): PASS"),
    smmuv3_case("arm64-smmuv3-s1", " smmuv3.stage=1", [],
                r"smmuv3 selftest: stage-1 STEs for single-stage tables, NESTED shadowed",
                r"smmuv3 scenario 8 \(NESTED, shadowed\): PASS"),
    smmuv3_case("arm64-smmuv3-s2-linear", " smmuv3.stage=2 smmuv3.linear", [],
                r"smmuv3 selftest: stage-2 STEs for single-stage tables, NESTED shadowed, "
                r"linear stream table",
                r"smmuv3 scenario 8 \(NESTED, shadowed\): PASS"),
    smmuv3_case("arm64-smmuv3-virt91", "",
                ["-M", "virt-9.1,virtualization=on,gic-version=3,iommu=smmuv3"],
                r"smmuv3 selftest: stage-1 STEs for single-stage tables, NESTED shadowed",
                r"smmuv3 scenario 8 \(NESTED, shadowed\): PASS"),
    {
        # Error paths: event queue overflow and a command error, both recovered.
        "name": "arm64-smmuv3-errors",
        "arch": "arm64",
        "cmdline": "selftest=smmuv3_errors",
        "exit": HV_EXIT_OK,
        "expect": [r"queue full: 2048 events kept of 3072, overflow counted \(0 -> [1-9]\d*\): ok",
                   r"^\[WRN\] smmuv3: smmu0: event queue overflow",
                   r"^\[ERR\] smmuv3: smmu0: command error 1 on opcode 0x7f",
                   r"undefined command: -5, command errors 1: ok",
                   r"the queue runs on: CFGI_ALL \+ CMD_SYNC: ok",
                   r"DMA round trip after the error: ok",
                   r"smmuv3: smmu0: enabled \(firmware CR0 was 0xd\), all streams abort",
                   r"a write to the IOVA that was mapped does not land: ok",
                   r"nor does one to the host-physical address \(no bypass\): ok",
                   r"^\[INF\] selftest smmuv3_errors: PASS"],
        "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"FAIL", r"C_BAD_"],
    },
]

DEMO_CONFIG = ("# make run: the demo guest (docs/GUEST.md)\n[guest demo]\nimage = \\guests\\demo.bin\n"
               "memory = 16M\ndevice = 00:01.0\nconsole = yes\n")

# Guests (hv/guest.c, docs/GUEST.md): test guests from tests/guests/ on the ESP with a partition
# configuration; the hypervisor runs them under SVM and reports its verdict via the exit code.
def guest_config(name, memory="16M", extra=""):
    return (f"# written by tests/qemu/run.py\n[guest {name}]\nimage = \\guests\\{name}.bin\n"
            f"memory = {memory}\nconsole = yes\n{extra}")


# What each arch's vCPU backend says when it comes up (arch/x86_64/svm.c, arch/arm64/vcpu.c).
GUEST_CPU_UP = {
    "x86_64": r"^\[INF\] svm: enabled \(revision \d+, \d+ ASIDs, nested paging",
    "arm64": r"^\[INF\] arm64: guests at EL1 under EL2 \(HCR_EL2 0x[0-9a-f]+, stage 2 PT_FMT_ARM_S2 48-bit",
}


def guest_case(name, guest, exit_code, expect, forbid, config=None, arch="x86_64"):
    return {"name": name, "arch": arch, "cmdline": "", "guests": [guest],
            "config": config or guest_config(guest), "exit": exit_code,
            "expect": [GUEST_CPU_UP[arch],
                       r"^\[INF\] guest %s: .* nested table 0x[0-9a-f]+, GPA IOASID 0x[0-9a-f]+$" % guest]
            + expect,
            "forbid": forbid}


GUEST_STOP_DUMP = [r"^\[ERR\] \[guest \w+\]   RIP=[0-9a-f]{16} RSP=[0-9a-f]{16}",
                   r"^\[ERR\] \[guest \w+\]   CR0=[0-9a-f]{16} CR2=",
                   r"hv: 1 guest\(s\) ran: 0 exited \(0 with a non-zero status\), 1 stopped",
                   r"^\[INF\] hv: guests done; shutting down"]

def unassigned_case(arch, reported=True):
    """*-guest-dma-unassigned: see the x86_64 entry. reported: the hypervisor logs the blocked
    DMA of each of the two writes."""
    g = "dma_unassigned"
    report = [r"^harness: DMA to the target page's GPA reported by the hypervisor$",
              r"^harness: DMA to the target page's HPA reported by the hypervisor$",
              r"^\[WRN\] ioasid: fault from unassigned rid 0x30 on "]
    return dict(guest_case(
        f"{arch}-guest-dma-unassigned", g, HV_EXIT_OK,
        [r"^\[INF\] pci 0000:00:06\.0 1234:11e8 ",
         r"^\[INF\] guest %s: device 0000:00:01\.0 \(1234:11e8\) assigned" % g,
         r"^\[INF\] \[guest %s\] TEST only_the_assigned_device: PASS$" % g,
         r"^harness: unassigned 00:06\.0 is 1234:11e8, BAR0 0x[0-9a-f]+, bus mastering on$",
         r"^harness: DMA of 4096 bytes to 0x[0-9a-f]+ \(the target page's GPA\): done$",
         r"^harness: DMA of 4096 bytes to 0x[0-9a-f]+ \(the target page's HPA\): done$",
         r"^harness: flag set at HPA 0x[0-9a-f]+$",
         r"^\[INF\] \[guest %s\] harness done after \d+ rounds: 0 of 4096 target bytes changed, "
         r"0 faults in our queue$" % g,
         r"^\[INF\] \[guest %s\] TEST unassigned_dma_is_blocked: PASS$" % g,
         r"^\[INF\] \[guest %s\] TESTS: 2 passed, 0 failed$" % g,
         r"^\[INF\] guest %s: exited with status 0" % g] + (report if reported else []),
        NO_TROUBLE + [r"stopped:", r"guest %s: device 0000:00:06\.0" % g,
                      r"^harness: .*(failed|never|not in|busy|no ECAM|not reported)"],
        config=guest_config(g, extra="device = 00:01.0\n"), arch=arch),
        qemu_args=["-device", "edu,dma_mask=0xffffffffffffffff,addr=0x6"],
        during=lambda live: harness.unassigned_dma(live, arch, g, reported=reported))


CASES += [
    guest_case("x86_64-guest-hello", "hello", HV_EXIT_OK,
               [r"^\[INF\] \[guest hello\] hello from a guest: 16 MiB of RAM, running at 0x10",
                r"^\[INF\] \[guest hello\] TEST runs_deprivileged: PASS$",
                r"^\[INF\] \[guest hello\] TESTS: 4 passed, 0 failed$",
                r"^\[INF\] guest hello: exited with status 0 after \d+ hypercalls$",
                r"hv: 1 guest\(s\) ran: 1 exited \(0 with a non-zero status\), 0 stopped"],
               NO_TROUBLE + [r"stopped:"]),
    guest_case("x86_64-guest-hostile", "hostile", HV_EXIT_OK,
               [r"^\[INF\] \[guest hostile\] random requests: 800 calls, 400 with a version-1 size, [1-9]\d{2,} "
                r"answered past the size and field checks",
                r"^\[INF\] \[guest hostile\] TEST random_bytes: PASS$",
                r"^\[INF\] \[guest hostile\] TEST well_formed_still_work: PASS$",
                r"^\[INF\] \[guest hostile\] device 0x[0-9a-f]+, GPA IOASID 0x[0-9a-f]+, 48-bit IOVAs",
                r"^\[INF\] \[guest hostile\] TEST malformed_map_entries: PASS$",
                r"^\[INF\] \[guest hostile\] quota: \d+ mappings, then -EDQUOT$",
                r"^\[INF\] \[guest hostile\] final DMA through a PAGING IOASID: ok$",
                r"^\[INF\] \[guest hostile\] TESTS: 20 passed, 0 failed$",
                r"^\[INF\] \[guest hostile\] still alive$",
                r"^\[INF\] guest hostile: exited with status 0 after \d{4,} hypercalls$"],
               NO_TROUBLE + [r"stopped:"],
               config=guest_config("hostile", extra="device = 00:01.0\npt_quota = 64K\n")),
    # Two guests in one configuration, one at a time: the console owner runs first and is
    # stopped; the second one still runs and exits cleanly (its own ASID, its own RAM).
    dict(guest_case("x86_64-guest-two", "misbehave_ud", HV_EXIT_OK,
                    [r"^\[ERR\] guest misbehave_ud: stopped: exception #UD",
                     r"^\[INF\] \[guest hello\] TESTS: 4 passed, 0 failed$",
                     r"^\[INF\] guest hello: exited with status 0",
                     r"hv: 2 guest\(s\) ran: 1 exited \(0 with a non-zero status\), 1 stopped"],
                    [r"still running", r"EXCEPTION", r"^\[PANIC\]"],
                    config=(guest_config("hello", memory="8M").replace("console = yes\n", "")
                            + "pt_quota = 64K\n\n" + guest_config("misbehave_ud"))),
         guests=["hello", "misbehave_ud"]),
    # edu assigned to the guest (00:01.0 on q35 as run.py builds it): DMA through the default
    # GPA attachment, a PAGING IOASID, UNMAP and DETACH blocking it, faults read back.
    guest_case("x86_64-guest-dma", "dma", HV_EXIT_OK,
               [r"^\[INF\] guest dma: device 0000:00:01\.0 \(1234:11e8\) assigned as dev_id 0x[0-9a-f]+$",
                r"^\[INF\] guest dma: BAR0 \[0x[0-9a-f]+-0x[0-9a-f]+\] mapped as device memory$",
                r"^\[INF\] \[guest dma\] PAGING 0x[0-9a-f]+: IOVA 0x10000000 -> edu -> IOVA 0x10001000, 256 bytes verified$",
                r"^\[INF\] \[guest dma\] TEST unmap_blocks_and_reports: PASS$",
                r"^\[INF\] \[guest dma\] TEST detach_blocks_and_reports: PASS$",
                r"^\[INF\] \[guest dma\] TESTS: 6 passed, 0 failed$",
                r"^\[INF\] guest dma: exited with status 0"],
               NO_TROUBLE + [r"stopped:"],
               config=guest_config("dma", extra="device = 00:01.0\n")),
    # A second edu device that nobody is given does DMA (tests/guests/dma_unassigned.c): no
    # guest can program it (its BAR is in no guest's physical space), so the harness plays the
    # rogue device through QEMU's qtest socket (tests/qemu/harness.py: bus mastering on, a 4 KiB
    # write to the running guest's page at its GPA and at its HPA). The IOMMU must block both
    # and the hypervisor report them; the guest finds its page untouched, no fault of another
    # device in its own queue, and only its assigned edu in DEVICE_LIST and the boot info.
    unassigned_case("x86_64"),
    # The `make run` demo, so it keeps working.
    guest_case("x86_64-guest-demo", "demo", HV_EXIT_OK,
               [r"^\[INF\] \[guest demo\] DMA: device read IOVA 0x40000000, wrote IOVA 0x40001000",
                r"^\[INF\] \[guest demo\]     \"Hello from guest memory, carried by the edu DMA engine!\"$",
                r"^\[INF\] \[guest demo\] DMA to the unmapped IOVA: 'dst' is untouched$",
                r"^\[INF\] \[guest demo\]     fault #\d+: device 0x[0-9a-f]+ write to IOVA 0x40001000: not present$",
                r"^\[INF\] \[guest demo\]     fault #\d+: device 0x[0-9a-f]+ read of IOVA 0x40000000: blocked$",
                r"^\[INF\] \[guest demo\] Done: everything behaved as described$",
                r"^\[INF\] guest demo: exited with status 0"],
               NO_TROUBLE + [r"stopped:", r"unexpected!"],
               config=DEMO_CONFIG),
    # A configuration naming a device that does not exist stops the boot before any guest runs.
    {"name": "x86_64-guest-config-error", "arch": "x86_64", "cmdline": "", "guests": ["hello"],
     "config": guest_config("hello", extra="device = 00:1e.0\n"), "exit": HV_EXIT_BOOT,
     "expect": [r"^\[ERR\] config: line 6: .*00:1e\.0"],
     "forbid": [r"guest hello: start", r"\[guest hello\]", r"EXCEPTION", r"^\[PANIC\]"]},
    guest_case("x86_64-guest-misbehave-ud", "misbehave_ud", HV_EXIT_OK,
               [r"^\[INF\] \[guest misbehave_ud\] about to execute ud2$",
                r"^\[ERR\] guest misbehave_ud: stopped: exception #UD \(vector 6\)"] + GUEST_STOP_DUMP,
               [r"still running", r"EXCEPTION", r"^\[PANIC\]"]),
    guest_case("x86_64-guest-misbehave-npf", "misbehave_npf", HV_EXIT_OK,
               [r"^\[INF\] \[guest misbehave_npf\] about to write to GPA 0x40000000$",
                r"^\[ERR\] guest misbehave_npf: stopped: nested page fault: write to GPA 0x40000000 "]
               + GUEST_STOP_DUMP,
               [r"still running", r"EXCEPTION", r"^\[PANIC\]"]),
    guest_case("x86_64-guest-misbehave-io", "misbehave_io", HV_EXIT_OK,
               [r"^\[INF\] \[guest misbehave_io\] about to write port 0xf4$",
                r"^\[ERR\] guest misbehave_io: stopped: I/O port 0x00f4 write: no ports are assigned"]
               + GUEST_STOP_DUMP,
               [r"still running", r"EXCEPTION", r"^\[PANIC\]"]),
]

# A guest aims its own edu's DMA at the interrupt window (tests/guests/msi_attack.c,
# drivers/iommu/vtd/vtd_ir.c): forged remappable handles are blocked and recorded (0x22 not
# present, 0x21 beyond the table), also through a PAGING mapping of IOVA 0xfee00000 (QEMU 10 gives
# DMA-made interrupt requests source-id 0xffff, so the records cannot name the guest); QEMU 10 lets
# compatibility-format messages through (docs/VTD.md), so the host takes that NMI and those two
# vectors, counts them and stays up; an NMI queued in the device as the guest exits never fires
# (teardown quiesces the device: exactly one NMI in the count); the second guest, with its own
# edu, runs as if nothing happened.
MSI_ATTACK_EXPECT = [
    r"^\[INF\] vtd: dmar0: interrupt remapping on: 256 entries, .* compatibility format blocked",
    r"^\[INF\] irq: IOAPIC 0 at 0xfec00000 \(GSI 0-23\): all 24 entries masked",
    r"^\[INF\] vtd: dmar0: interrupt blocked: sid \S+ index 0 reason 0x22",
    r"^\[INF\] vtd: dmar0: interrupt blocked: sid \S+ index 5 reason 0x22",
    r"^\[INF\] vtd: dmar0: interrupt blocked: sid \S+ index 32767 reason 0x21",
    r"^\[INF\] vtd: dmar0: interrupt blocked: sid \S+ index 7 reason 0x22",
    r"^\[INF\] \[guest msi_attack\] remappable messages with forged handles 0, 5, 0x7fff sent; \d of 3 fault",
    r"^\[INF\] \[guest msi_attack\] PAGING IOASID mapping IOVA 0xfee00000: messages still blocked, RAM behind it untouched$",
    r"^\[INF\] \[guest msi_attack\] compatibility-format NMI and vector 0x40 sent: 0 fault record",
    r"^\[INF\] \[guest msi_attack\] TESTS: 4 passed, 0 failed$",
    r"^\[INF\] \[guest msi_attack\] still alive$",
    r"^\[INF\] \[guest msi_attack\] NMI message queued in the device; exiting before it fires$",
    r"^\[INF\] guest msi_attack: exited with status 0",
    r"^\[INF\] \[guest dma\] TESTS: 6 passed, 0 failed$",
    r"^\[INF\] guest dma: exited with status 0",
    r"hv: 2 guest\(s\) ran: 2 exited \(0 with a non-zero status\), 0 stopped",
    r"^\[WRN\] hv: 1 NMI\(s\) taken and ignored$",
    r"^\[WRN\] hv: 2 stray external interrupt\(s\) taken, acknowledged and ignored$",
]
CASES += [
    dict(guest_case("x86_64-guest-msi-attack", "msi_attack", HV_EXIT_OK, MSI_ATTACK_EXPECT,
                    [r"EXCEPTION", r"^\[PANIC\]", r"stopped:", r"FAIL"],
                    config=(guest_config("msi_attack", extra="device = 00:01.0\n")
                            + "\n" + guest_config("dma", extra="device = 00:06.0\n").replace("console = yes\n", ""))),
         guests=["msi_attack", "dma"],
         # The second guest drives its own edu for about a second of virtual time, long after
         # the 100 ms at which the first guest's queued NMI would fire without teardown's quiesce.
         qemu_args=["-device", "edu,dma_mask=0xffffffffffffffff,addr=0x6"]),
]

# The same test guests on arm64 (arch/arm64/vcpu.c, docs/ARM64.md "Guests"): the sources are
# shared, only the stop reasons and the register dump are the arch's own.
GUEST_STOP_DUMP_ARM64 = [r"^\[ERR\] \[guest \w+\]   ESR_EL2=[0-9a-f]{16} FAR_EL2=",
                         r"^\[ERR\] \[guest \w+\]   PC=[0-9a-f]{16} SP_EL1=[0-9a-f]{16}",
                         r"^\[ERR\] \[guest \w+\]   SCTLR_EL1=",
                         r"hv: 1 guest\(s\) ran: 0 exited \(0 with a non-zero status\), 1 stopped",
                         r"^\[INF\] hv: guests done; shutting down"]

CASES += [
    guest_case("arm64-guest-hello", "hello", HV_EXIT_OK,
               [r"^\[INF\] \[guest hello\] hello from a guest: 16 MiB of RAM, running at 0x10",
                r"^\[INF\] \[guest hello\] TEST runs_deprivileged: PASS$",
                r"^\[INF\] \[guest hello\] TESTS: 4 passed, 0 failed$",
                r"^\[INF\] guest hello: exited with status 0 after \d+ hypercalls$",
                r"hv: 1 guest\(s\) ran: 1 exited \(0 with a non-zero status\), 0 stopped"],
               NO_TROUBLE + [r"stopped:"], arch="arm64"),
    # Two guests one after the other (own VMIDs: the guest number): the console owner is stopped,
    # the other one still runs and exits cleanly.
    dict(guest_case("arm64-guest-two", "misbehave_ud", HV_EXIT_OK,
                    [r"^\[ERR\] guest misbehave_ud: stopped: undefined instruction at EL1",
                     r"^\[ERR\] \[guest misbehave_ud\]   ESR_EL2=[0-9a-f]{16} .* VMID 2$",
                     r"^\[INF\] \[guest hello\] TESTS: 4 passed, 0 failed$",
                     r"^\[INF\] guest hello: exited with status 0",
                     r"hv: 2 guest\(s\) ran: 1 exited \(0 with a non-zero status\), 1 stopped"],
                    [r"still running", r"EXCEPTION", r"^\[PANIC\]"],
                    config=(guest_config("hello", memory="8M").replace("console = yes\n", "")
                            + "pt_quota = 64K\n\n" + guest_config("misbehave_ud")), arch="arm64"),
         guests=["hello", "misbehave_ud"]),
    guest_case("arm64-guest-misbehave-ud", "misbehave_ud", HV_EXIT_OK,
               [r"^\[INF\] \[guest misbehave_ud\] about to execute ud2$",
                r"^\[ERR\] guest misbehave_ud: stopped: undefined instruction at EL1 PC 0x10[0-9a-f]+ "
                r"\(ESR_EL1 0x2000000\), stopped in its vectors"] + GUEST_STOP_DUMP_ARM64,
               [r"still running", r"EXCEPTION", r"^\[PANIC\]"], arch="arm64"),
    guest_case("arm64-guest-misbehave-npf", "misbehave_npf", HV_EXIT_OK,
               [r"^\[INF\] \[guest misbehave_npf\] about to write to GPA 0x40000000$",
                r"^\[ERR\] guest misbehave_npf: stopped: stage-2 translation fault \(level 1\) on write "
                r"at IPA 0x40000000$"] + GUEST_STOP_DUMP_ARM64,
               [r"still running", r"EXCEPTION", r"^\[PANIC\]"], arch="arm64"),
    # As on x86 with the edu device assigned (behind the SMMUv3: 44-bit IOVAs on QEMU virt).
    guest_case("arm64-guest-hostile", "hostile", HV_EXIT_OK,
               [r"^\[INF\] \[guest hostile\] random requests: 800 calls, 400 with a version-1 size, [1-9]\d{2,} "
                r"answered past the size and field checks",
                r"^\[INF\] \[guest hostile\] TEST random_bytes: PASS$",
                r"^\[INF\] \[guest hostile\] TEST well_formed_still_work: PASS$",
                r"^\[INF\] \[guest hostile\] device 0x[0-9a-f]+, GPA IOASID 0x[0-9a-f]+, 44-bit IOVAs",
                r"^\[INF\] \[guest hostile\] TEST malformed_map_entries: PASS$",
                r"^\[INF\] \[guest hostile\] quota: \d+ mappings, then -EDQUOT$",
                r"^\[INF\] \[guest hostile\] final DMA through a PAGING IOASID: ok$",
                r"^\[INF\] \[guest hostile\] TESTS: 20 passed, 0 failed$",
                r"^\[INF\] \[guest hostile\] still alive$",
                r"^\[INF\] guest hostile: exited with status 0 after \d{4,} hypercalls$"],
               NO_TROUBLE + [r"stopped:"],
               config=guest_config("hostile", extra="device = 00:01.0\npt_quota = 64K\n"), arch="arm64"),
    # edu assigned (00:01.0 on virt too, StreamID 0x8): the same dma guest as on x86_64. DETACH
    # leaves the stream on the SMMU's blocked STE, whose faults reach the guest as BLOCKED.
    guest_case("arm64-guest-dma", "dma", HV_EXIT_OK,
               [r"^\[INF\] guest dma: device 0000:00:01\.0 \(1234:11e8\) assigned as dev_id 0x[0-9a-f]+$",
                r"^\[INF\] guest dma: BAR0 \[0x[0-9a-f]+-0x[0-9a-f]+\] mapped as device memory$",
                r"^\[INF\] \[guest dma\] PAGING 0x[0-9a-f]+: IOVA 0x10000000 -> edu -> IOVA 0x10001000, 256 bytes verified$",
                r"^\[INF\] \[guest dma\] TEST unmap_blocks_and_reports: PASS$",
                r"^\[INF\] smmuv3: smmu0: event F_TRANSLATION \(0x10\) sid 0x8 write .* -> reason 3$",
                r"^\[INF\] \[guest dma\] TEST detach_blocks_and_reports: PASS$",
                r"^\[INF\] \[guest dma\] TESTS: 6 passed, 0 failed$",
                r"^\[INF\] guest dma: exited with status 0"],
               NO_TROUBLE + [r"stopped:"],
               config=guest_config("dma", extra="device = 00:01.0\n"), arch="arm64"),
    # The unassigned edu's DMA (StreamID 0x30) is blocked by the SMMUv3 and reported, as on
    # x86_64: at take-over every enumerated function's stream gets the blocked configuration
    # with fault recording instead of the silent abort STE (hv/guest_iommu_smmuv3.c).
    unassigned_case("arm64"),
    # The `make run ARCH=arm64` demo.
    guest_case("arm64-guest-demo", "demo", HV_EXIT_OK,
               [r"^\[INF\] \[guest demo\] DMA: device read IOVA 0x40000000, wrote IOVA 0x40001000",
                r"^\[INF\] \[guest demo\]     \"Hello from guest memory, carried by the edu DMA engine!\"$",
                r"^\[INF\] \[guest demo\] DMA to the unmapped IOVA: 'dst' is untouched$",
                r"^\[INF\] \[guest demo\]     fault #\d+: device 0x[0-9a-f]+ write to IOVA 0x40001000: not present$",
                r"^\[INF\] \[guest demo\]     fault #\d+: device 0x[0-9a-f]+ read of IOVA 0x40000000: blocked$",
                r"^\[INF\] \[guest demo\] Done: everything behaved as described$",
                r"^\[INF\] guest demo: exited with status 0"],
               NO_TROUBLE + [r"stopped:", r"unexpected!"],
               config=DEMO_CONFIG, arch="arm64"),
]

# Teardown stops the device (hv/guest.c guest_destroy, drivers/pci/pci_quiesce.c; docs/GUEST.md
# "Teardown"): exit_dma starts a DMA on edu 00:01.0 to 0xbad0000 (outside its RAM) and exits before
# edu issues it (100 ms later); the dma guest runs next with a second edu, 00:06.0 (a device goes to
# one guest only). The DMA must never happen: not while exit_dma is torn down (no IOMMU fault
# recorded for it: 0 discarded), not later (no fault at that address anywhere, none from an
# unassigned device). Had it happened after teardown, its fault would sit in VT-d's single
# fault-recording register and the dma guest's own UNMAP fault would be lost (its test fails).
def exit_dma_case(arch):
    cfg = (guest_config("exit_dma", extra="device = 00:01.0\n") + "\n"
           + guest_config("dma", extra="device = 00:06.0\n").replace("console = yes\n", ""))
    return dict(guest_case(f"{arch}-guest-exit-dma", "exit_dma", HV_EXIT_OK,
                           [r"^\[INF\] \[guest exit_dma\] exit_dma: edu DMA of 256 bytes to 0xbad0000 started",
                            r"^\[INF\] guest exit_dma: exited with status 0",
                            r"^\[INF\] pci 0000:00:01\.0: quiesce: bus mastering and memory decoding off "
                            r"\(command 0x[0-9a-f]{3}[4-7c-f] -> 0x[0-9a-f]{3}[0-38-b]\)$",
                            r"^\[INF\] pci 0000:00:01\.0: quiesce: no pending-transaction indicator and no reset: "
                            r"bus mastering stays off for 200 ms$",
                            r"^\[INF\] guest exit_dma: teardown: 0 IOMMU fault record\(s\) of its devices discarded",
                            r"^\[INF\] guest dma: device 0000:00:06\.0 \(1234:11e8\) assigned",
                            r"^\[INF\] \[guest dma\] TEST unmap_blocks_and_reports: PASS$",
                            r"^\[INF\] \[guest dma\] TEST detach_blocks_and_reports: PASS$",
                            r"^\[INF\] \[guest dma\] TESTS: 6 passed, 0 failed$",
                            r"hv: 2 guest\(s\) ran: 2 exited \(0 with a non-zero status\), 0 stopped"],
                           NO_TROUBLE + [r"stopped:", r"^(?!.*\[guest exit_dma\]).*bad0000",
                                         r"fault from unassigned rid"],
                           config=cfg, arch=arch),
                guests=["exit_dma", "dma"], qemu_args=["-device", "edu,dma_mask=0xffffffffffffffff,addr=0x6"])


CASES += [exit_dma_case("x86_64"), exit_dma_case("arm64")]

# ---- Partitions: guests on CPUs of their own, at the same time (issue 11; docs/CONFIG.md cpus) ----
# Multi-threaded TCG runs every vCPU of the machine on its own host thread, so guests on
# different CPUs really run in parallel even on a 2-core host.
SMP_ARGS = ["-accel", "tcg,thread=multi"]
EDU2 = ["-device", "edu,dma_mask=0xffffffffffffffff,addr=0x6"]


def partition_config(name, cpus, device, console=False, image="partition", memory="16M", extra=""):
    return (f"[guest {name}]\nimage = \\guests\\{image}.bin\nmemory = {memory}\ncpus = {cpus}\n"
            f"device = {device}\n" + ("console = yes\n" if console else "") + extra)


def overlap_check(a, b):
    """The two partitions ran at the same time: each started before the other finished, and
    each one's progress lines interleave with the other's (the console serialises whole lines,
    so line order is time order)."""
    def check(lines):
        def where(pat):
            return [i for i, l in enumerate(lines) if re.search(pat, l)]
        why = []
        start = {g: where(r"^\[INF\] \[guest %s\] partition: .* rounds start$" % g) for g in (a, b)}
        end = {g: where(r"^\[INF\] \[guest %s\] partition: all rounds done$" % g) for g in (a, b)}
        prog = {g: where(r"^\[INF\] \[guest %s\] partition: round \d+ done$" % g) for g in (a, b)}
        if not all(start[g] and end[g] and len(prog[g]) >= 2 for g in (a, b)):
            return ["overlap: a partition's start, progress or end line is missing"]
        if not (start[a][0] < end[b][0] and start[b][0] < end[a][0]):
            why.append(f"overlap: {a} and {b} did not run at the same time (one ended before the other started)")
        inside = sum(1 for i in prog[a] if prog[b][0] < i < prog[b][-1]) + \
            sum(1 for i in prog[b] if prog[a][0] < i < prog[a][-1])
        if inside < 4:
            why.append(f"overlap: only {inside} progress line(s) of one partition fall among the other's")
        return why
    return check


PART_OK = [r"^\[INF\] \[guest %s\] TEST rounds: PASS$", r"^\[INF\] \[guest %s\] TEST unmapped_iova_blocked: PASS$",
           r"^\[INF\] \[guest %s\] TESTS: 3 passed, 0 failed$", r"^\[INF\] guest %s: exited with status 0"]


def partitions_case(arch):
    cfg = ("# written by tests/qemu/run.py\n" + partition_config("part_a", "1", "00:01.0", console=True)
           + partition_config("part_b", "2-2", "00:06.0"))
    return {"name": f"{arch}-guest-partitions", "arch": arch, "cmdline": "", "guests": ["partition"],
            "config": cfg, "exit": HV_EXIT_OK, "timeout": 600,
            "qemu_args": ["-smp", "4"] + SMP_ARGS + EDU2,
            "expect": [r"^\[INF\] smp: 4 of 4 CPUs online$",
                       r"^\[INF\] hv: starting 2 partition\(s\) on their own CPUs$",
                       r"^\[INF\] guest part_a: start \(partition\)$",
                       r"^\[INF\] guest part_b: start \(partition\)$"]
            + [p % g for g in ("part_a", "part_b") for p in PART_OK]
            + [r"hv: 2 guest\(s\) ran: 2 exited \(0 with a non-zero status\), 0 stopped"],
            "forbid": NO_TROUBLE + [r"stopped:"],
            "check": overlap_check("part_a", "part_b")}


def smp_case(arch):
    cfg = "# written by tests/qemu/run.py\n" + partition_config("smp", "1-4", "00:01.0", console=True, image="smp")
    tests = ["setup", "start_vcpus", "all_vcpus_at_once", "final_tables"]
    return {"name": f"{arch}-guest-smp", "arch": arch, "cmdline": "", "guests": ["smp"], "config": cfg,
            "exit": HV_EXIT_OK, "timeout": 600, "qemu_args": ["-smp", "5"] + SMP_ARGS,
            "expect": [r"^\[INF\] smp: 5 of 5 CPUs online$",
                       r"^\[INF\] \[guest smp\] smp: 4 vCPUs; this is vCPU 0$",
                       r"^\[INF\] \[guest smp\] smp: vCPU 0: 12 DMA round trips during the churn, 0 wrong$"]
            + [r"^\[INF\] \[guest smp\] smp: vCPU 0 \(ran as vCPU 0\): 16 calls, 0 failed$"]
            + [r"^\[INF\] \[guest smp\] smp: vCPU %d \(ran as vCPU %d\): 1186 calls, 0 failed$" % (k, k)
               for k in range(1, 4)]
            + [r"^\[INF\] \[guest smp\] TEST %s: PASS$" % t for t in tests]
            + [r"^\[INF\] \[guest smp\] TESTS: 4 passed, 0 failed$", r"^\[INF\] guest smp: exited with status 0"],
            "forbid": NO_TROUBLE + [r"stopped:"]}


def race_case(arch):
    cfg = ("# written by tests/qemu/run.py\n" + partition_config("race", "1-2", "00:01.0", console=True, image="race")
           + partition_config("part_b", "3", "00:06.0", image="partition_short"))
    return {"name": f"{arch}-guest-race", "arch": arch, "cmdline": "", "guests": ["race", "partition_short"],
            "config": cfg, "exit": HV_EXIT_OK, "timeout": 600,
            "qemu_args": ["-smp", "4"] + SMP_ARGS + EDU2,
            "expect": [r"^\[INF\] \[guest race\] race: vCPU 0: 6000 calls, [1-9]\d* succeeded, 0 undocumented",
                       r"^\[INF\] \[guest race\] race: vCPU 1: 6000 calls, [1-9]\d* succeeded, 0 undocumented",
                       r"^\[INF\] \[guest race\] race: after 12000 calls the device still DMAs through a fresh IOASID$",
                       r"^\[INF\] \[guest race\] TESTS: 3 passed, 0 failed$",
                       r"^\[INF\] guest race: exited with status 0"]
            + [p % "part_b" for p in PART_OK]
            + [r"hv: 2 guest\(s\) ran: 2 exited \(0 with a non-zero status\), 0 stopped"],
            "forbid": NO_TROUBLE + [r"stopped:"]}


def crash_case(arch):
    cfg = ("# written by tests/qemu/run.py\n" + partition_config("crash", "2-3", "00:01.0", image="crash")
           + partition_config("part_a", "1", "00:06.0", console=True, image="partition_short"))
    return {"name": f"{arch}-guest-crash-isolation", "arch": arch, "cmdline": "", "guests": ["crash", "partition_short"],
            "config": cfg, "exit": HV_EXIT_OK, "timeout": 600,
            "qemu_args": ["-smp", "4"] + SMP_ARGS + EDU2,
            "expect": [r"^\[INF\] \[guest crash\] crash: vCPU 1 spins; edu DMA to 0xbad0000 started",
                       r"^\[ERR\] guest crash: vCPU 0 stopped: ",
                       r"^\[INF\] pci 0000:00:01\.0: quiesce: bus mastering and memory decoding off",
                       # The DMA is issued 100 ms after the command: before the quiesce it is blocked
                       # while the device is still the crashed guest's (0xbad0000 is outside its RAM)
                       # and its record discarded; after, it never happens. Never a fault of an
                       # unassigned device, never a lost fault of the other guest (its test passes).
                       r"^\[INF\] guest crash: teardown: [01] IOMMU fault record\(s\) of its devices discarded",
                       r"hv: 2 guest\(s\) ran: 1 exited \(0 with a non-zero status\), 1 stopped"]
            + [p % "part_a" for p in PART_OK],
            # The crash is the point; anything else going wrong is not.
            "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"FAIL",
                       r"fault from unassigned rid", r"guest part_a: .*stopped",
                       r"^\[ERR\] (?!guest crash: vCPU 0 stopped|\[guest crash\] )"]}


CASES += [c(arch) for c in (partitions_case, smp_case, race_case, crash_case) for arch in ("x86_64", "arm64")]

# A `cpus` list naming a CPU the machine does not have stops the boot with its line number, before
# any guest runs (the other checks of the key: tests/unit/test_config.c).
CASES += [{"name": f"{arch}-guest-cpus-error", "arch": arch, "cmdline": "", "guests": ["hello"],
           "config": guest_config("hello", extra="cpus = 1,5\n"), "exit": HV_EXIT_BOOT,
           "qemu_args": ["-smp", "3"] + SMP_ARGS,
           "expect": [r"^\[INF\] smp: 3 of 3 CPUs online$",
                      r"^\[ERR\] config: line 6: CPU 5 does not exist \(the machine lists 3 CPU\(s\)\)$"],
           "forbid": [r"guest hello: start", r"\[guest hello\]", r"EXCEPTION", r"^\[PANIC\]"]}
          for arch in ("x86_64", "arm64")]

# A PCIe function with FLR (QEMU's nvme: PCIe capability, DevCap FLR): teardown waits out
# Transactions Pending, resets it and writes its BARs back (the BAR line after the reset is the
# firmware's address again), bus mastering still off.
def flr_case(arch):
    return dict(guest_case(f"{arch}-guest-teardown-flr", "hello", HV_EXIT_OK,
                           [r"^\[INF\] guest hello: device 0000:00:07\.0 \([0-9a-f]{4}:[0-9a-f]{4}\) assigned",
                            r"^\[INF\] \[guest hello\] TESTS: 4 passed, 0 failed$",
                            r"^\[INF\] pci 0000:00:07\.0: quiesce: bus mastering and memory decoding off "
                            r"\(command 0x[0-9a-f]{3}[4-7c-f] -> 0x[0-9a-f]{3}[0-38-b]\)$",
                            r"^\[INF\] pci 0000:00:07\.0: quiesce: no transactions pending \(\d+ us\)$",
                            r"^\[INF\] pci 0000:00:07\.0: quiesce: function-level reset \(PCIe FLR\) done; "
                            r"BARs and settings written back$",
                            r"^\[INF\] guest hello: teardown: 0 IOMMU fault record\(s\) of its devices discarded"],
                           NO_TROUBLE + [r"stopped:"],
                           config=guest_config("hello", extra="device = 00:07.0\n"), arch=arch),
                qemu_args=["-device", "nvme,serial=flr0,addr=0x7"])


CASES += [flr_case("x86_64"), flr_case("arm64")]


# A stage-1 table of the guest's own (issue 18; tests/guests/nested.c, guest/s1.h): NESTED over
# the GPA IOASID, every edit of the table proven by DMA after its INVALIDATE. SMMUv3 on virt
# nests in hardware, on virt-9.1 (stage 1 only) and on VT-d the hypervisor shadows the table.
NESTED_TESTS = ["setup", "build_alloc_attach", "dma_through_own_table", "remove_leaf", "take_write_away",
                "remap_page", "replace_subtree", "invalidate_all", "back_to_gpa_and_free"]


def nested_case(arch, name, how, qemu_args=()):
    c = guest_case(name, "nested", HV_EXIT_OK,
                   [r"^\[INF\] \[guest nested\] nested: format %s, %s$"
                    % ("Arm stage 1" if arch == "arm64" else "VT-d first-level", how)]
                   + [r"^\[INF\] \[guest nested\] TEST %s: PASS$" % t for t in NESTED_TESTS]
                   + [r"^\[INF\] \[guest nested\] TESTS: %d passed, 0 failed$" % len(NESTED_TESTS),
                      r"^\[INF\] guest nested: exited with status 0"],
                   NO_TROUBLE + [r"stopped:"],
                   config=guest_config("nested", extra="device = 00:01.0\n"), arch=arch)
    if qemu_args:
        c["qemu_args"] = list(qemu_args)
    return c


CASES += [
    nested_case("x86_64", "x86_64-guest-nested", "shadowed"),
    nested_case("x86_64", "x86_64-guest-nested-sm-fl", "shadowed",
                ["-global", "intel-iommu.x-scalable-mode=on", "-global", "intel-iommu.x-flts=on"]),
    nested_case("arm64", "arm64-guest-nested", "hardware nesting"),
    nested_case("arm64", "arm64-guest-nested-virt91", "shadowed",
                ["-M", "virt-9.1,virtualization=on,gic-version=3,iommu=smmuv3"]),
]

# A hostile stage-1 table (tests/guests/nested_hostile.c) on CPUs 1-2 while the dma guest drives
# its own edu on CPU 0: every bad table gets a documented result or a fault record, DMA never
# leaves the guest's RAM, the walk budget bounds loops and fan-out, a second vCPU rewriting the
# table during INVALIDATEs changes nothing of that; the dma guest passes all of its tests.
NESTED_HOSTILE_TESTS = ["setup", "loop", "table_outside_ram", "leaf_outside_ram", "leaf_at_mmio", "reserved_bits",
                        "fan_out", "race", "free"]


def nested_hostile_case(arch, name, how, machine=()):
    g = "nested_hostile"
    cfg = ("# written by tests/qemu/run.py\n" + partition_config(g, "1-2", "00:01.0", console=True, image=g)
           + "\n[guest dma]\nimage = \\guests\\dma.bin\nmemory = 16M\ndevice = 00:06.0\n")
    return {"name": name, "arch": arch, "cmdline": "", "guests": [g, "dma"], "config": cfg,
            "exit": HV_EXIT_OK, "timeout": 600,
            "qemu_args": list(machine) + ["-smp", "3"] + SMP_ARGS + EDU2,
            "expect": [r"^\[INF\] \[guest %s\] nested_hostile: %s$" % (g, how)]
            + [r"^\[INF\] \[guest %s\] TEST %s: PASS$" % (g, t) for t in NESTED_HOSTILE_TESTS]
            + [r"^\[INF\] \[guest %s\] TESTS: %d passed, 0 failed$" % (g, len(NESTED_HOSTILE_TESTS)),
               r"^\[INF\] guest %s: exited with status 0" % g,
               r"^\[INF\] guest dma: exited with status 0"],  # the number of failed tests
            "forbid": NO_TROUBLE + [r"stopped:", r"fault from unassigned rid"]}


CASES += [
    nested_hostile_case("x86_64", "x86_64-guest-nested-hostile", "shadowed"),
    nested_hostile_case("arm64", "arm64-guest-nested-hostile", "hardware nesting"),
    nested_hostile_case("arm64", "arm64-guest-nested-hostile-virt91", "shadowed",
                        ["-M", "virt-9.1,virtualization=on,gic-version=3,iommu=smmuv3"]),
]

# GET_INFO against what the calls accept and refuse, and a MAP batch's partial progress
# (tests/guests/abi_truth.c), on every IOMMU shape: VT-d legacy, scalable second-level with
# PASIDs, scalable first-level, aw-bits=39; SMMUv3 nested/virt-9.1.
ABI_TRUTH_TESTS = ["setup", "widths", "page_sizes", "formats", "pasid", "batches", "partial_progress"]


def abi_truth_case(arch, name, qemu_args=()):
    c = guest_case(name, "abi_truth", HV_EXIT_OK,
                   [r"^\[INF\] \[guest abi_truth\] get_info: caps 0x[0-9a-f]+, "]
                   + [r"^\[INF\] \[guest abi_truth\] TEST %s: PASS$" % t for t in ABI_TRUTH_TESTS]
                   + [r"^\[INF\] \[guest abi_truth\] TESTS: %d passed, 0 failed$" % len(ABI_TRUTH_TESTS),
                      r"^\[INF\] guest abi_truth: exited with status 0"],
                   NO_TROUBLE + [r"stopped:"],
                   config=guest_config("abi_truth", extra="device = 00:01.0\n"), arch=arch)
    if qemu_args:
        c["qemu_args"] = list(qemu_args)
    return c


CASES += [
    abi_truth_case("x86_64", "x86_64-guest-abi-truth"),
    abi_truth_case("x86_64", "x86_64-guest-abi-truth-sm-sl-pasid",
                   ["-global", "intel-iommu.x-scalable-mode=on", "-global", "intel-iommu.x-pasid-mode=on"]),
    abi_truth_case("x86_64", "x86_64-guest-abi-truth-sm-fl",
                   ["-global", "intel-iommu.x-scalable-mode=on", "-global", "intel-iommu.x-flts=on"]),
    abi_truth_case("x86_64", "x86_64-guest-abi-truth-aw39", ["-global", "intel-iommu.aw-bits=39"]),
    abi_truth_case("arm64", "arm64-guest-abi-truth"),
    abi_truth_case("arm64", "arm64-guest-abi-truth-virt91",
                   ["-M", "virt-9.1,virtualization=on,gic-version=3,iommu=smmuv3"]),
]

# In-guest cost of the calls (issue 15; tests/guests/bench.c, tests/qemu/bench_guest.py): QEMU
# with -icount shift=0 makes the guest's counter an instruction count; the invalidation commands
# per call come from QEMU's trace between the guest's fault markers. `make bench-guest` prints
# the table; the case fails when a count regresses by more than 10% against
# tests/qemu/bench_guest_ref.json.
def bench_case(arch):
    c = guest_case(f"{arch}-bench-guest", "bench", HV_EXIT_OK,
                   [r"^\[INF\] \[guest bench\] TEST costs: PASS$",
                    r"^\[INF\] guest bench: exited with status 0"],
                   NO_TROUBLE + [r"stopped:"],
                   config=guest_config("bench", extra="device = 00:01.0\n"), arch=arch)
    c["qemu_args"] = ["-icount", "shift=0,sleep=off"]
    c["trace"] = bench_guest.TRACE_EVENTS[arch]
    c["trace_check"] = lambda lines, trace, a=arch: bench_guest.check(a, lines, trace)
    c["timeout"] = 300
    return c


CASES += [bench_case("x86_64"), bench_case("arm64")]

# Configuration pre-flight (hv/config_check.c, docs/CONFIG.md "Errors"): what guest creation would
# refuse is refused before any guest runs, with its line, and the boot stops with HV_EXIT_BOOT.
# The first guest (the console owner, created first) is fine; the second names an image that is
# not on the ESP (line 8). Before the pre-flight, hello ran to completion first.
CONFIG_SECOND_MISSING = (guest_config("hello") + "\n[guest ghost]\nimage = \\guests\\ghost.bin\nmemory = 4M\n")
# A file over 64 KiB (CFG_FILE_MAX) used to be dropped silently: no guest, exit OK.
CONFIG_OVERSIZE = guest_config("hello") + ("# padding to make the file larger than 64 KiB\n" * 1500)
NO_GUEST_RAN = [r"guest .*: start", r"\[guest hello\]", r"EXCEPTION", r"^\[PANIC\]"]

CASES += [
    {"name": f"{arch}-config-second-image-missing", "arch": arch, "cmdline": "", "guests": ["hello"],
     "config": CONFIG_SECOND_MISSING, "exit": HV_EXIT_BOOT,
     "expect": [r"cannot load guest image \\guests\\ghost\.bin \(not found\)",
                r"^\[ERR\] config: line 8: guest 'ghost': image \\guests\\ghost\.bin was not loaded from the ESP"],
     "forbid": NO_GUEST_RAN}
    for arch in ("x86_64", "arm64")
] + [
    {"name": "x86_64-config-oversize", "arch": "x86_64", "cmdline": "", "guests": ["hello"],
     "config": CONFIG_OVERSIZE, "exit": HV_EXIT_BOOT,
     "expect": [r"ioasid-hv: \\ioasid-hv\.cfg is larger than 65536 bytes: refused",
                r"^\[ERR\] config: the file is larger than 65536 bytes \(64 KiB\)$"],
     "forbid": NO_GUEST_RAN},
    # A UTF-8 byte-order mark (Windows editors) is skipped: the file is still a configuration.
    # Its "[guest" is on line 1, right after the mark, the only line that makes it one: before,
    # the file became the command line "\xef\xbb\xbf[guest hello]" and no guest ran (exit OK).
    guest_case("x86_64-config-utf8-bom", "hello", HV_EXIT_OK,
               [r"^\[INF\] \[guest hello\] TESTS: 4 passed, 0 failed$",
                r"^\[INF\] guest hello: exited with status 0"],
               NO_TROUBLE + [r"stopped:"], config="\ufeff" + guest_config("hello").split("\n", 1)[1]),
]
# Requester-ID aliasing (drivers/pci/groups.c, docs/VTD.md "Requester-ID aliases"): edu behind a
# PCIe-to-PCI bridge (pcie-pci-bridge, PCIe type 7) does DMA as (secondary bus, devfn 0), so
# its route must be installed for that alias too. selftest=vtd takes the edu named by "edu=";
# the machine's own edu at 00:01.0 then serves as scenario 11's second device.
BRIDGE = ["-device", "pcie-pci-bridge,id=br0,bus=pcie.0,addr=0x8",
          "-device", "edu,dma_mask=0xffffffffffffffff,bus=br0,addr=0x1"]
BRIDGE_GROUP = r"^\[INF\] pci: group \d+: 0000:01:01\.0 \(alias 01:00\.0 via bridge 00:08\.0\)$"
for _name, _args, _mode in [
        ("x86_64-vtd-bridge", [], "legacy mode"),
        ("x86_64-vtd-bridge-sm-fl", ["-global", "intel-iommu.x-scalable-mode=on",
                                     "-global", "intel-iommu.x-flts=on"], "scalable mode first-level")]:
    _c = vtd_case(_name, BRIDGE + _args, r"vtd: dmar0 at 0xfed90000 .*: %s" % _mode)
    _c["cmdline"] = "selftest=vtd edu=01:01.0"
    _c["expect"] = [e for e in _c["expect"] if "fault sid" not in e] + [
        BRIDGE_GROUP,
        r"edu device found at 01:01\.0: ok",
        r"vtd selftest: edu's DMA may carry alias 01:00\.0$",
        # the unit sees the alias, never the function's own ID
        r"vtd: dmar0: fault sid 01:00\.0( \(RID_PASID\))? write addr 0x20000000 reason 0x(5|71) ",
        r"alias 01:00\.0 walks to the same page \(0\): ok",
        r"no present entry for the SID or any of its 1 alias\(es\): ok",
        r"^\[INF\] vtd scenario 11 \(fault overflow counted\): PASS"]
    _c["forbid"] = NO_TROUBLE + [r"fault sid 01:01\.0"]
    CASES.append(_c)

# Two edus behind one bridge share the alias 01:00.0: one isolation group. Given to two guests,
# the configuration is refused before any guest runs, naming the line and the group.
BRIDGE2 = BRIDGE + ["-device", "edu,dma_mask=0xffffffffffffffff,bus=br0,addr=0x2"]
BRIDGE_SPLIT_CONFIG = (guest_config("hello", extra="device = 01:01.0\n") + "\n"
                       + guest_config("dma", memory="8M", extra="device = 01:02.0\n").replace("console = yes\n", ""))
CASES += [
    {"name": "x86_64-guest-bridge-split", "arch": "x86_64", "cmdline": "", "guests": ["hello", "dma"],
     "config": BRIDGE_SPLIT_CONFIG, "qemu_args": BRIDGE2, "exit": HV_EXIT_BOOT,
     "expect": [r"^\[INF\] pci: group (\d+): 0000:01:01\.0 0000:01:02\.0 \(alias 01:00\.0 via bridge 00:08\.0\)$",
                r"^\[ERR\] config: line 12: 0000:01:02\.0 is in isolation group \d+ with 0000:01:01\.0, "
                r"which guest hello owns$"],
     "forbid": [r"guest \w+: start", r"\[guest ", r"assigned as dev_id", r"EXCEPTION", r"^\[PANIC\]"]},
    # The guest path through the alias: the dma guest's edu 01:01.0 sits behind the bridge (with
    # an unassigned sibling 01:02.0 in its group); its DMA, carrying 01:00.0, is translated by the
    # guest's tables and its faults (sid 01:00.0) reach the guest as its device's.
    guest_case("x86_64-guest-dma-bridge", "dma", HV_EXIT_OK,
               [BRIDGE_GROUP.replace("0000:01:01\\.0 ", "0000:01:01\\.0 0000:01:02\\.0 "),
                r"^\[INF\] guest dma: device 0000:01:01\.0 \(1234:11e8\) assigned as dev_id 0x[0-9a-f]+$",
                r"^\[INF\] vtd: dmar0: fault sid 01:00\.0 write addr 0x10001000 ",
                r"^\[INF\] \[guest dma\] TEST unmap_blocks_and_reports: PASS$",
                r"^\[INF\] \[guest dma\] TESTS: 6 passed, 0 failed$",
                r"^\[INF\] guest dma: exited with status 0"],
               NO_TROUBLE + [r"stopped:", r"fault sid 01:01\.0", r"fault from unassigned rid"],
               config=guest_config("dma", extra="device = 01:01.0\n")),
]
CASES[-1]["qemu_args"] = BRIDGE2

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


# A VT-d unit without interrupt remapping (intremap=off): its devices could send any interrupt
# message by DMA, so the configuration that gives edu to a guest is refused before it runs
# (hv/guest_iommu_vtd.c, hv/config_check.c; docs/VTD.md "Interrupt remapping").
CASES += [
    {"name": "x86_64-guest-no-intremap", "arch": "x86_64", "cmdline": "", "guests": ["dma"],
     "config": guest_config("dma", extra="device = 00:01.0\n"), "exit": HV_EXIT_BOOT,
     "qemu_args": ["-global", "intel-iommu.intremap=off"],
     "expect": [r"^\[WRN\] vtd: dmar0: no interrupt remapping \(ECAP.IR=0\)",
                r"^\[ERR\] config: line 6: device 0000:00:01\.0 cannot be assigned: its IOMMU unit cannot remap interrupts"],
     "forbid": [r"guest dma: start", r"\[guest dma\]", r"EXCEPTION", r"^\[PANIC\]"]},
]


# IORT RMRs (drivers/iommu/smmuv3/smmuv3_rmr.c): QEMU publishes none, so the self-test adds one
# for edu (and a malformed one) to the parsed IORT before the take-over.
CASES += [
    {"name": "arm64-smmuv3-rmr", "arch": "arm64", "cmdline": "selftest=smmuv3_rmr", "exit": HV_EXIT_OK,
     "expect": [r"RMR 0x[0-9a-f]+000-0x[0-9a-f]+fff for stream 0x[0-9a-f]+ added \(and a malformed one\): ok",
                r"^\[ERR\] smmuv3: RMR \d+ refused: a range is not page-aligned; its streams stay blocked",
                r"^\[INF\] smmuv3: RMR \d+: stream 0x[0-9a-f]+ on smmu0 keeps its ranges identity-mapped \(domain \d+\)$",
                r"the stream is an RMR stream: ok",
                r"the RMR's pages are out of the allocator: ok",
                r"DMA inside the RMR, never attached by the core: .* \(0, 0 events\): ok",
                r"a read just past the RMR is blocked and recorded .*: ok",
                r"^\[ERR\] guests: 0000:00:0[0-9a-f]\.0 \(stream 0x[0-9a-f]+\) has an IORT RMR; it cannot be assigned",
                r"assigning the device to a guest is refused \(-16\): ok",
                r"^\[INF\] selftest smmuv3_rmr: PASS"],
     "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"FAIL"]},
]


# arm64 counterpart of msi-attack (tests/guests/its_attack.c): the guest's edu writes to the
# ITS doorbell GITS_TRANSLATER; the SMMU's stage 2 has no translation for it, so the writes are
# blocked and reported to the guest (SMMU events carry the StreamID); through a PAGING mapping
# of that IOVA the write lands in guest RAM, never in the ITS. A second guest runs unaffected.
CASES += [
    dict(guest_case("arm64-guest-its-attack", "its_attack", HV_EXIT_OK,
                    [r"^\[INF\] \[guest its_attack\] writes to GITS_TRANSLATER \(EventID 0 and 0x7fff\): blocked and reported$",
                     r"^\[INF\] \[guest its_attack\] PAGING IOASID mapping IOVA 0x8090000: the write landed in guest RAM \(0x1234\), not in the ITS$",
                     r"^\[INF\] \[guest its_attack\] TESTS: 3 passed, 0 failed$",
                     r"^\[INF\] \[guest hello\] TESTS: 4 passed, 0 failed$",
                     r"hv: 2 guest\(s\) ran: 2 exited \(0 with a non-zero status\), 0 stopped"],
                    [r"EXCEPTION", r"^\[PANIC\]", r"stopped:", r"FAIL"],
                    config=(guest_config("its_attack", extra="device = 00:01.0\n")
                            + "\n" + guest_config("hello", memory="8M").replace("console = yes\n", "")),
                    arch="arm64"),
         guests=["its_attack", "hello"]),
]


# arm64 with several CPUs (docs/ARM64.md "CPUs"): PSCI CPU_ON for every GICC of the MADT, each CPU
# on the hypervisor's own tables with its own stacks and vectors, GICv3 SGI kicks. Multi-threaded
# TCG, so the CPUs really run at the same time.
ARM64_SMP_ARGS = ["-smp", "4", "-accel", "tcg,thread=multi"]
CASES += [
    {
        "name": "arm64-smp-boot",
        "arch": "arm64",
        "cmdline": "selftest=boot",
        "qemu_args": ARM64_SMP_ARGS,
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] gicv3: distributor at 0x[0-9a-f]+ .*kick SGI 1$",
                   r"^\[INF\] arm64: CPU 0 redistributor at 0x[0-9a-f]+, kicks by SGI 1",
                   r"^\[INF\] smp: CPU 1 \(hw id 0x1\) online$",
                   r"^\[INF\] smp: CPU 3 \(hw id 0x3\) online$",
                   r"^\[INF\] smp: 4 of 4 CPUs online$",
                   r"^\[INF\] selftest boot: PASS",
                   r"^\[INF\] HV-EXIT: 0$"],
        "forbid": NO_TROUBLE,
    },
    {
        # arch/arm64/smp_selftest.c: work on every secondary CPU at once (this_cpu, MPIDR, own
        # stacks, own vectors), a ticket lock under contention, WFI idle and SGI kicks.
        "name": "arm64-smp",
        "arch": "arm64",
        "cmdline": "selftest=smp",
        "qemu_args": ARM64_SMP_ARGS,
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] smp: 4 of 4 CPUs online$"]
        + [r"smp: CPU %d: this_cpu\(\) = TPIDR_EL2 = its percpu \(id %d\), MPIDR 0x%d as the MADT's 0x%d: ok$"
           % (i, i, i, i) for i in (1, 2, 3)]
        + [r"smp: CPU %d: runs on its own stack .*: ok$" % i for i in (1, 2, 3)]
        + [r"smp: CPU %d: BRK taken through its vectors on its own exception stack \(1, .*: ok$" % i
           for i in (1, 2, 3)]
        + [r"smp: CPU %d: the boot CPU's EL2 regime .*: ok$" % i for i in (1, 2, 3)]
        + [r"smp: 4 CPUs x 5000 increments under one spinlock: counter 20000: ok$"]
        + [r"smp: CPU %d asleep in WFI \(0 wakeups in 50 ms\), smp_kick woke it: 1 kick SGI\(s\), 1 wakeup\(s\): ok$"
           % i for i in (1, 2, 3)]
        + [r"^\[INF\] selftest smp: PASS", r"^\[INF\] HV-EXIT: 0$"],
        "forbid": NO_TROUBLE,
    },
    {
        # selftest=vcpu on two CPUs: its "kick" part runs a spinning vCPU on CPU 1 and stops it
        # from CPU 0 (stop_request + smp_kick -> VCPU_EXIT_KICK); PSCI vCPU calls, VMPIDR.
        "name": "arm64-vcpu-smp",
        "arch": "arm64",
        "cmdline": "selftest=vcpu",
        "qemu_args": ["-smp", "2", "-accel", "tcg,thread=multi"],
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] smp: 2 of 2 CPUs online$",
                   r"vcpu: PSCI 0xc4000003 exits as VCPU_EXIT_PSCI .*: ok$",
                   r"vcpu: vCPU 1 started with x0 = 0x77, MPIDR_EL1 0x80000001 .*: ok$",
                   r"vcpu: kick: stop_request \+ smp_kick ends the run on CPU 1: ok$",
                   r"vcpu: kick: VCPU_EXIT_KICK \(kind 4\), guest PC 0x[0-9a-f]+ in its loop after \d+ rounds, "
                   r"1 kick SGI\(s\) on CPU 1: ok$",
                   r"^\[INF\] selftest vcpu: PASS"],
        "forbid": [r"FAILED", r"EXCEPTION", r"^\[PANIC\]"],
    },
]


# ---- Device MSIs routed to guests, x86_64 (issue 12: hv/guest_irq.c, arch/x86_64/irq_route.c) ----
# selftest=msi_route (hv/selftest_msi_route.c): edu's DMA-completion MSI through a route to a
# stand-in vCPU on CPU 0, moved to CPU 3, blocked when its entry verifies another requester ID
# (0x26), silent after clear; xAPIC, and x2APIC with EIME.
def msi_route_case(name, qemu_args, cmdline_extra=""):
    return {
        "name": name, "arch": "x86_64", "cmdline": "selftest=msi_route" + cmdline_extra,
        "qemu_args": SMP4 + qemu_args, "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] smp: 4 of 4 CPUs online$",
                   r"^\[INF\] irq: 00:0[0-9a-f]\.0 MSI 0 -> dmar0 entry 1 \(sid 0x[0-9a-f]+\) -> CPU 0 vector 0x40 -> "
                   r"guest msi_route vCPU 0 virq 64$",
                   r"1: route set \(0\): entry 1, CPU 0 vector 0x40, MSI enabled with remappable address 0xfee00030: ok$",
                   r"1: 5 DMA completions -> 5 messages, CPU 0 vector 0x40 taken 5 times: ok$",
                   r"2: replaced \(0\): same entry 1 and message, now CPU 3 vector 0x40: ok$",
                   r"2: 5 more completions: CPU 3 vector 0x40 taken 5 times, the old vector 0 more: ok$",
                   r"3: entry 1 rewritten for requester 0x[0-9a-f]+: nothing delivered \(10 messages\): ok$",
                   r"^\[INF\] vtd: dmar0: interrupt blocked: sid 00:0[0-9a-f]\.0 index 1 reason 0x26 ",
                   r"3: fault 0x26 sid 0x[0-9a-f]+ index 1: ok$",
                   r"3: the device's own entry again: delivered: ok$",
                   r"4: cleared: MSI off \(control 0x[0-9a-f]+\), entry 1 not present: ok$",
                   r"4: 5 more completions after clear: 11 messages in all, no stray interrupt: ok$",
                   r"5: CPU 3's 128 routed vectors all taken: route set -28, MSI off, no entry: ok$",
                   r"^\[INF\] selftest msi_route: PASS"],
        "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"FAIL", r"refused"],
    }


IRQ_ROUTE_CFG = guest_config("irq_route", extra="device = 00:01.0\ndevice = 00:06.0\nirq_routes = 1\n")
CASES += [
    msi_route_case("x86_64-msi-route", []),
    msi_route_case("x86_64-msi-route-eim", ["-global", "intel-iommu.eim=on"], " x86.x2apic"),
    # tests/guests/irq_route.c: every malformed IRQ_ROUTE gets its documented error; routes,
    # replace, remove, quota (irq_routes = 1, two edus), the fault notification; one message
    # through a route left for teardown, which removes it.
    dict(guest_case("x86_64-guest-irq-route", "irq_route", HV_EXIT_OK,
                    [r"^\[INF\] \[guest irq_route\] TEST malformed_requests: PASS$",
                     r"^\[INF\] \[guest irq_route\] TEST devices_and_ranges: PASS$",
                     r"^\[INF\] \[guest irq_route\] TEST route_replace_remove_and_quota: PASS$",
                     r"^\[INF\] \[guest irq_route\] TEST fault_notification: PASS$",
                     r"^\[INF\] \[guest irq_route\] TEST left_for_teardown: PASS$",
                     r"^\[INF\] \[guest irq_route\] TESTS: 6 passed, 0 failed$",
                     r"^\[INF\] guest irq_route: interrupt routes removed: 1 MSI route\(s\) \(1 messages\), "
                     r"[1-9]\d* fault notification\(s\)$",
                     r"^\[INF\] guest irq_route: exited with status 0"],
                    [r"^\[PANIC\]", r"EXCEPTION", r"FAIL", r"stopped:"], config=IRQ_ROUTE_CFG),
         qemu_args=EDU2),
]
# The same guest as a partition on CPU 1: its routes target CPU 1's vectors, and the fault
# notification comes from the unit's fault event on CPU 0.
CASES.append(dict(CASES[-1], name="x86_64-guest-irq-route-cpu1", qemu_args=["-smp", "2"] + SMP_ARGS + EDU2,
                  config=IRQ_ROUTE_CFG + "cpus = 1\n"))
CASES[-1]["expect"] = CASES[-1]["expect"] + [
    r"^\[INF\] irq: 00:01\.0 MSI 0 -> dmar0 entry 1 \(sid 0x8\) -> CPU 1 vector 0x[4-9a-b][0-9a-f] -> guest irq_route vCPU 0 virq 36$"]
# The first edu behind a PCIe-to-PCI bridge (BRIDGE: 01:01.0, alias 01:00.0): its entries check
# the bridge's bus range (SVT=10b, buses 1-1) and its MSI, carrying the alias, is delivered.
CASES.append(dict(CASES[-2], name="x86_64-guest-irq-route-bridge", qemu_args=BRIDGE,
                  config=guest_config("irq_route", extra="device = 01:01.0\ndevice = 00:01.0\nirq_routes = 1\n")))
CASES[-1]["expect"] = CASES[-1]["expect"] + [
    r"^\[INF\] irq: 01:01\.0 MSI 0 -> dmar0 entry 1 \(buses 0x101\) -> CPU 0 vector 0x[4-9a-b][0-9a-f] -> "
    r"guest irq_route vCPU 0 virq 36$"]


def prepare_esp(workdir, case, arch, image, cmdline, via="removable", config=None, guests=(),
                guest_dir=None):
    """Lay out the FAT directory QEMU serves as the boot disk.

    via="removable": the image is the removable-media boot file (EFI/BOOT/BOOTX64.EFI), which the
    firmware starts without load options, so the command line goes into \\ioasid-hv.cfg (the
    hypervisor reads it when its load options are empty; boot/efi_main.c).
    via="shell": no default boot file, so the firmware falls back to its UEFI shell, which runs
    startup.nsh: the image is started like a user would, with the command line as load options.
    """
    esp = os.path.join(workdir, f"esp-{case}")
    shutil.rmtree(esp, ignore_errors=True)
    if via == "shell":
        os.makedirs(os.path.join(esp, "EFI", "ioasid-hv"))
        shutil.copyfile(image, os.path.join(esp, "EFI", "ioasid-hv", "ioasid-hv.efi"))
        with open(os.path.join(esp, "startup.nsh"), "w", newline="\r\n") as f:
            f.write("fs0:\n")
            f.write(f"\\EFI\\ioasid-hv\\ioasid-hv.efi {cmdline}\n")
        return esp
    os.makedirs(os.path.join(esp, "EFI", "BOOT"))
    shutil.copyfile(image, os.path.join(esp, "EFI", "BOOT", MACHINES[arch]["boot_file"]))
    with open(os.path.join(esp, "ioasid-hv.cfg"), "w", encoding="utf-8") as f:
        # A partition configuration (docs/CONFIG.md) replaces the one-line command line.
        f.write(config if config is not None else cmdline + "\n")
    # Guest images (mk/guest.mk) go to \guests\NAME.bin, where the configurations name them.
    guest_dir = guest_dir or os.path.join(os.path.dirname(image), "guests")
    if guests:
        os.makedirs(os.path.join(esp, "guests"))
        for g in guests:
            # A missing image is left out: the hypervisor then reports it and the case fails.
            if not os.path.exists(os.path.join(guest_dir, g + ".bin")):
                continue
            shutil.copyfile(os.path.join(guest_dir, g + ".bin"),
                            os.path.join(esp, "guests", g + ".bin"))
    return esp


# ---- Users' own configurations (make run CONFIG=... GUESTS=..., make esp; README "Your own
# partitions") ----

def config_images(text):
    """The guest image paths a configuration names: [(line number, path as written)]. Only the
    `image =` lines are read here; the hypervisor's parser (and tools/cfgcheck) judge the rest."""
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^\s*image\s*=\s*([^#\s]+)", line)
        if m:
            found.append((n, m.group(1)))
    return found


def config_qemu_args(text):
    """QEMU arguments a configuration asks for in `# qemu: ARGS` comment lines (the examples
    say so what machine they need: CPUs, a second edu); the hypervisor ignores comments."""
    args = []
    for line in text.splitlines():
        m = re.match(r"^#\s*qemu:\s*(.*)$", line)
        if m:
            args += shlex.split(m.group(1))
    return args


def resolve_guest(g, guest_dir):
    """A GUESTS word: a file (any path), else the name of a built test guest
    (<guest_dir>/NAME.bin, NAME with or without .bin)."""
    if os.path.isfile(g):
        return os.path.abspath(g)
    name = g[:-4] if g.endswith(".bin") else g
    cand = os.path.join(guest_dir, name + ".bin")
    if "/" not in g and os.path.isfile(cand):
        return cand
    raise FileNotFoundError(f"guest '{g}' is neither a file nor a built test guest "
                            f"({os.path.relpath(cand, ROOT)})")


def esp_files(arch, image, config_text, guests, guest_dir):
    """What a user's ESP holds: ([(path on the ESP with '/' separators, host file)], warnings).

    The image on the removable-media boot path, then each guest: a GUESTS file goes where the
    configuration names an image of the same file name (any directory, matched without regard
    to case as FAT does), else to guests/NAME; an image the configuration names that GUESTS did
    not give is taken from the built test guests when one has its file name. The configuration
    itself is written as \\ioasid-hv.cfg by the caller."""
    files = {("efi/boot/" + MACHINES[arch]["boot_file"]).lower():
             ("EFI/BOOT/" + MACHINES[arch]["boot_file"], image)}
    named = [(line, p.lstrip("\\").replace("\\", "/")) for line, p in config_images(config_text)]
    by_base = {os.path.basename(rel).lower(): rel for _, rel in named}
    for g in guests:
        src = resolve_guest(g, guest_dir)
        base = os.path.basename(src)
        dest = by_base.get(base.lower(), "guests/" + base)
        files[dest.lower()] = (dest, src)
    warnings = []
    for line, rel in named:
        if rel.lower() in files:
            continue
        cand = os.path.join(guest_dir, os.path.basename(rel))
        if os.path.isfile(cand):
            files[rel.lower()] = (rel, cand)
        else:
            warnings.append(f"config line {line}: image \\{rel.replace('/', chr(92))} is not on the "
                            f"ESP (no GUESTS file and no built guest {os.path.basename(rel)}); the "
                            f"hypervisor will refuse the configuration")
    return list(files.values()), warnings


def write_esp_dir(esp, files, config_text):
    """The ESP as a directory (QEMU serves it with fat:rw:)."""
    shutil.rmtree(esp, ignore_errors=True)
    os.makedirs(esp)
    for dest, src in files:
        os.makedirs(os.path.join(esp, os.path.dirname(dest)), exist_ok=True)
        shutil.copyfile(src, os.path.join(esp, dest))
    with open(os.path.join(esp, "ioasid-hv.cfg"), "w", encoding="utf-8") as f:
        f.write(config_text)
    return esp


# The disk image `make esp` writes: an MBR with one partition of type 0xEF (EFI system
# partition, UEFI 2.10 5.2.1 "Legacy MBR") starting at 1 MiB, holding a FAT file system made by
# mtools (no root, no loop device). Ready for dd to a USB stick; `make run ESP=` boots it.
ESP_PART_START = 1 << 20


def write_esp_image(out, files, config_text):
    payload = sum(os.path.getsize(src) for _, src in files) + len(config_text)
    # FAT16 from 16 MiB on; room for the FATs and directories, rounded up to whole MiB.
    part = max(64 << 20, (payload * 5 // 4 + (16 << 20) + (1 << 20) - 1) & ~((1 << 20) - 1))
    if part > (2 << 30):
        raise ValueError("the ESP contents are over 2 GiB")
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.truncate(ESP_PART_START + part)
        sectors = part // 512
        entry = bytes([0x00, 0xfe, 0xff, 0xff, 0xef, 0xfe, 0xff, 0xff]) + \
            (ESP_PART_START // 512).to_bytes(4, "little") + sectors.to_bytes(4, "little")
        f.seek(446)
        f.write(entry)
        f.seek(510)
        f.write(b"\x55\xaa")
    img = f"{tmp}@@{ESP_PART_START}"

    def mtool(*argv):
        subprocess.run(list(argv), check=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    mtool("mformat", "-i", img, "-T", str(part // 512), "-h", "64", "-s", "32",
          "-H", str(ESP_PART_START // 512), "-v", "IOASIDHV", "::")
    dirs = sorted({os.path.dirname(d) for d, _ in files} - {""})
    made = set()
    for d in dirs:
        parts = d.split("/")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if sub.lower() not in made:
                mtool("mmd", "-i", img, "::/" + sub)
                made.add(sub.lower())
    for dest, src in files:
        mtool("mcopy", "-i", img, src, "::/" + dest)
    cfg = tmp + ".cfg"
    with open(cfg, "w", encoding="utf-8") as f:
        f.write(config_text)
    mtool("mcopy", "-i", img, cfg, "::/ioasid-hv.cfg")
    os.remove(cfg)
    os.replace(tmp, out)
    return out


def machine_args(m, extra):
    """The machine's arguments; an IOMMU device among the case's own arguments (AMDVI_ARGS:
    -device amd-iommu) replaces the machine's default one (q35 takes one IOMMU)."""
    args = list(m["args"])
    if any(a.startswith("amd-iommu") for a in extra) and "intel-iommu" in args:
        i = args.index("intel-iommu")
        del args[i - 1:i + 1]
    return args


def qemu_command(arch, workdir, case, esp, extra=()):
    m = MACHINES[arch]
    # esp: a directory (served as a FAT disk by QEMU's vvfat) or a disk image file (make esp).
    drive = f"format=raw,file={esp}" if os.path.isfile(esp) else f"format=raw,file=fat:rw:{esp}"
    return ([m["qemu"], "-nodefaults", "-display", "none", "-no-reboot"] + m["firmware"](workdir, case)
            + machine_args(m, list(extra)) + ["-drive", drive, "-serial", "stdio"]
            + list(extra))


def boot(arch, workdir, case, image, cmdline, timeout, log_path, extra=(), via="removable",
         config=None, guests=(), during=None, guest_dir=None, user_files=None):
    """Boot once, serial into log_path. Returns (qemu status or None on timeout, seconds).
    during: an action (tests/qemu/harness.py) run beside the machine through a qtest socket;
    the lines it returns are appended to the log. user_files: the ESP as `make run CONFIG=`
    lays it out (esp_files()), with config as its configuration."""
    if user_files is not None:
        esp = write_esp_dir(os.path.join(workdir, f"esp-{case}"), user_files, config)
    else:
        esp = prepare_esp(workdir, case, arch, image, cmdline, via, config, guests, guest_dir)
    qtest_path = None
    if during is not None:
        qtest_path, qargs = harness.qtest_args(workdir, case)
        extra = list(extra) + qargs
    cmd = qemu_command(arch, workdir, case, esp, extra)
    start = time.monotonic()
    notes = []
    with open(log_path, "wb") as log:
        log.write(("# " + " ".join(cmd) + "\n").encode())
        log.flush()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        action = None
        if during is not None:
            def run_action():
                try:
                    notes.extend(during(harness.Live(log_path, qtest_path, proc)))
                except Exception as e:  # a broken action fails the case, it does not hang it
                    notes.append(f"harness: action failed: {e!r}")
            action = threading.Thread(target=run_action, daemon=True)
            action.start()
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = None
        if action is not None:
            action.join(timeout=30)
            log.write("".join(f"\n{n}" for n in notes).encode() + b"\n")
    return rc, time.monotonic() - start


def read_log(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    return [ANSI.sub("", line) for line in text.split("\n")]


def trace_args(case, path):
    """QEMU arguments that trace the case's "trace" events into path (none without "trace")."""
    if not case.get("trace"):
        return []
    args = []
    for ev in case["trace"]:
        args += ["-trace", f"enable={ev}"]
    return args + ["-trace", f"file={path}"]


def judge(case, rc, lines, trace_lines=(), kind=None):
    """Returns a list of reasons the case failed (empty: passed). kind: the image booted."""
    m = MACHINES[case["arch"]]
    why = []
    for other in set(IMAGES) - {kind or case_image(case)}:
        if any(re.search(r"^\[INF\] boot: %s image$" % other, l) for l in lines):
            why.append(f"ran the {other} image, not the {kind or case_image(case)} image")
    if rc is None:
        why.append("timed out (hang?)")
    elif "qemu_status" in case:
        # A case about an exit path that gives QEMU no status of its own (arm64 PSCI
        # fallback): the raw status is checked, the code comes from the expected log lines.
        if rc != case["qemu_status"]:
            why.append(f"QEMU exited with status {rc}, expected {case['qemu_status']}")
    else:
        code = m["decode_exit"](rc)
        if code is None:
            why.append(f"QEMU exited with status {rc}: the hypervisor reported no exit code")
        elif code != case["exit"]:
            why.append(f"exit code {EXIT_NAMES.get(code, code)}, expected "
                       f"{EXIT_NAMES.get(case['exit'], case['exit'])} (QEMU status {rc})")
    for pat in case.get("expect", []):
        if not any(re.search(pat, l) for l in lines):
            why.append(f"missing expected line /{pat}/")
    for pat in case.get("forbid", []):
        hits = [l for l in lines if re.search(pat, l)]
        if hits:
            why.append(f"forbidden line /{pat}/: {hits[0].strip()}")
    for pat in case.get("trace_expect", []):
        if not any(re.search(pat, l) for l in trace_lines):
            why.append(f"missing expected QEMU trace line /{pat}/")
    if case.get("check"):
        why += case["check"](lines)
    if case.get("trace_check"):
        why += case["trace_check"](lines, trace_lines)
    return why


def default_build_dir(arch):
    return os.path.join(ROOT, "build", arch)


def image_path(args, arch, kind, ext=".efi"):
    """The release or test image of --build-dir (default build/<arch>) / --test-build-dir."""
    build = args.build_dir or default_build_dir(arch)
    if kind == "test":
        build = args.test_build_dir or build.rstrip("/") + IMAGES["test"][1]
    return os.path.join(build, IMAGES[kind][0] + ext)


def run_one(case, args, image, logs):
    """Boot one case; returns (seconds, reasons it failed, log lines)."""
    log_path = os.path.join(logs, f"{case['name']}.log")
    trace_path = os.path.join(logs, f"{case['name']}.trace")
    if os.path.exists(trace_path):
        os.remove(trace_path)  # a stale trace must not satisfy trace_expect
    extra = list(case.get("qemu_args", ())) + trace_args(case, trace_path)
    guest_dir = os.path.join(os.path.dirname(logs), "guests")
    config, user_files = case.get("config"), None
    if case.get("config_file"):
        # A user's configuration (examples/): the ESP, guests and QEMU arguments exactly as
        # `make run CONFIG=FILE` takes them (user_esp, run_interactive).
        with open(os.path.join(ROOT, case["config_file"]), encoding="utf-8") as f:
            config = f.read()
        user_files, _ = esp_files(case["arch"], image, config, case.get("guests", ()), guest_dir)
        extra = config_qemu_args(config) + extra
    rc, secs = boot(case["arch"], logs, case["name"], image, case["cmdline"],
                    max(args.timeout, case.get("timeout", 0)),
                    log_path, extra=extra, via=case.get("via", "removable"),
                    config=config, guests=case.get("guests", ()), during=case.get("during"),
                    guest_dir=guest_dir, user_files=user_files)
    lines = read_log(log_path)
    trace_lines = read_log(trace_path) if case.get("trace") and os.path.exists(trace_path) else []
    return secs, judge(case, rc, lines, trace_lines, case_image(case)), lines, log_path


def run_cases(args):
    cases = [c for c in CASES if c["arch"] == args.arch and (not args.case or c["name"] in args.case)]
    if args.case:
        unknown = set(args.case) - {c["name"] for c in cases}
        if unknown:
            print(f"unknown case(s) for {args.arch}: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    build = args.build_dir or default_build_dir(args.arch)
    logs = os.path.join(build, "logs")
    os.makedirs(logs, exist_ok=True)
    print(f"1..{len(cases)}", flush=True)
    images = {c["name"]: image_path(args, args.arch, case_image(c)) for c in cases}
    failed = 0
    # Cases are independent (own ESP, vars and log), so they may run side by side; results are
    # reported in list order.
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_one, case, args, images[case["name"]], logs)
                   if os.path.exists(images[case["name"]]) else None for case in cases]
        for i, (case, fut) in enumerate(zip(cases, futures), 1):
            name = case["name"] + args.name_suffix
            if fut is None:
                failed += 1
                print(f"not ok {i} - {name}: no image {images[case['name']]} (make images)")
                continue
            secs, why, lines, log_path = fut.result()
            if not why:
                print(f"ok {i} - {name} ({secs:.1f}s)", flush=True)
                continue
            failed += 1
            print(f"not ok {i} - {name} ({secs:.1f}s): {why[0]}")
            for w in why[1:]:
                print(f"#   also: {w}")
            print(f"#   log: {os.path.relpath(log_path, ROOT)}; last lines:")
            for l in [l for l in lines if l.strip()][-args.tail:]:
                print(f"#   | {l}")
            sys.stdout.flush()
    return 1 if failed else 0


# `make run` without CMDLINE (x86_64 and arm64): the demo guest (tests/guests/demo.c) with the edu device.
# `make run` without CMDLINE: two partitions of the demo guest (tests/guests/demo.c) at the same
# time, each on a CPU of its own with its own edu, their narrations interleaving on the console.
# <arch>-run-demo boots exactly this and checks it.
DEMO_PARTITIONS_CONFIG = (
    "# make run: two partitions at once (docs/CONFIG.md cpus, docs/GUEST.md)\n"
    "[guest demo_a]\nimage = \\guests\\demo.bin\nmemory = 16M\ncpus = 1\ndevice = 00:01.0\nconsole = yes\n"
    "[guest demo_b]\nimage = \\guests\\demo.bin\nmemory = 16M\ncpus = 2\ndevice = 00:06.0\n")
DEMO = {arch: {"config": DEMO_PARTITIONS_CONFIG, "guests": ["demo"],
               "qemu_args": ["-smp", "3"] + SMP_ARGS + EDU2} for arch in ("x86_64", "arm64")}


def demo_overlap(lines):
    """Both demos narrated at the same time: each one's first line comes before the other's last."""
    def where(g):
        return [i for i, l in enumerate(lines) if l.startswith(f"[INF] [guest {g}] ")]
    a, b = where("demo_a"), where("demo_b")
    if not a or not b:
        return ["demo: a guest printed nothing"]
    if not (a[0] < b[-1] and b[0] < a[-1]):
        return ["demo: the two guests did not run at the same time"]
    return []


CASES += [{"name": f"{arch}-run-demo", "arch": arch, "cmdline": "", "config": DEMO[arch]["config"],
           "guests": DEMO[arch]["guests"], "qemu_args": DEMO[arch]["qemu_args"], "exit": HV_EXIT_OK,
           "expect": [r"^\[INF\] smp: 3 of 3 CPUs online$",
                      r"^\[INF\] hv: starting 2 partition\(s\) on their own CPUs$"]
           + [r"^\[INF\] \[guest %s\] Done: everything behaved as described$" % g for g in ("demo_a", "demo_b")]
           + [r"hv: 2 guest\(s\) ran: 2 exited \(0 with a non-zero status\), 0 stopped"],
           "forbid": NO_TROUBLE + [r"stopped:", r"unexpected!"], "check": demo_overlap}
          for arch in ("x86_64", "arm64")]


# examples/ (README "Your own partitions"): each example booted exactly as `make run
# CONFIG=examples/NAME.cfg` boots it (its ESP from esp_files, its "# qemu:" arguments);
# tests/qemu/test_tools.py runs the make command itself for one of them.
EXAMPLES = {
    "single-guest": {"expect": [r"^\[INF\] \[guest demo\] Done: everything behaved as described$",
                                r"^\[INF\] guest demo: exited with status 0"]},
    "two-partitions": {"expect": [r"^\[INF\] smp: 3 of 3 CPUs online$",
                                  r"^\[INF\] hv: starting 2 partition\(s\) on their own CPUs$",
                                  r"^\[INF\] \[guest demo\] Done: everything behaved as described$"]
                       + [r"^\[INF\] \[guest worker\] TESTS: 6 passed, 0 failed$",
                          r"^\[INF\] guest worker: exited with status 0"]
                       + [r"hv: 2 guest\(s\) ran: 2 exited \(0 with a non-zero status\), 0 stopped"],
                       "timeout": 600},
}
CASES += [{"name": f"{arch}-example-{name}", "arch": arch, "cmdline": "",
           "config_file": f"examples/{name}.cfg", "exit": HV_EXIT_OK, "expect": ex["expect"],
           "timeout": ex.get("timeout", 0), "forbid": NO_TROUBLE + [r"stopped:", r"unexpected!"]}
          for name, ex in EXAMPLES.items() for arch in ("x86_64", "arm64")]

# AMD-Vi (issue 13, docs/AMDVI.md): q35 with QEMU's AMD IOMMU model instead of intel-iommu
# (AMDVI_ARGS replaces the machine's -device intel-iommu, machine_args()). The unit comes after
# at 00:01.0, so edu moves to 00:02.0. The IVRS decides: the AMD-Vi driver takes the unit over.
AMDVI_ARGS = ["-device", "amd-iommu,pt=off"]
CASES += [
    {
        "name": "x86_64-amdvi-boot",
        "arch": "x86_64",
        "cmdline": "selftest=boot",
        "qemu_args": AMDVI_ARGS,
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] ivrs: ivhd0 type 0x11 base 0xfed80000 seg 0 devid 00:02\.0 ",
                   r"^\[INF\] platform: \d+ CPU\(s\) enabled in the MADT, 1 IOMMU unit\(s\) \(0 DRHD, 1 IVHD, 0 SMMUv3\)",
                   r"IOMMU units found \(1\): ok",
                   r"edu device \(1234:11e8\) found by PCI enumeration: ok",
                   r"^\[INF\] selftest boot: PASS"],
        "forbid": NO_TROUBLE + [r"dmar: drhd"],
    },
    {
        # No self-test: the release image takes the unit over at boot, every DMA blocked.
        "name": "x86_64-amdvi-takeover",
        "arch": "x86_64",
        "cmdline": "",
        "qemu_args": AMDVI_ARGS,
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] amdvi: amdvi0: IVHD 0 type 0x11 at 0xfed80000, devid 00:02\.0, ",
                   r"^\[INF\] amdvi: amdvi0: translation enabled, \d+ device-table entries, all DMA blocked",
                   r"^\[INF\] hv: 1 IOMMU unit\(s\) taken over"],
        "forbid": NO_TROUBLE + [r"command buffer failed"],
    },
    {
        # The shared IOMMU scenarios (hv/selftest_iommu.c) through edu DMA, as x86_64-vtd.
        "name": "x86_64-amdvi",
        "arch": "x86_64",
        "cmdline": "selftest=amdvi",
        "qemu_args": AMDVI_ARGS,
        "exit": HV_EXIT_OK,
        "timeout": 300,
        "expect": [r"^\[INF\] amdvi selftest: amdvi0, v1 tables, 4-level",
                   r"^\[INF\] amdvi scenario 8 \(NESTED, shadowed\): PASS",
                   r"^\[INF\] selftest amdvi: PASS"],
        "forbid": NO_TROUBLE,
    },
    # No interrupt remapping on AMD-Vi yet: a configuration giving edu to a guest is refused
    # before any guest runs, as on a VT-d unit without IR (docs/AMDVI.md "Not given to guests").
    {"name": "x86_64-amdvi-guest-refused", "arch": "x86_64", "cmdline": "", "guests": ["dma"],
     "config": guest_config("dma", extra="device = 00:01.0\n"), "exit": HV_EXIT_BOOT,
     "qemu_args": AMDVI_ARGS,
     "expect": [r"^\[ERR\] guests: 0000:00:01\.0: its unit amdvi0 has no interrupt remapping; not assigned",
                r"^\[ERR\] config: line 6: device 0000:00:01\.0 cannot be assigned: its IOMMU unit cannot remap interrupts"],
     "forbid": [r"guest dma: start", r"\[guest dma\]", r"EXCEPTION", r"^\[PANIC\]"]},
]


# ---- Virtual interrupts, x86_64 (issue 12: arch/x86_64/vlapic.c, svm_irq.c; docs/GUEST.md
# "Interrupts") ----
# tests/guests/irq.c on two vCPUs (CPUs 1-2) with its edu: the virtual LAPIC timer at 1 kHz in HLT
# and a one-shot (TSC-deadline), IPIs both ways through the x2APIC ICR. `TEST msi` and `TEST fault`
# need IRQ_ROUTE (the x86msi helper's branch); until it is merged they fail at once (-ENOSYS), the
# guest exits with status 2 and the hypervisor with HV_EXIT_FAIL. At the merge, turn on:
#     "exit": HV_EXIT_OK,
#     r"^\[INF\] \[guest irq\] TEST msi: PASS$", r"^\[INF\] \[guest irq\] TEST fault: PASS$",
#     r"^\[INF\] \[guest irq\] msi: 1000 DMA completions, 1000 interrupts$",
#     r"^\[INF\] \[guest irq\] TESTS: 5 passed, 0 failed$", r"^\[INF\] guest irq: exited with status 0",
# and forbid NO_TROUBLE + [r"stopped:"] instead of the narrower list below.
# The irq guests wait 1000 times for an edu DMA of 100 ms of virtual time, asleep: with
# -icount shift=0,sleep=off QEMU skips the time every vCPU is idle (arm64: 107 s -> 30 s; x86_64
# no faster, 118 s against 106 s), and the counter a guest reads is an instruction count, which
# makes the interrupt latency the guest prints deterministic (docs/PERFORMANCE.md).
IRQ_CLOCK = {"x86_64": ["-icount", "shift=0,sleep=off"], "arm64": ["-icount", "shift=0,sleep=off"]}


def irq_case_x86():
    cfg = "# written by tests/qemu/run.py\n" + partition_config("irq", "1-2", "00:01.0", console=True, image="irq")
    ok = [r"^\[INF\] \[guest irq\] TEST %s: PASS$" % t for t in ("setup", "timer", "ipi", "msi", "fault")]
    return {"name": "x86_64-guest-irq", "arch": "x86_64", "cmdline": "", "guests": ["irq"], "config": cfg,
            "exit": HV_EXIT_OK, "timeout": 600, "qemu_args": ["-smp", "3"] + IRQ_CLOCK["x86_64"],
            "expect": [r"^\[INF\] smp: 3 of 3 CPUs online$",
                       r"^\[INF\] timer: local APIC timer \d+ kHz \(against the TSC\), vector 0xde$",
                       r"^\[INF\] \[guest irq\] timer: 50 interrupts at 1000 Hz in \d+ ticks"] + ok
            + [r"^\[INF\] \[guest irq\] msi: 1000 DMA completions, 1000 interrupts$",
               r"^\[INF\] \[guest irq\] TESTS: 5 passed, 0 failed$",
               r"^\[INF\] \[guest irq\] irq: \d+ interrupts taken on vCPU 0$"],
            "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"stopped:", r"FAIL",
                       r"\[guest irq\] irq: exception"]}


CASES += [irq_case_x86()]
# The guest's mistakes with its APIC stay its own (tests/guests/apic_misuse.c): registers as
# documented, NMI/INIT/SIPI/unknown-destination/illegal-vector IPIs dropped, and a write to the
# read-only ID register comes back as #GP through the guest's IDT (the SDK ends it with 0xe0 + 13).
CASES += [guest_case("x86_64-guest-apic-misuse", "apic_misuse", HV_EXIT_FAIL,
                     [r"^\[INF\] \[guest apic_misuse\] TEST registers: PASS$",
                      r"^\[INF\] \[guest apic_misuse\] TEST dropped_ipis: PASS$",
                      r"^\[INF\] \[guest apic_misuse\] apic_misuse: 0 failed; now writing the read-only x2APIC ID$",
                      r"^\[INF\] \[guest apic_misuse\] irq: exception 13 \(error code 0x0\) at RIP 0x[0-9a-f]+ on vCPU 0$",
                      r"^\[INF\] guest apic_misuse: exited with status 237",
                      r"hv: 1 guest\(s\) ran: 1 exited \(1 with a non-zero status\), 0 stopped"],
                     [r"still running", r"EXCEPTION", r"^\[PANIC\]", r"stopped:", r"TEST \w+: FAIL"])]
# arm64 physical interrupts (issue 12, docs/ARM64.md "GIC and ITS", docs/SMMUV3.md "Interrupts"):
# the SMMUv3's event-queue SPI wired from the IORT and taken by its handler (the guest's DMA
# faults reach FAULT_READ with no polling: a polled drain would log "N events drained (", a
# drain by FAULT_READ ahead of the interrupt "at FAULT_READ"; the guest runs on CPU 0, which the
# interrupt stops at once);
# the ITS self-test: edu's real MSI through the SMMU's doorbell mapping to a hypervisor LPI.
CASES += [
    dict(guest_case("arm64-smmuv3-irq", "dma", HV_EXIT_OK,
                    [r"^\[INF\] smmuv3: smmu0: event queue interrupt SPI \d+, global error SPI \d+ \(edge, to CPU MPIDR 0\), IRQ_CTRL 0x5 acknowledged$",
                     r"^\[INF\] smmuv3: smmu0: \d+ events drained by the event interrupt",
                     r"^\[INF\] smmuv3: smmu0: event queue interrupt \(SPI \d+, #1\): \d+ event\(s\) taken by the handler$",
                     r"^\[INF\] \[guest dma\] TEST unmap_blocks_and_reports: PASS$",
                     r"^\[INF\] \[guest dma\] TEST detach_blocks_and_reports: PASS$",
                     r"^\[INF\] \[guest dma\] TESTS: 6 passed, 0 failed$"],
                    NO_TROUBLE + [r"stopped:", r"events drained \(", r"at FAULT_READ", r"events are polled"],
                    config=guest_config("dma", extra="device = 00:01.0\n"), arch="arm64")),
    {
        "name": "arm64-its",
        "arch": "arm64",
        "cmdline": "selftest=its",
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] gicv3: LPIs on: configuration table 0x[0-9a-f]+ \(14 INTID bits",
                   r"^\[INF\] gicv3-its: ITS 0 at 0x8080000 enabled .* doorbell GITS_TRANSLATER 0x8090040$",
                   r"1: ITS up, edu 00:01\.0: StreamID 0x8, DeviceID 0x8 \(IORT\): ok$",
                   r"2: edu's MSI .* LPI 8192's handler ran 3 times for 3 interrupts \(on CPU 0\), LPI 8193's 0, no SMMU event: ok$",
                   r"3: EventID 0 of DeviceID 0x7f0 reaches LPI 8193 only .*: nothing: ok$",
                   r"4: edu's MSI with a forged EventID 5 .*: nothing: ok$",
                   r"5: after DISCARD and MAPD V=0 of DeviceID 0x8: edu's MSI and INT reach nothing: ok$",
                   r"6: ITS alive after \d+ commands, every LPI freed: ok$",
                   r"^\[INF\] selftest its: PASS"],
        "forbid": NO_TROUBLE + [r"FAIL", r"marked dead"],
    },
    {
        "name": "arm64-its-route",
        "arch": "arm64",
        "cmdline": "selftest=its_route",
        "exit": HV_EXIT_OK,
        "expect": [r"^\[INF\] irq_route: 0000:00:01\.0 MSI 0: DeviceID 0x8 EventID 0 -> LPI 8192 on CPU 0 -> guest its_route virq 48 \(doorbell IOVA 0xf8000000040\)$",
                   r"1: route set \(0\): LPI 8192, EventID 0; the doorbell IOVA 0xf8000000000 is not in the GPA table: ok$",
                   r"2: DMA to guest RAM through the doorbell root: ok$",
                   r"^\[INF\] irq_route: LPI 8192 -> its_route virq 48: no vGIC for this vCPU, counted \(3\)$",
                   r"3: edu's MSIs through the doorbell root and the ITS: 3 deliveries for 3 interrupts, no SMMU event: ok$",
                   r"4: route cleared: no delivery \(0\), LPI freed, DMA to guest RAM on the GPA table: ok$",
                   r"^\[INF\] selftest its_route: PASS"],
        "forbid": NO_TROUBLE + [r"FAIL", r"marked dead"],
    },
]


# arm64 virtual interrupts (issue 12; arch/arm64/vgic*.c, docs/ARM64.md "Virtual interrupts"): the
# shared guest tests/guests/irq.c on two vCPUs (CPUs 1-2) with edu 00:01.0: the virtual timer at
# 1 kHz while the vCPU sleeps in WFI, then a one-shot; 100 SGIs each way between the vCPUs.
# For the lead at merge: TEST msi and TEST fault need IRQ_ROUTE on arm64 (the ITS work); when it is
# in, add them to IRQ_TESTS_ARM64 and expect "TESTS: 5 passed, 0 failed" with HV_EXIT_OK. Until
# then they fail (the route call answers -ENOSYS, the guest skips their waits) and the guest exits
# with status 2.
IRQ_TESTS_ARM64 = ["setup", "timer", "ipi", "msi", "fault"]
CASES += [{"name": "arm64-guest-irq", "arch": "arm64", "cmdline": "", "guests": ["irq"],
           "config": "# written by tests/qemu/run.py\n" + partition_config("irq", "1-2", "00:01.0", console=True,
                                                                          image="irq"),
           "exit": HV_EXIT_OK, "timeout": 600, "qemu_args": ["-smp", "3"] + IRQ_CLOCK["arm64"],
           "expect": [r"^\[INF\] smp: 3 of 3 CPUs online$",
                      r"^\[INF\] vgic: CPU \d+: \d+ list registers",
                      r"^\[INF\] \[guest irq\] msi: 1000 DMA completions, 1000 interrupts$",
                      r"^\[INF\] \[guest irq\] TESTS: 5 passed, 0 failed$",
                      r"^\[INF\] \[guest irq\] timer: 50 interrupts at 1000 Hz in \d+ ticks"]
           + [r"^\[INF\] \[guest irq\] TEST %s: PASS$" % t for t in IRQ_TESTS_ARM64]
           + [r"^\[INF\] \[guest irq\] irq: \d+ interrupts taken on vCPU 0$"],
           "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"stopped:", r"FAIL"]}]
# Two partitions with interrupts at once (issue 12 test 3): the irq guest as irq_a on CPUs 1-2
# with the edu at 00:01.0 and as irq_b on CPUs 3-4 with the edu at 00:06.0. Each counts exactly
# its own 1000 DMA-completion MSIs (a message of the other's device would be one too many, or
# an interrupt with the wrong device status) and its own fault interrupt; timers and IPIs stay
# within each guest.
def irq_pair_case(arch):
    cfg = ("# written by tests/qemu/run.py\n" + partition_config("irq_a", "1-2", "00:01.0", console=True, image="irq")
           + partition_config("irq_b", "3-4", "00:06.0", image="irq"))
    return {"name": f"{arch}-guest-irq-pair", "arch": arch, "cmdline": "", "guests": ["irq"], "config": cfg,
            "exit": HV_EXIT_OK, "timeout": 900, "qemu_args": ["-smp", "5"] + IRQ_CLOCK[arch] + EDU2,
            "expect": [r"^\[INF\] \[guest %s\] msi: 1000 DMA completions, 1000 interrupts$" % g for g in ("irq_a", "irq_b")]
            + [r"^\[INF\] \[guest %s\] TESTS: 5 passed, 0 failed$" % g for g in ("irq_a", "irq_b")]
            + [r"^\[INF\] guest %s: exited with status 0" % g for g in ("irq_a", "irq_b")],
            "forbid": [r"^\[PANIC\]", r"EXCEPTION", r"stopped:", r"FAIL"]}


CASES += [irq_pair_case("x86_64"), irq_pair_case("arm64")]
# The vGIC as a driver sees it (tests/guests/vgic.c, one vCPU): registers, RAZ/WI of undefined
# accesses, and 8 self-SGIs of 8 priorities with 4 list registers: the overflow waits in the
# hypervisor's pending list and comes through the maintenance interrupt, most urgent first.
CASES += [guest_case("arm64-guest-vgic", "vgic", HV_EXIT_OK,
                     [r"^\[INF\] \[guest vgic\] TEST registers: PASS$",
                      r"^\[INF\] \[guest vgic\] vgic: 8 SGIs taken in the order 7 6 5 4 3 2 1 0$",
                      r"^\[INF\] \[guest vgic\] TEST lr_overflow: PASS$",
                      r"^\[INF\] \[guest vgic\] TESTS: 2 passed, 0 failed$",
                      r"^\[INF\] vgic: guest vgic vCPU 0: [1-9]\d* list-register overflow\(s\), 3 access\(es\) "
                      r"emulated as RAZ/WI"],
                     NO_TROUBLE + [r"stopped:"], arch="arm64")]


def user_esp(args, build, image):
    """The ESP of `make run` / `make esp`: ([(ESP path, host file)], configuration text).
    --config: the user's file and --guest images; --demo: the demo; else the command line."""
    guest_dir = os.path.join(build, "guests")
    if args.config:
        with open(args.config, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        guests = args.guest or []
    elif args.demo:
        # The demo's machine as a "# qemu:" line, so that an ESP image of it boots the same way.
        text = f"# qemu: {shlex.join(DEMO[args.arch]['qemu_args'])}\n" + DEMO[args.arch]["config"]
        guests = DEMO[args.arch]["guests"] + (args.guest or [])
    else:
        text, guests = args.cmdline + "\n", args.guest or []
    files, warnings = esp_files(args.arch, image, text, guests, guest_dir)
    for w in warnings:
        print(f"run.py: warning: {w}", file=sys.stderr)
    return files, text


def run_interactive(args):
    build = args.build_dir or default_build_dir(args.arch)
    image = image_path(args, args.arch, args.image)
    work = os.path.join(build, "run")
    os.makedirs(work, exist_ok=True)
    if args.esp:
        # A disk image from `make esp`: booted as it is (the image inside it, not ours).
        esp = os.path.abspath(args.esp)
        if not os.path.isfile(esp):
            print(f"run.py: no disk image {args.esp} (make esp)", file=sys.stderr)
            return 2
    else:
        try:
            files, text = user_esp(args, build, image)
        except (OSError, ValueError) as e:
            print(f"run.py: {e}", file=sys.stderr)
            return 2
        esp = write_esp_dir(os.path.join(work, "esp-run"), files, text)
    if args.esp:
        # The configuration inside the image may ask for QEMU arguments too (# qemu: lines).
        r = subprocess.run(["mtype", "-i", f"{esp}@@{ESP_PART_START}", "::/ioasid-hv.cfg"],
                           capture_output=True, text=True, errors="replace",
                           env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        extra = config_qemu_args(r.stdout) if r.returncode == 0 else []
    else:
        extra = config_qemu_args(text)
    extra += shlex.split(args.qemu_extra)
    cmd = qemu_command(args.arch, work, "run", esp, extra)
    print("+ " + " ".join(cmd), flush=True)
    rc = subprocess.call(cmd)
    code = MACHINES[args.arch]["decode_exit"](rc)
    print(f"\nQEMU status {rc}: hypervisor exit "
          f"{EXIT_NAMES.get(code, 'none reported') if code is not None else 'none reported'}")
    return 0 if code == HV_EXIT_OK else 1


def make_esp(args):
    """`make esp`: the disk image build/<arch>/esp.img (or --make-esp PATH)."""
    build = args.build_dir or default_build_dir(args.arch)
    image = image_path(args, args.arch, args.image)
    try:
        files, text = user_esp(args, build, image)
        out = write_esp_image(args.make_esp, files, text)
    except (OSError, ValueError, subprocess.CalledProcessError) as e:
        print(f"run.py: {e}", file=sys.stderr)
        return 2
    print(f"{os.path.relpath(out)}: {os.path.getsize(out) >> 20} MiB disk image, one EFI system "
          f"partition at 1 MiB holding:")
    for dest, src in files + [("ioasid-hv.cfg", None)]:
        print(f"  \\{dest.replace('/', chr(92))}" + (f"  <- {os.path.relpath(src)}" if src else ""))
    print(f"boot it: make run ARCH={args.arch} ESP={os.path.relpath(out)}; "
          f"write it: dd if={os.path.relpath(out)} of=/dev/sdX bs=4M conv=fsync")
    return 0


def run_debug(args):
    """Find the load address with a probe boot (the same machine, firmware and ESP contents
    give the same address), then start QEMU halted with a gdb stub and print the gdb command."""
    build = args.build_dir or default_build_dir(args.arch)
    image = image_path(args, args.arch, args.image)
    elf = image_path(args, args.arch, args.image, ".so")
    work = os.path.join(build, "debug")
    os.makedirs(work, exist_ok=True)
    probe_log = os.path.join(work, "probe.log")
    print("debug: probe boot to learn the image load address ...", flush=True)
    boot(args.arch, work, "debug", image, args.cmdline, args.timeout, probe_log)
    base = None
    for l in read_log(probe_log):
        m = re.search(r"ioasid-hv: image base (0x[0-9a-f]+)", l)
        if m:
            base = m.group(1)
    if base is None:
        print(f"debug: the probe boot printed no image base; see {probe_log}", file=sys.stderr)
        return 1
    esp = prepare_esp(work, "debug", args.arch, image, args.cmdline)
    cmd = qemu_command(args.arch, work, "debug", esp, ["-s", "-S"])
    gdb = "gdb-multiarch" if args.arch != "x86_64" and shutil.which("gdb-multiarch") else "gdb"
    print(f"debug: image loads at {base}. In another terminal run:\n\n"
          f"  {gdb} -ex 'target remote localhost:{args.gdb_port}' "
          f"-ex 'add-symbol-file {os.path.relpath(elf)} -o {base}' "
          f"-ex 'hbreak hv_main' -ex 'continue'\n", flush=True)
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.call(cmd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", default="x86_64", choices=sorted(MACHINES))
    ap.add_argument("--build-dir", help="directory with the release image ioasid-hv.efi, the "
                    "guests and the logs (default build/<arch>)")
    ap.add_argument("--test-build-dir", help="directory with the test image ioasid-hv-test.efi "
                    "(default: --build-dir with -test appended)")
    ap.add_argument("--image", choices=sorted(IMAGES), default="release",
                    help="--run/--debug: the image to boot (cases choose their own)")
    ap.add_argument("--case", action="append", help="run only this case (repeatable)")
    ap.add_argument("--name-suffix", default="", help="appended to case names in TAP output")
    ap.add_argument("--timeout", type=int, default=180, help="seconds per boot")
    ap.add_argument("--tail", type=int, default=40, help="log lines shown on failure")
    ap.add_argument("-j", "--jobs", type=int, default=int(os.environ.get("QEMU_JOBS", "1")),
                    help="cases booted in parallel (default $QEMU_JOBS or 1)")
    ap.add_argument("--run", action="store_true", help="boot once on this terminal")
    ap.add_argument("--debug", action="store_true", help="boot halted with a gdb stub")
    ap.add_argument("--demo", action="store_true", help="--run: boot the demo guest (x86_64)")
    ap.add_argument("--gdb-port", type=int, default=1234)
    ap.add_argument("--cmdline", default="", help="hypervisor command line for --run/--debug")
    ap.add_argument("--config", help="--run/--make-esp: this partition configuration as "
                    "\\ioasid-hv.cfg (make run CONFIG=)")
    ap.add_argument("--guest", action="append", help="--run/--make-esp: a guest image for the ESP: "
                    "a .bin file, or the name of a built test guest (repeatable; make run GUESTS=)")
    ap.add_argument("--qemu-extra", default="", help="--run: appended to the QEMU command line "
                    "(make run QEMU_EXTRA=)")
    ap.add_argument("--esp", help="--run: boot this disk image (make esp) instead of an ESP "
                    "directory")
    ap.add_argument("--make-esp", metavar="IMG", help="write a bootable FAT disk image (make esp)")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list:
        for c in CASES:
            print(f"{c['name']:24} {c['arch']:8} {case_image(c):8} {c['cmdline']}")
        return 0
    if args.run:
        return run_interactive(args)
    if args.make_esp:
        return make_esp(args)
    if args.debug:
        return run_debug(args)
    return run_cases(args)


if __name__ == "__main__":
    sys.exit(main())
