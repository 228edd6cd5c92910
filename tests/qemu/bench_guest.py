#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""In-guest call costs (issue 15, docs/PERFORMANCE.md "In the guest").

The bench guest (tests/guests/bench.c) prints "bench: OP N instructions" under -icount shift=0
and, before each operation, makes its edu fault once at an unmapped IOVA: that fault is a marker
in QEMU's trace. Between two markers QEMU saw ROUNDS calls of the operation (and ROUNDS calls
of its setup: an UNMAP before each MAP, a MAP before each UNMAP; MAP never invalidates here, so
an UNMAP segment holds exactly the UNMAPs' invalidation commands).

    python3 tests/qemu/bench_guest.py [--update] ARCH...   print the table of the last run
                                                           (build/ARCH/logs/ARCH-bench-guest.*)

Used by tests/qemu/run.py's <arch>-bench-guest case: check() fails when an instruction count
rose by more than 10% or an invalidation count rose at all, against bench_guest_ref.json.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "bench_guest_ref.json")
ROUNDS = 8
OPS = ["null", "map_4k", "unmap_4k", "map_256x4k", "unmap_256x4k", "map_batch128", "unmap_batch128"]
MARKED = ["null", "unmap_4k", "unmap_256x4k", "unmap_batch128"]  # in the order the guest runs them
TOLERANCE = 1.10

# QEMU trace events (-trace enable=...): the markers and the commands counted.
TRACE_EVENTS = {
    "x86_64": ["vtd_dmar_fault", "vtd_inv_qi_tail", "vtd_inv_desc_wait_sw", "vtd_inv_desc_iotlb_*"],
    "arm64": ["smmuv3_record_event", "smmuv3_write_mmio", "smmuv3_cmdq_opcode"],
}


def _kind(arch, line):
    """What a trace line counts as: marker, submission, wait, inval, or None."""
    ev = line.split(" ", 1)[0]
    if arch == "x86_64":
        return {"vtd_dmar_fault": "marker", "vtd_inv_qi_tail": "submission",
                "vtd_inv_desc_wait_sw": "wait"}.get(ev, "inval" if ev.startswith("vtd_inv_desc_iotlb") else None)
    if ev == "smmuv3_record_event":
        return "marker"
    if ev == "smmuv3_write_mmio":  # a write of SMMU_CMDQ_PROD (0x98) submits commands
        return "submission" if re.search(r"addr: 0x98 ", line) else None
    if ev == "smmuv3_cmdq_opcode":
        return "wait" if "CMD_SYNC" in line else ("inval" if "TLBI" in line else None)
    return None


def parse(arch, lines, trace):
    """{op: {"insns": n, "submission": x, "wait": y, "inval": z}} (per call), or raises ValueError."""
    res = {}
    for l in lines:
        m = re.search(r"\[guest bench\] bench: (\w+) (\d+) instructions", l)
        if m:
            res[m.group(1)] = {"insns": int(m.group(2))}
    segs, cur = [], None
    for l in trace:
        k = _kind(arch, l)
        if k == "marker":  # the guest's marker DMA is 4 bytes: one access, one fault
            if cur is not None:
                segs.append(cur)
            cur = {"submission": 0, "wait": 0, "inval": 0}
        elif k and k != "marker" and cur is not None:
            cur[k] += 1
    if cur is not None:
        segs.append(cur)
    if len(segs) < len(MARKED):
        raise ValueError(f"{len(segs)} trace segments between markers, expected {len(MARKED)} (is the trace there?)")
    for op in OPS:
        if op not in res:
            raise ValueError(f"no cost printed for {op}")
    for op, seg in zip(MARKED, segs):
        for k, v in seg.items():
            res[op][k] = v / ROUNDS
    return res


def check(arch, lines, trace):
    """Reasons the figures regressed (empty: fine)."""
    try:
        res = parse(arch, lines, trace)
    except ValueError as e:
        return [f"bench: {e}"]
    ref = json.load(open(REF)).get(arch, {}) if os.path.exists(REF) else {}
    why = []
    for op in OPS:
        r = ref.get(op)
        if r is None:
            why.append(f"bench: no reference for {arch} {op} (run make bench-guest BENCH_UPDATE=1)")
            continue
        if res[op]["insns"] > r["insns"] * TOLERANCE:
            why.append(f"bench: {op} costs {res[op]['insns']} instructions, reference {r['insns']} (+10% allowed)")
        for k in ("submission", "wait", "inval"):
            if k in r and res[op].get(k, 0) > r[k]:
                why.append(f"bench: {op} sends {res[op][k]} {k}s per call, reference {r[k]}")
    return why


def table(arch, res):
    out = [f"{arch}: instructions per call, all-in (-icount shift=0), and IOMMU commands per call",
           f"  {'call':<16} {'instructions':>12} {'submissions':>11} {'waits':>6} {'invalidations':>13}"]
    for op in OPS:
        r = res[op]
        f = (lambda k: f"{r[k]:g}" if k in r else "-")
        out.append(f"  {op:<16} {r['insns']:>12} {f('submission'):>11} {f('wait'):>6} {f('inval'):>13}")
    return "\n".join(out)


def main(argv):
    update = "--update" in argv
    arches = [a for a in argv if not a.startswith("--")] or ["x86_64", "arm64"]
    ref = json.load(open(REF)) if os.path.exists(REF) else {}
    for arch in arches:
        base = os.path.join(HERE, "..", "..", "build", arch, "logs", f"{arch}-bench-guest")
        lines = open(base + ".log", errors="replace").read().splitlines()
        trace = open(base + ".trace", errors="replace").read().splitlines() if os.path.exists(base + ".trace") else []
        res = parse(arch, lines, trace)
        print(table(arch, res))
        if update:
            ref[arch] = res
    if update:
        with open(REF, "w") as f:
            json.dump(ref, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"written {REF}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
