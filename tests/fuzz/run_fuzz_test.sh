#!/usr/bin/env bash
# Runs a libFuzzer target of iotfuzz's own parsers for a fixed number of runs
# with a fixed seed, starting from its committed seed corpus. New inputs go to
# a scratch directory, so the committed corpus is never written. Fails when
# the fuzzer finds a crash, leak, timeout or OOM (non-zero exit).
#
#   run_fuzz_test.sh FUZZER RUNS SEED_CORPUS_DIR
set -euo pipefail
fuzzer=$1 runs=$2 seeds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
"$fuzzer" -seed=1 -runs="$runs" -reload=0 -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" 2>&1 | tail -n 60
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  echo "FAIL: $(basename "$fuzzer") exited with $status; artifacts:"
  for f in "$work"/artifacts/*; do [ -f "$f" ] && { echo "$f"; od -c "$f" | head -n 20; }; done
fi
exit "$status"
