#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run each fuzz target for a bounded time and report one TAP test per target:
#   ok N - fuzz_acpi (12345 runs)          no finding, and at least MIN executions
#   not ok N - fuzz_acpi (...)             a finding (then the end of the log, indented),
#                                          no execution count, or fewer than MIN executions
# A harness that hangs, exits early or silently skips its work fails on the count.
# Usage: smoke.sh FUZZ_DIR NAME:SECONDS:MIN_RUNS ...
#   binary FUZZ_DIR/NAME, corpus FUZZ_DIR/NAME-corpus, seeds FUZZ_DIR/NAME-seeds,
#   libFuzzer options tests/fuzz/NAME.options, log FUZZ_DIR/NAME-smoke.log
dir=$1
shift
n=0
bad=0
for spec in "$@"; do
	name=${spec%%:*}
	rest=${spec#*:}
	secs=${rest%%:*}
	min=${rest#*:}
	n=$((n + 1))
	log=$dir/$name-smoke.log
	opts=$(cat "tests/fuzz/$name.options" 2>/dev/null)
	mkdir -p "$dir/$name-corpus"
	# shellcheck disable=SC2086
	"$dir/$name" $opts -max_total_time="$secs" -print_final_stats=1 -timeout=20 \
		-artifact_prefix="$dir/$name-" "$dir/$name-corpus" "$dir/$name-seeds" >"$log" 2>&1
	rc=$?
	runs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n 1 | awk '{print $2}')
	if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -ge "$min" ]; then
		echo "ok $n - $name ($runs runs)"
	else
		bad=1
		echo "not ok $n - $name (exit $rc, ${runs:-no} runs, minimum $min, log $log)"
		tail -n 40 "$log" | tr -cd "\11\12\15\40-\176" | sed 's/^/    /'
	fi
done
echo "1..$n"
[ "$bad" -eq 0 ]
