#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run every test suite and print one closing line: "N passed, N failed, N skipped".

A suite is a command that prints TAP lines ("ok N - name", "not ok N - name",
"ok N - name # SKIP reason"). A suite that exits non-zero without printing a failing TAP
line, or prints no TAP line at all, counts as one failed test of its own: a crash or a
silent runner is never a pass.

Usage: run_all.py [--timeout S] -- 'cmd1' 'cmd2' ...   (each command run through the shell)
"""
import argparse
import re
import subprocess
import sys
import time

TAP = re.compile(r"^(not ok|ok)\s+\d+\s*-?\s*(.*?)(\s+#\s*SKIP\b.*)?$")


def run_suite(cmd, timeout):
    start = time.monotonic()
    print(f"# suite: {cmd}", flush=True)
    passed = failed = skipped = 0
    try:
        proc = subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace")
        deadline = start + timeout
        lines = []
        for line in proc.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            m = TAP.match(line)
            if m:
                if m.group(1) == "not ok":
                    failed += 1
                elif m.group(3):
                    skipped += 1
                else:
                    passed += 1
                print(line, flush=True)
            elif line.startswith("    ") or line.startswith("#"):
                print(line, flush=True)
            if time.monotonic() > deadline:
                proc.kill()
                print(f"not ok - suite timed out after {timeout}s: {cmd}")
                failed += 1
                break
        rc = proc.wait()
    except OSError as e:
        print(f"not ok - cannot run {cmd}: {e}")
        return 0, 1, 0
    if rc != 0 and failed == 0:
        print(f"not ok - suite exited with status {rc}: {cmd}")
        print("\n".join("    | " + l for l in lines[-30:]))
        failed += 1
    if passed + failed + skipped == 0:
        print(f"not ok - suite printed no test results: {cmd}")
        failed += 1
    print(f"# {cmd}: {passed} passed, {failed} failed, {skipped} skipped "
          f"({time.monotonic() - start:.1f}s)", flush=True)
    return passed, failed, skipped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("suites", nargs="*")
    args = ap.parse_args()
    tp = tf = ts = 0
    for cmd in args.suites:
        p, f, s = run_suite(cmd, args.timeout)
        tp, tf, ts = tp + p, tf + f, ts + s
    print(f"{tp} passed, {tf} failed, {ts} skipped")
    return 1 if tf or tp == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
