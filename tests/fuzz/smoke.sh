#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run the dispatcher fuzzer for a bounded time and report it as one TAP test:
#   ok 1 - fuzz_dispatch (N runs: K corpus inputs, then F fuzzing, minimum M)
#   not ok 1 - fuzz_dispatch (...)       followed by the end of the log, indented
# A run passes only if libFuzzer exits 0 (no invariant broken, no sanitizer report) and it
# executed at least MIN_RUNS mutated inputs after loading the corpus ("INITED"): a fuzzer that
# stopped early, spent its time re-running the corpus or never started must not pass.
# Usage: smoke.sh FUZZER SECONDS MIN_RUNS CORPUS_DIR [SEED_DIR]
bin=$1
secs=$2
min=$3
corpus=$4
seeds=$5
log=$(dirname "$bin")/fuzz-smoke.log
mkdir -p "$corpus"
"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=20 \
	-artifact_prefix="$(dirname "$bin")/" "$corpus" $seeds >"$log" 2>&1
rc=$?
# "Done N runs in S second(s)": every execution; "#K INITED": the ones that loaded the corpus.
runs=$(grep -a -o 'Done [0-9]* runs' "$log" | tail -n 1 | awk '{print $2}')
inited=$(grep -a -o '^#[0-9]*[[:space:]]*INITED' "$log" | head -n 1 | tr -cd '0-9')
fuzzed=
if [ -n "$runs" ] && [ -n "$inited" ]; then
	fuzzed=$((runs - inited))
fi
if [ "$rc" -eq 0 ] && [ -n "$fuzzed" ] && [ "$fuzzed" -ge "$min" ]; then
	echo "ok 1 - fuzz_dispatch ($runs runs: $inited corpus inputs, then $fuzzed fuzzing, minimum $min)"
	ok=1
elif [ "$rc" -eq 0 ] && [ -n "$fuzzed" ]; then
	echo "not ok 1 - fuzz_dispatch (only $fuzzed fuzzing runs after $inited corpus inputs in ${secs} s," \
		"minimum $min; log $log)"
	ok=0
else
	echo "not ok 1 - fuzz_dispatch (exit $rc, runs '${runs}', corpus '${inited}'; log $log)"
	ok=0
fi
if [ "$ok" -eq 0 ]; then
	tail -n 40 "$log" | tr -cd "\11\12\15\40-\176" | sed 's/^/    /'
fi
echo "1..1"
[ "$ok" -eq 1 ]
