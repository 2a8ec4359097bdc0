#!/usr/bin/env bash
# Checks of the harnesses of third-party components (libcoap, mosquitto),
# registered by tests/targets/libcoap_mosquitto.cmake. Every check is
# deterministic: fixed seeds and run counts, no time limits.
#
#   libcoap_mosquitto_harness_test.sh fuzz-runs LIBFUZZER_BIN SEED_DIR DICT RUNS [KNOWN_SIGNATURE...]
#       libFuzzer with -seed=1 -runs=RUNS from a copy of SEED_DIR. Passes when
#       the run ends without a crash, or when its sanitizer report contains one
#       of the KNOWN_SIGNATUREs (a documented finding still open in the pinned
#       version, whose reproducer has its own test).
#   libcoap_mosquitto_harness_test.sh component-edges LIBFUZZER_BIN SEED_DIR COMPONENT_DIR MIN_EDGES
#       Runs the seeds once (-runs=0 -print_coverage=1) and sums the covered
#       edges of the functions whose source lies below COMPONENT_DIR, i.e. of
#       the component alone, without the harness. Passes at MIN_EDGES or more.
#   libcoap_mosquitto_harness_test.sh seeds-match GENERATOR SOURCE_ROOT PATH...
#       Runs the seed generator into a scratch root; each PATH (relative to
#       the root) must hold exactly the same files, byte for byte, in the
#       scratch root and in SOURCE_ROOT.
#   libcoap_mosquitto_harness_test.sh reproducer-crashes REPLAY_BIN FILE SIGNATURE
#       FILE must still crash the replay binary with a report containing
#       SIGNATURE.
set -uo pipefail

die() { echo "FAIL: $*" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-symbolize=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

mode=${1:-}
shift || true
case $mode in
  fuzz-runs)
    [ $# -ge 4 ] || die "usage: fuzz-runs LIBFUZZER_BIN SEED_DIR DICT RUNS [KNOWN_SIGNATURE...]"
    bin=$1 seeds=$2 dict=$3 runs=$4
    shift 4
    mkdir -p "$scratch/corpus" "$scratch/artifacts"
    cp "$seeds"/* "$scratch/corpus/" 2>/dev/null
    "$bin" -seed=1 -runs="$runs" -dict="$dict" -max_len=4096 -artifact_prefix="$scratch/artifacts/" \
        "$scratch/corpus" >"$scratch/log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
      grep -E "^#[0-9]+[[:space:]]+DONE" "$scratch/log" | tail -n 1
      echo "PASS: $runs runs without a crash"
      exit 0
    fi
    for signature in "$@"; do
      if grep -qF -- "$signature" "$scratch/log"; then
        grep -E "^#[0-9]+[[:space:]]+(INITED|DONE|NEW)" "$scratch/log" | tail -n 1
        echo "PASS: stopped at a known finding ($signature)"
        exit 0
      fi
    done
    tail -n 60 "$scratch/log" >&2
    for f in "$scratch"/artifacts/*; do
      [ -f "$f" ] && echo "reproducer (base64): $(base64 -w0 "$f")" >&2
    done
    die "libFuzzer exited with $rc and no known finding in its report"
    ;;
  component-edges)
    [ $# -eq 4 ] || die "usage: component-edges LIBFUZZER_BIN SEED_DIR COMPONENT_DIR MIN_EDGES"
    bin=$1 seeds=$2 component=$3 min=$4
    ASAN_OPTIONS=symbolize=1:detect_leaks=0 "$bin" -runs=0 -print_coverage=1 "$seeds" >"$scratch/log" 2>&1 \
      || { tail -n 40 "$scratch/log" >&2; die "the seeds did not run"; }
    total=$(grep -E "INITED cov: " "$scratch/log" | sed -E 's/.*cov: ([0-9]+).*/\1/' | tail -n 1)
    edges=$(awk -v dir="$component/" '
        $1 == "COVERED_FUNC:" && index($NF, dir) == 1 {
          for (i = 1; i <= NF; i++) if ($i == "edges:") { split($(i + 1), a, "/"); sum += a[1] }
        }
        END { print sum + 0 }' "$scratch/log")
    echo "component edges covered by the seeds: $edges (all edges: ${total:-?})"
    [ "$edges" -ge "$min" ] || die "fewer than $min edges of $component covered"
    echo "PASS"
    ;;
  seeds-match)
    [ $# -ge 3 ] || die "usage: seeds-match GENERATOR SOURCE_ROOT PATH..."
    gen=$1 root=$2
    shift 2
    "$gen" "$scratch/root" || die "the seed generator failed"
    status=0
    for path in "$@"; do
      if ! diff -r "$scratch/root/$path" "$root/$path" >"$scratch/diff" 2>&1; then
        cat "$scratch/diff" >&2
        echo "FAIL: $path differs from the generator's output (regenerate: $gen $root)" >&2
        status=1
      fi
    done
    [ $status -eq 0 ] && echo "PASS"
    exit $status
    ;;
  reproducer-crashes)
    [ $# -eq 3 ] || die "usage: reproducer-crashes REPLAY_BIN FILE SIGNATURE"
    bin=$1 file=$2 signature=$3
    "$bin" "$file" >"$scratch/log" 2>&1
    rc=$?
    cat "$scratch/log"
    [ $rc -ne 0 ] || die "$file no longer crashes: the finding is fixed in this build"
    grep -qF -- "$signature" "$scratch/log" || die "the report does not contain '$signature'"
    echo "PASS: crashes with '$signature'"
    ;;
  *)
    die "unknown mode '$mode' (fuzz-runs, component-edges, seeds-match, reproducer-crashes)"
    ;;
esac
