#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write seed inputs for a fuzz target (tests/fuzz/fuzz_*.c) into DIR.

fuzz_dispatch: each seed is a short guest "program" in the fuzzer's input encoding: one
configuration byte, then operations of one opcode byte (bit 7: guest B; low 3 bits: 0-2/7
hypercall, 3 stage-1 entry write, 4 memory write, 5 DMA, 6 fault injection) and a 40-byte chunk
each; MAP, UNMAP and INVALIDATE entries take 24-byte chunks after their operation. The field
order is the order fuzz_dispatch.c draws them in. Seeds start the fuzzer in deep states (mapped,
attached, nested) and one seed reaches each outcome it did not find on its own.

fuzz_config: a machine byte and a configuration text. fuzz_acpi: the captured QEMU tables
(tests/data/acpi) as [flags][len16][table] records. fuzz_decode: one record per decoder.

Usage: mkseeds.py TARGET DIR
"""
import os
import sys

OP_CHUNK = 40
ENTRY_CHUNK = 24


def op(code, fields, guest_b=False):
    body = bytes(fields)
    assert len(body) <= OP_CHUNK
    return bytes([code | (0x80 if guest_b else 0)]) + body + bytes(OP_CHUNK - len(body))


def entry(fields):
    body = bytes(fields)
    assert len(body) <= ENTRY_CHUNK
    return body + bytes(ENTRY_CHUNK - len(body))


def call(nr, n, fields, b=False):
    return op(0, [nr, n, 0] + fields, b)


# calls: field lists in draw order (pick_* menus: index 0 is the "valid, simple" choice)
ALLOC_PAGING = call(3, 0, [0, 0, 0, 0, 0, 0, 0])          # nested=0 flags kind parent dev(k,i) fmt
ALLOC_NESTED_FL = call(3, 0, [1, 0, 0, 0, 0, 1, 0, 0])  # nested=1 flags parent dev(k,i) fmt=VTD_FL root levels
ALLOC_NESTED_S1 = call(3, 0, [1, 0, 0, 0, 0, 0, 0, 0])  # fmt=ARM_S1
ALLOC_NESTED_S1_DEV1 = call(3, 0, [1, 0, 0, 0, 1, 0, 0, 0])  # on device 1 (the Arm mock)
ATTACH_RID = call(7, 0, [0, 0, 0, 0, 0, 0])                 # k dev(k,i) pasid ioasid(k,i)
ATTACH_PASID = call(7, 0, [2, 0, 0, 3, 0, 0])
DETACH_RID = call(8, 0, [0, 0, 0, 0])
FAULT_READ = call(10, 0, [0, 16, 0])
FREE_FIRST = call(4, 0, [0, 0, 0])
GET_INFO = call(1, 0, [0, 0, 0, 0])
DEVICE_LIST = call(2, 0, [0, 4, 0])


def map1(iova_sel, gpa_sel, len_sel, prot=0):
    return call(5, 1, [0, 0, 0, 0]) + entry(iova_sel + gpa_sel + len_sel + [prot, 0])


def unmap1(iova_sel, len_sel):
    return call(6, 1, [0, 0, 0, 0]) + entry(iova_sel + len_sel)


def inv(entries):
    return call(9, len(entries), [0, 0, 0, 0]) + b"".join(entry(e) for e in entries)


def dma(iova_sel, dev=0, access=1, pasid=None):
    return op(5, [dev, 2 if pasid is not None else 0, pasid or 0] + iova_sel + [access])


def s1(page, idx, bits, kind, rest):
    return op(3, [page, idx & 0xff, idx >> 8, bits, kind] + rest)


IOVA_2M = [1, 1]        # pick_iova case 1: 1 << 21
IOVA_0 = [0, 0, 0]      # case 0: take16 << 12
GPA_2M = [4, 1]         # pick_gpa case 4: 1 * 2 MiB
GPA_DATA = [8, 0, 0]    # case 8: 1 MiB
IOVA_TOP = [3, 0x00, 0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]  # case 3 (raw): 2^64 - 4 KiB
LEN_4K = [0]
LEN_2M = [2]

SEEDS = {
    "paging": bytes([0x32]) + GET_INFO + DEVICE_LIST + ALLOC_PAGING + map1(IOVA_2M, GPA_2M, LEN_2M)
    + ATTACH_RID + dma(IOVA_2M) + unmap1([0, 0, 2], LEN_4K) + dma(IOVA_2M) + FAULT_READ
    + DETACH_RID + FREE_FIRST,
    "pasid": bytes([0x32]) + ALLOC_PAGING + map1(IOVA_0, GPA_DATA, LEN_4K) + ATTACH_PASID
    + dma(IOVA_0, pasid=3) + call(8, 0, [2, 0, 0, 3]) + dma(IOVA_0, pasid=3) + FAULT_READ,
    "nested_fl": bytes([0x32]) + s1(0, 0, 1, 0, [1]) + s1(1, 0, 1, 0, [2]) + s1(2, 0, 1, 0, [3])
    + s1(3, 0, 1, 1, GPA_DATA) + s1(2, 1, 1, 0, [4]) + s1(4, 0, 1, 1, [8, 2, 0])
    + ALLOC_NESTED_FL + ATTACH_RID + dma(IOVA_0)
    + s1(3, 0, 1, 1, [8, 1, 0]) + inv([[1]]) + dma(IOVA_0)
    + s1(3, 0, 1, 3, []) + inv([[3, 0, 0, 0, 0, 0, 0] + IOVA_0 + LEN_4K]) + dma(IOVA_0),
    "nested_s1": bytes([0x32]) + s1(0, 0, 0, 0, [1]) + s1(1, 0, 0, 0, [2]) + s1(2, 0, 0, 0, [3])
    + s1(3, 0, 0, 1, GPA_DATA) + ALLOC_NESTED_S1 + ATTACH_RID + dma(IOVA_0) + inv([[1]]),
    "nested_hw": bytes([0x33]) + s1(0, 0, 1, 0, [1]) + s1(1, 0, 1, 0, [2]) + s1(2, 0, 1, 0, [3])
    + s1(3, 0, 1, 1, GPA_DATA) + ALLOC_NESTED_FL + ATTACH_RID + dma(IOVA_0)
    + s1(3, 0, 1, 1, [8, 1, 0]) + inv([[1]]) + dma(IOVA_0),
    "two_guests": bytes([0x32]) + ALLOC_PAGING + call(3, 0, [0, 0, 0, 0, 0, 0, 0], True)
    + map1(IOVA_2M, GPA_2M, LEN_2M) + call(5, 1, [0, 0, 0, 0], True)
    + entry(IOVA_2M + GPA_2M + LEN_2M + [0, 0]) + ATTACH_RID + call(7, 0, [0, 0, 0, 0, 0, 0], True)
    + dma(IOVA_2M) + op(5, [0, 0, 0] + IOVA_2M + [1], True),
    # One seed per outcome the fuzzer did not reach on its own (issue 16).
    # ALLOC -ENOSPC: 31 PAGING IOASIDs fill guest A's table (the GPA one is the 32nd); quota
    # 8 + 15 * 16 pages (configuration high nibble) is not the limit.
    "alloc_enospc": bytes([0xf2]) + ALLOC_PAGING * 32 + FREE_FIRST + ALLOC_PAGING,
    # ALLOC -EDQUOT: quota 8 pages, each PAGING root costs one.
    "alloc_edquot": bytes([0x02]) + ALLOC_PAGING * 10,
    # MAP -EOVERFLOW: IOVA 2^64 - 4 KiB, length 2 MiB + 4 KiB (pick_iova 3 = raw, pick_len 6).
    "map_eoverflow": bytes([0x32]) + ALLOC_PAGING + map1(IOVA_TOP, GPA_DATA, [6]),
    # INVALIDATE -ERANGE (a range ending above 2^48) and -EOVERFLOW (a range that wraps).
    "inv_erange": bytes([0x32]) + ALLOC_NESTED_FL + inv([[3, 0, 0, 0] + [4, 0] + LEN_4K]),
    "inv_eoverflow": bytes([0x32]) + ALLOC_NESTED_FL + inv([[3, 0, 0, 0] + IOVA_TOP + [6]]),
    # INVALIDATE -E2BIG: an Arm stage-1 table (device 1, on the Arm mock) whose root points to
    # itself: entries without AF are tables at levels 3..1 and faults at level 0, so with 9 such
    # entries an INVALIDATE ALL walks 9^3 * 512 entries, over the walk budget (2^18).
    "inv_e2big": bytes([0x32]) + s1(0, 0, 0, 0, [0]) + ALLOC_NESTED_S1_DEV1
    + b"".join(s1(0, i, 0, 0, [0]) for i in range(1, 10)) + inv([[1]]),
    # VTD_FL and ARM_S1 near the top of the input range (defect 3 lived at 2^47).
    "nested_fl_high": bytes([0x32]) + s1(0, 256, 1, 0, [1]) + s1(1, 0, 1, 0, [2]) + s1(2, 0, 1, 0, [3])
    + s1(3, 0, 1, 1, GPA_DATA) + ALLOC_NESTED_FL + ATTACH_RID + dma([3, 0, 0, 0, 0, 0, 0x80, 0, 0])
    + inv([[3, 0, 0, 0] + [3, 0, 0, 0, 0, 0, 0x80, 0, 0] + LEN_4K]) + inv([[1]]),
    "nested_s1_high": bytes([0x32]) + s1(0, 511, 0, 0, [1]) + s1(1, 0, 0, 0, [2]) + s1(2, 0, 0, 0, [3])
    + s1(3, 0, 0, 1, GPA_DATA) + ALLOC_NESTED_S1_DEV1 + call(7, 0, [0, 0, 1, 0, 0, 0])
    + inv([[3, 0, 0, 0] + [4, 1] + LEN_4K]) + inv([[1]]),
    # Teardown with an install failure (0x20: stays armed through teardown) and with a flush one.
    "teardown_install_fail": bytes([0x32]) + ALLOC_PAGING + map1(IOVA_2M, GPA_2M, LEN_2M) + ATTACH_RID
    + ATTACH_PASID + op(6, [0x21, 1]),
    "teardown_flush_fail": bytes([0x32]) + ALLOC_PAGING + map1(IOVA_2M, GPA_2M, LEN_2M) + ATTACH_RID
    + op(6, [0x22, 2]),
    # The reserved service numbers, which ioasid_dispatch() must refuse (-ENOSYS), and raw ones.
    "services": bytes([0x32]) + call(12, 0, []) + call(13, 0, []) + call(14, 0, [0x21, 0, 1, 0])
    + call(15, 0, [0xff] * 8) + call(0, 0, []) + call(11, 0, []),
}


CONFIG_EXAMPLE = b"""# the docs/CONFIG.md example
cmdline = selftest=boot
[guest demo]
image    = \\guests\\demo.bin
memory   = 64M
memory   = 16M @ 0x100000000
device   = 0000:00:03.0
pt_quota = 2M
console  = yes
[guest second]
image  = \\guests\\second.bin
memory = 32M
device = 00:04.0
"""

CONFIG_SEEDS = {
    "example": bytes([0x5f]) + CONFIG_EXAMPLE,
    "example_crlf": bytes([0xff]) + CONFIG_EXAMPLE.replace(b"\n", b"\r\n"),
    "two_consoles": bytes([0x45]) + b"[guest a]\nimage=a\nmemory=4K\nconsole=yes\n"
    b"[guest b]\nimage=b\nmemory=0x1000@0x2000\nconsole=yes\n",
    "shared_device": bytes([0x45]) + b"[guest a]\nimage=a\nmemory=1M\ndevice=0:1.0\n"
    b"[guest b]\nimage=b\nmemory=1M\ndevice=0000:00:01.0\n",
    "too_big": bytes([0x05]) + b"[guest a]\nimage=a\nmemory=64G\nmemory=64G@0x1000000000\n",
    "bom": bytes([0x45]) + b"\xef\xbb\xbf[guest a]\nimage=a\nmemory=1M\n",
}


def acpi_record(table, flags=0):
    return bytes([flags, len(table) & 0xff, len(table) >> 8]) + table


def synthetic_dmar():
    """A DMAR with what QEMU never generates: an RMRR (with an endpoint scope) and an ATSR."""
    import struct
    drhd = struct.pack("<HHBBHQ", 0, 16, 1, 0, 0, 0xfed90000)  # INCLUDE_PCI_ALL
    scope = struct.pack("<BBHBBBB", 1, 8, 0, 0, 0, 2, 0)  # endpoint 00:02.0
    rmrr = struct.pack("<HHHHQQ", 1, 32, 0, 0, 0x7f000000, 0x7f0fffff) + scope
    atsr = struct.pack("<HHBBH", 2, 8, 1, 0, 0)  # ALL_PORTS
    body = bytes([38, 1]) + bytes(10) + drhd + rmrr + atsr
    hdr = b"DMAR" + struct.pack("<I", 36 + len(body)) + bytes([1, 0]) + b"FUZZ  " + b"SYNTH   " + bytes(12)
    return hdr + body  # fuzz_acpi fixes the checksum


def synthetic_ivrs():
    """An IVRS with what QEMU never generates: a type-40h IVHD with ranges, alias, extended and
    ACPI HID entries, and IVMDs of the three kinds (AMD IOMMU spec 48882 5.2)."""
    import struct
    e = struct.pack("<BHB", 2, 0x0008, 0) + struct.pack("<BHB", 3, 0x0100, 0) + struct.pack("<BHB", 4, 0x01ff, 0)
    e += struct.pack("<BHBBHB", 0x42, 0x0208, 0, 0, 0x0200, 0) + struct.pack("<BHBBHB", 0x43, 0x0300, 0, 0, 0x0218, 0)
    e += struct.pack("<BHB", 4, 0x03ff, 0) + struct.pack("<BHBI", 0x46, 0x0400, 0, 0x80000000)
    e += struct.pack("<BHBI", 0x47, 0x0500, 0, 0) + struct.pack("<BHB", 4, 0x0507, 0)
    e += struct.pack("<BHBBHB", 0x48, 0, 0, 0x21, 0x00a0, 1) + struct.pack("<BHBBHB", 0x48, 0, 0, 0, 0x00a8, 2)
    e += struct.pack("<BHB", 0xf0, 0x00c0, 0) + b"AMDI0020" + bytes(8) + bytes([2, 2]) + b"AB"
    ivhd = struct.pack("<BBHHHQHHIQQ", 0x40, 0xb0, 40 + len(e), 2, 0x40, 0xfeb80000, 0, 0, 0, 0, 0) + e
    ivmd = struct.pack("<BBHHHQQQ", 0x21, 7, 32, 0x0008, 0, 0, 0x7f000000, 0x4000)
    ivmd += struct.pack("<BBHHHQQQ", 0x22, 3, 32, 0x0100, 0x01ff, 0, 0x7f100000, 0x1000)
    ivmd += struct.pack("<BBHHHQQQ", 0x20, 8, 32, 0, 0, 0, 0x7f200000, 0x1000)
    body = struct.pack("<IQ", 0x00203040, 0) + ivhd + ivmd
    hdr = b"IVRS" + struct.pack("<I", 36 + len(body)) + bytes([2, 0]) + b"FUZZ  " + b"SYNTH   " + bytes(12)
    return hdr + body  # fuzz_acpi fixes the checksum


def acpi_seeds():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "acpi")
    seeds = {}
    for machine in sorted(os.listdir(root)):
        d = os.path.join(root, machine)
        if not os.path.isdir(d):
            continue
        tables = [n for n in sorted(os.listdir(d)) if n.endswith(".bin") and n not in ("RSDP.bin", "XSDT.bin")]
        data = b""
        for n in tables:
            with open(os.path.join(d, n), "rb") as f:
                t = f.read()
            seeds[machine + "-" + n[:-4]] = acpi_record(t)
            data += acpi_record(t)
        seeds[machine] = data
    seeds["dmar-rmrr-atsr"] = acpi_record(synthetic_dmar())
    seeds["ivrs-ivhd40-ivmd"] = acpi_record(synthetic_ivrs())
    return seeds


def le64(v):
    return v.to_bytes(8, "little")


DECODE_SEEDS = {
    # VT-d fault records: a DMA write fault (reason 5) with PASID, an IR fault (0x22)
    "vtd_fault": bytes([0]) + le64(0x12345000) + le64((1 << 63) | (1 << 31) | (5 << 32) | (7 << 40) | 0x0010)
    + bytes([0]) + le64(0x1234 << 48) + le64((1 << 63) | (0x22 << 32) | 0x00f8),
    # PSI: 2 MiB + 4 KiB from 4 KiB with MAMV 9; the whole 48-bit space with MAMV 0
    "vtd_psi": bytes([1]) + le64(0x1000) + le64(0x202000) + bytes([9, 64])
    + bytes([1]) + le64(0) + le64(1 << 48) + bytes([0, 64]),
    # SMMUv3 F_TRANSLATION on SID 8, SSID 3; an F_STE_FETCH
    "smmu_event": bytes([2]) + le64((8 << 32) | (3 << 12) | (1 << 11) | 0x10) + le64((1 << 35) | (2 << 40))
    + le64(0xdead000) + le64(0xbeef000) + bytes([2]) + le64((9 << 32) | 0x03) + le64(0) + le64(0) + le64(0x4008),
    # range TLBI with and without RIL; the whole 48-bit space without RIL
    "smmu_tlbi": bytes([3]) + le64(0x1000) + le64(0x7fff000) + bytes([1, 64])
    + bytes([3]) + le64(0x1000) + le64(0x9000) + bytes([0, 64])
    + bytes([3]) + le64(0) + le64(1 << 48) + bytes([0, 64]),
    # AMD-Vi IO_PAGE_FAULT (PR|RW|PE, domain 5) and QEMU 10's form (perms in bits 48-49, I set)
    "amdvi_evt": bytes([4]) + le64(0x10 | (5 << 32) | (0x70 << 48) | (2 << 60)) + le64(0x10100000)
    + bytes([4]) + le64(0x08 | ((0x2000 | 0x8 | 0x2) << 48)) + le64(0x20000000),
    # INVALIDATE_IOMMU_PAGES: one page, 8 KiB across nothing, 2 MiB + 4 KiB across a 2 MiB line
    "amdvi_inv": bytes([5]) + le64(0x40005000) + le64(1) + bytes([9, 0])
    + bytes([5]) + le64(0x10000) + le64(2) + bytes([1, 0])
    + bytes([5]) + le64(0x1ff000) + le64(513) + bytes([3, 1]),
}


def main():
    target, out = sys.argv[1], sys.argv[2]
    seeds = {
        "fuzz_dispatch": lambda: SEEDS,
        "fuzz_config": lambda: CONFIG_SEEDS,
        "fuzz_acpi": acpi_seeds,
        "fuzz_decode": lambda: DECODE_SEEDS,
    }[target]()
    os.makedirs(out, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
