#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instruction counts per call for the page-table benchmark cases, under callgrind.

Runs `bench_pt --quick --case N FMT` under valgrind --tool=callgrind for every case and format,
reads the inclusive instruction counts (Ir) of bench_map_batch, bench_unmap_batch,
baseline_store and baseline_clear, and prints them per call with the ratio to the baseline.
Instruction counts are exact and repeatable, unlike wall clock on a shared machine; they do not
see cache misses.

Usage: callgrind.py path/to/bench_pt [outdir]
"""
import os
import re
import subprocess
import sys

NCASES = 6
FMTS = 2
FUNCS = ("bench_map_batch", "bench_unmap_batch", "baseline_store", "baseline_clear")


def inclusive(outfile):
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", outfile],
                         capture_output=True, text=True, check=True).stdout
    got = {}
    for line in ann.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+\S*:(\w+)", line)
        if m and m.group(2) in FUNCS and m.group(2) not in got:
            got[m.group(2)] = int(m.group(1).replace(",", ""))
    return got


def main():
    bench = sys.argv[1]
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(bench)
    fmt_name = None
    for f in range(FMTS):
        for c in range(NCASES):
            out = os.path.join(outdir, f"callgrind.case{c}.fmt{f}.out")
            run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                                  bench, "--quick", "--case", str(c), str(f)],
                                 capture_output=True, text=True, check=True)
            m = re.search(r"case (.+?) fmt (.+?) rounds (\d+) calls (\d+) ptes (\d+)", run.stdout)
            name, fname, rounds, calls, ptes = m.group(1), m.group(2), *map(int, m.group(3, 4, 5))
            if fname != fmt_name:
                fmt_name = fname
                print(f"\n{fname} (instructions per call, callgrind, {rounds}+ rounds)")
                print(f"  {'case':<16} {'PTEs':>8} {'map Ir':>12} {'base Ir':>10} {'ratio':>7}"
                      f" {'unmap Ir':>12} {'base Ir':>10} {'ratio':>7}")
            ir = inclusive(out)
            per = {k: ir.get(k, 0) / (rounds * calls) for k in FUNCS}
            bm = max(per["baseline_store"], 1)
            bu = max(per["baseline_clear"], 1)
            print(f"  {name:<16} {ptes:>8} {per['bench_map_batch']:>12.0f} {bm:>10.0f}"
                  f" {per['bench_map_batch'] / bm:>7.1f} {per['bench_unmap_batch']:>12.0f}"
                  f" {bu:>10.0f} {per['bench_unmap_batch'] / bu:>7.1f}", flush=True)


if __name__ == "__main__":
    main()
