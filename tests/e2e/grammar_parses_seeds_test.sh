#!/usr/bin/env bash
# Every seed of a harness parses with the harness's grammar byte for byte and
# without raw bytes (`iotfuzz grammar parse` exits 0 only then): the grammar
# describes the real messages the harness is fed.
#
#   grammar_parses_seeds_test.sh IOTFUZZ GRAMMAR SEED_DIR
set -euo pipefail
iotfuzz=$1 grammar=$2 seeds=$3
count=0 failed=0
for seed in "$seeds"/*; do
  [ -f "$seed" ] || continue
  count=$((count + 1))
  if ! "$iotfuzz" grammar parse "$grammar" "$seed" >/dev/null 2>&1; then
    echo "FAIL: $(basename "$seed") does not parse completely:"
    "$iotfuzz" grammar parse "$grammar" "$seed" | tail -n 20 || true
    failed=$((failed + 1))
  fi
done
echo "$count seeds, $failed not explained by the grammar"
[ "$count" -gt 0 ] && [ "$failed" -eq 0 ]
