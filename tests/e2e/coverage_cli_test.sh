#!/usr/bin/env bash
# iotfuzz coverage end to end on a demo device harness: configures a
# coverage build tree of the demo device (the command builds the _cov binary
# itself), runs the seed corpus through it and checks the report: the
# harness's component files with nonzero coverage, a file only another
# interface uses with none, more lines covered by the whole corpus than by
# one seed, the HTML report, and clear errors (exit 1) for an unknown
# harness, a missing or empty corpus, missing LLVM tools, a missing coverage
# build and an unbuilt binary with --no-build.
#
#   coverage_cli_test.sh IOTFUZZ SOURCE_DIR WORK_DIR
set -euo pipefail
iotfuzz=$1 source_dir=$2 work=$3
h=demo_device_http_fuzzer
seeds=$source_dir/corpora/$h

rm -rf "$work"
mkdir -p "$work"
fail=0
failure() { echo "FAIL: $*"; fail=1; }

# expect_error DESCRIPTION PATTERN COMMAND...: exit status 1 and PATTERN on stderr.
expect_error() {
  local what=$1 pattern=$2
  shift 2
  local status=0
  "$@" >"$work/err.out" 2>"$work/err.log" || status=$?
  if [ $status -ne 1 ]; then
    failure "$what: exit status $status, expected 1"; cat "$work/err.log"
  elif ! grep -q -- "$pattern" "$work/err.log"; then
    failure "$what: stderr lacks '$pattern':"; cat "$work/err.log"
  else
    echo "ok: $what: $(head -n 1 "$work/err.log")"
  fi
}

cov_build=$work/coverage-build
cmake -S "$source_dir" -B "$cov_build" -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIOTFUZZ_VARIANT=coverage -DIOTFUZZ_BUILD_TESTS=OFF \
      -DIOTFUZZ_REAL_COMPONENTS=OFF -DIOTFUZZ_WITH_AFL=OFF >"$work/configure.log" 2>&1 \
  || { tail -n 20 "$work/configure.log"; echo "FAIL: cannot configure the coverage tree"; exit 1; }

mkdir -p "$work/empty" "$work/nobin"
expect_error "unknown harness" "unknown harness 'no_such_fuzzer'" \
  "$iotfuzz" coverage no_such_fuzzer --corpus "$seeds" --coverage-build "$cov_build"
expect_error "missing corpus" "does not exist" \
  "$iotfuzz" coverage $h --corpus "$work/no-corpus" --coverage-build "$cov_build"
expect_error "empty corpus" "holds no input files" \
  "$iotfuzz" coverage $h --corpus "$work/empty" --coverage-build "$cov_build"
expect_error "missing LLVM tools" "llvm-profdata-14 or llvm-profdata not found in PATH" \
  env PATH="$work/nobin" "$iotfuzz" coverage $h --corpus "$seeds" --coverage-build "$cov_build"
expect_error "missing coverage build" "cmake --preset coverage" \
  "$iotfuzz" coverage $h --corpus "$seeds" --coverage-build "$work/no-build"
expect_error "--no-build without a binary" "is not built; build it with: cmake --build" \
  "$iotfuzz" coverage $h --corpus "$seeds" --coverage-build "$cov_build" --no-build

# The whole seed corpus (the command builds demo_device_http_fuzzer_cov).
out=$work/all
if ! "$iotfuzz" coverage $h --corpus "$seeds" --out "$out" --coverage-build "$cov_build" \
     >"$work/all.txt" 2>"$work/all.log"; then
  cat "$work/all.log"; echo "FAIL: iotfuzz coverage failed"; exit 1
fi
cat "$work/all.txt"

# covered_lines FILE ROW: the covered line count of ROW (first column) in a summary table.
covered_lines() { awk -v f="$2" '$1 == f { split($2, a, "/"); print a[1] }' "$1"; }
total_lines() { awk -v f="$2" '$1 == f { split($2, a, "/"); print a[2] }' "$1"; }

for f in targets/demo_device/src/http_api.c targets/demo_device/src/json.c targets/demo_device/$h.cc; do
  n=$(covered_lines "$work/all.txt" $f)
  [ "${n:-0}" -gt 0 ] || failure "$f: ${n:-no row} covered lines, expected > 0"
