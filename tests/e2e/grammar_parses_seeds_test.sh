#!/usr/bin/env bash
# Every seed of a harness parses with the harness's grammar byte for byte,
# without raw bytes (`iotfuzz grammar parse` exits 0 only then) and without a
# field that breaks a relation or constraint: the grammar describes the valid
# messages the harness is fed.
#
#   grammar_parses_seeds_test.sh IOTFUZZ GRAMMAR SEED_DIR
set -euo pipefail
iotfuzz=$1 grammar=$2 seeds=$3
count=0 failed=0
for seed in "$seeds"/*; do
  [ -f "$seed" ] || continue
  count=$((count + 1))
  parsed=$("$iotfuzz" grammar parse --json "$grammar" "$seed" 2>/dev/null) && status=0 || status=$?
  if [ "$status" -ne 0 ] || ! grep -q '"lying_fields": 0,' <<<"$parsed"; then
    echo "FAIL: $(basename "$seed") does not parse completely:"
    "$iotfuzz" grammar parse "$grammar" "$seed" | tail -n 20 || true
    failed=$((failed + 1))
  fi
done
echo "$count seeds, $failed not explained by the grammar"
[ "$count" -gt 0 ] && [ "$failed" -eq 0 ]
