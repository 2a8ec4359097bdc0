#!/usr/bin/env bash
# `iotfuzz run --engine afl` on a harness with a grammar loads the iotfuzz
# AFL++ custom mutator: AFL++ names the queue entries it keeps after the
# mutator's description, so entries named "...iotfuzzMS<n><operations>" prove that
# grammar mutations ran and found new coverage.
#
#   afl_grammar_mutator_test.sh IOTFUZZ HARNESS EXECUTIONS
set -euo pipefail
iotfuzz=$1 harness=$2 executions=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
timeout 300 "$iotfuzz" run "$harness" --engine afl --runs "$executions" --seed 1 --out "$work/out" \
    >"$work/run.log" 2>&1 || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
  echo "FAIL: iotfuzz run exited with $status"; tail -n 30 "$work/run.log"; exit 1
fi
grep -q "AFL_CUSTOM_MUTATOR_LIBRARY=" "$work/run.log" || { echo "FAIL: custom mutator not passed to afl-fuzz"; exit 1; }
queue=$work/out/afl/default/queue
[ -d "$queue" ] || { echo "FAIL: no AFL++ queue in $work/out/afl"; tail -n 30 "$work/run.log"; exit 1; }
by_grammar=$(find "$queue" -maxdepth 1 -name '*iotfuzzMS*' | wc -l)
total=$(find "$queue" -maxdepth 1 -name 'id:*' | wc -l)
echo "queue entries: $total, from grammar mutations: $by_grammar"
[ "$by_grammar" -ge 1 ] || { echo "FAIL: no queue entry came from the grammar mutator"; exit 1; }