done
coap=$(covered_lines "$work/all.txt" targets/demo_device/src/coap_server.c)
[ "${coap:-x}" = 0 ] || failure "coap_server.c (CoAP interface only): '${coap:-no row}' covered lines, expected 0"
grep -q '^TOTAL ' "$work/all.txt" || failure "no TOTAL row"
grep -q 'replay_main' "$work/all.txt" && failure "the replay driver is listed"
count=$(find "$seeds" -maxdepth 1 -type f | wc -l)
grep -q "^$count of $count inputs ran to the end" "$work/all.txt" || failure "not all $count seeds ran to the end"
[ -s "$out/html/index.html" ] && grep -q 'http_api.c' "$out/html/index.html" \
  || failure "no HTML report naming http_api.c in $out/html"
[ -s "$out/coverage.profdata" ] || failure "no merged profile"
[ -s "$out/summary.json" ] || failure "no summary.json"

# One seed covers fewer lines of the HTTP handler than all twelve; the line
# total is the same file's.
out1=$work/one
"$iotfuzz" coverage $h --corpus "$seeds/get_status.http" --out "$out1" --coverage-build "$cov_build" --no-build \
  >"$work/one.txt" 2>"$work/one.log" || { cat "$work/one.log"; failure "coverage of one seed failed"; }
all_n=$(covered_lines "$work/all.txt" targets/demo_device/src/http_api.c)
one_n=$(covered_lines "$work/one.txt" targets/demo_device/src/http_api.c)
echo "http_api.c lines covered: all seeds ${all_n:-?}, get_status.http ${one_n:-?}"
[ "${one_n:-0}" -gt 0 ] && [ "${one_n:-0}" -lt "${all_n:-0}" ] \
  || failure "one seed covers ${one_n:-?} lines of http_api.c, all seeds ${all_n:-?}: expected 0 < one < all"
[ "$(total_lines "$work/one.txt" targets/demo_device/src/http_api.c)" = \
  "$(total_lines "$work/all.txt" targets/demo_device/src/http_api.c)" ] || failure "line totals of http_api.c differ"

# An input that kills the _cov binary (GATT-2 writes far past a buffer; the
# coverage build has no sanitizer to stop it first): the other inputs still
# count, the bad one is named. Checked only where that input does crash.
g=demo_device_gatt_fuzzer
repro=$source_dir/targets/demo_device/reproducers/GATT-2_prepare_write_past_maximum.bin
mixed=$work/mixed
mkdir -p "$mixed"
cp "$source_dir"/corpora/$g/* "$mixed/" 2>/dev/null || true
cp "$repro" "$mixed/"
"$iotfuzz" coverage $g --corpus "$mixed" --out "$work/mixed-out" --coverage-build "$cov_build" \
  >"$work/mixed.txt" 2>"$work/mixed.log" || { cat "$work/mixed.log"; failure "coverage with a crashing input failed"; }
if { (cd "$work" && exec "$cov_build/bin/${g}_cov" "$repro") >/dev/null 2>&1; } 2>/dev/null; then
  echo "note: $(basename "$repro") does not crash ${g}_cov here; crash fallback not checked"
else
  n=$(find "$mixed" -maxdepth 1 -type f | wc -l)
  grep -q "^$((n - 1)) of $n inputs ran to the end (1 crashed" "$work/mixed.txt" \
    || failure "crash fallback: expected $((n - 1)) of $n inputs to count: $(tail -n 2 "$work/mixed.txt")"
  grep -q "$(basename "$repro")" "$work/mixed.log" || failure "crash fallback: the crashing input is not named"
  [ "$(covered_lines "$work/mixed.txt" targets/demo_device/src/gatt_server.c)" -gt 0 ] \
    || failure "crash fallback: no coverage of gatt_server.c from the other inputs"
  echo "ok: crash fallback: $(grep 'inputs ran to the end' "$work/mixed.txt")"
fi

[ $fail -eq 0 ] && echo "PASS"
exit $fail
