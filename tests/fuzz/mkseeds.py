#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a few seed inputs for tests/fuzz/fuzz_dispatch.c into DIR.

Each seed is a short guest "program" in the fuzzer's input encoding: one configuration byte,
then operations of one opcode byte (bit 7: guest B; low 3 bits: 0-2/7 hypercall, 3 stage-1
entry write, 4 memory write, 5 DMA, 6 fault injection) and a 40-byte chunk each; MAP, UNMAP
and INVALIDATE entries take 24-byte chunks after their operation. The field order is the
order fuzz_dispatch.c draws them in. Seeds start the fuzzer in deep states (mapped, attached,
nested) instead of leaving it to find the encoding byte by byte.

Usage: mkseeds.py DIR
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
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
