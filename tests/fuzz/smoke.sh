#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run the dispatcher fuzzer for a bounded time and report it as one TAP test:
#   ok 1 - fuzz_dispatch (N runs)        no invariant broken, no sanitizer report
#   not ok 1 - fuzz_dispatch (...)       followed by the end of the log, indented
# Usage: smoke.sh FUZZER SECONDS CORPUS_DIR [SEED_DIR]
bin=$1
secs=$2
corpus=$3
seeds=$4
log=$(dirname "$bin")/fuzz-smoke.log
mkdir -p "$corpus"
"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=20 \
	-artifact_prefix="$(dirname "$bin")/" "$corpus" $seeds >"$log" 2>&1
rc=$?
runs=$(grep -a -o 'Done [0-9]* runs' "$log" | tail -n 1 | awk '{print $2}')
if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
	echo "ok 1 - fuzz_dispatch ($runs runs)"
else
	echo "not ok 1 - fuzz_dispatch (exit $rc, log $log)"
	tail -n 40 "$log" | tr -cd "\11\12\15\40-\176" | sed 's/^/    /'
fi
echo "1..1"
[ "$rc" -eq 0 ] && [ -n "$runs" ]
