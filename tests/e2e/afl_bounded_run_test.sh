#!/usr/bin/env bash
# Runs afl-fuzz on a harness's AFL++ binary for a fixed number of executions
# from its seed corpus and checks what AFL++ leaves behind: statistics that
# count the executions, a queue holding at least the seeds, and coverage found
# by the instrumentation (edges_found > 0 means the afl-clang-fast++ build
# really reports edges to the shared-memory map).
#
#   afl_bounded_run_test.sh AFL_BINARY SEED_DIR DICT EXECUTIONS
set -euo pipefail
binary=$1 seeds=$2 dict=$3 executions=$4

command -v afl-fuzz >/dev/null || { echo "FAIL: afl-fuzz not installed (run scripts/setup)"; exit 1; }
[ -x "$binary" ] || { echo "FAIL: $binary not built"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dict_args=()
[ -f "$dict" ] && dict_args=(-x "$dict")
export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
       AFL_NO_AFFINITY=1 AFL_SKIP_CRASHES=1 AFL_NO_STARTUP_CALIBRATION=1 \
       ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0:allocator_may_return_null=1 \
       UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1
# -E bounds the run by executions; the outer timeout only guards a broken
# setup (AFL++ waiting on a forkserver that never answers).
timeout 300 afl-fuzz -i "$seeds" -o "$work/out" "${dict_args[@]}" -m none -t 1000+ \
    -s 1 -E "$executions" -- "$binary" >"$work/afl.log" 2>&1 || {
  echo "FAIL: afl-fuzz exited with $?"; tail -n 40 "$work/afl.log"; exit 1; }

stats=$work/out/default/fuzzer_stats
[ -f "$stats" ] || { echo "FAIL: no fuzzer_stats"; tail -n 40 "$work/afl.log"; exit 1; }
field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
execs=$(field execs_done)
edges=$(field edges_found)
queue=$(find "$work/out/default/queue" -maxdepth 1 -type f -name 'id:*' | wc -l)
seed_count=$(find "$seeds" -maxdepth 1 -type f | wc -l)
echo "execs_done=$execs edges_found=$edges queue=$queue seeds=$seed_count"

fail=0
[ "$execs" -ge "$executions" ] || { echo "FAIL: execs_done $execs < $executions"; fail=1; }
[ "$edges" -ge 20 ] || { echo "FAIL: edges_found $edges < 20: instrumentation missing?"; fail=1; }
[ "$queue" -ge 1 ] || { echo "FAIL: empty queue"; fail=1; }
grep -q 'afl_version *: ++4' "$stats" || { echo "FAIL: not an AFL++ 4.x stats file"; fail=1; }
exit $fail
