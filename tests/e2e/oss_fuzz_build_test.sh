#!/usr/bin/env bash
# Runs scripts/oss-fuzz/build.sh as OSS-Fuzz runs it (its environment
# emulated, no Docker) for libFuzzer and AFL++ with AddressSanitizer, then
# checks the $OUT contract with the source tree hidden, as on ClusterFuzz:
#
#   - every harness declared in targets/ is in $OUT and nothing else ends
#     in _fuzzer;
#   - <h>_seed_corpus.zip passes `unzip -t` and holds exactly the top-level
#     files of corpora/<h>/, byte for byte;
#   - <h>.options is the harness's own, and so is <h>.dict unless the
#     harness has a grammar: then it is the dictionary derived from the
#     grammar at build time, with the hand-picked <h>.dict merged in;
#     libFuzzer loads the dictionary (a positive entry count, no parse error)
#     and accepts every [libfuzzer] key of the options as a flag; sections
#     are ones ClusterFuzz reads;
#   - libFuzzer: each binary runs its unpacked seed zip (-runs=0, exit 0)
#     with INITED cov >= MIN_EDGES; the grammar harnesses load their grammar
#     from $OUT (the source tree they were built from is gone) during a fixed
#     -runs/-seed run;
#   - AFL++: each binary runs every seed file through libAFLDriver (exit 0),
#     and afl-showmap -C over the seeds counts >= MIN_EDGES edges.
#
#   oss_fuzz_build_test.sh SOURCE_DIR WORK_DIR COMPONENT_SOURCES_DIR REAL_COMPONENT_ENGINES
#
# REAL_COMPONENT_ENGINES: the engines (comma-separated: libfuzzer,afl, or
# "none") whose build includes mosquitto, libcoap, BlueZ and Boost.Beast;
# the other engines build the demo device only. Build times are printed.
set -euo pipefail
source_dir=$(cd "$1" && pwd)
work=$2
component_sources=$3
real_engines=$4
min_edges=100
jobs=${IOTFUZZ_TEST_JOBS:-2}

fail=0
failure() { echo "FAIL: $*"; fail=1; }

for tool in clang-14 clang++-14 afl-clang-fast afl-clang-fast++ afl-showmap unzip cmake; do
  command -v $tool >/dev/null || { echo "FAIL: $tool not installed (run scripts/setup)"; exit 1; }
done
afl_driver=$(dpkg -L afl++ 2>/dev/null | grep '/libAFLDriver\.a$' | head -n 1 || true)
[ -n "$afl_driver" ] || afl_driver=/usr/lib/afl/libAFLDriver.a
[ -f "$afl_driver" ] || { echo "FAIL: libAFLDriver.a not found (afl++ package)"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

# $SRC/iotfuzz: a copy of the source tree, removed before anything runs.
src=$work/src/iotfuzz
mkdir -p "$src"
tar -C "$source_dir" --exclude=./build --exclude=./.git --exclude=./iotfuzz-out -cf - . | tar -C "$src" -xf -

# Harnesses a build must produce: demo_device always, the rest with the real components.
harnesses_in() {  # CMakeLists.txt...
  sed -n 's/^ *iotfuzz_add_harness(\([a-z0-9_]*\).*/\1/p' "$@" | sort
}
demo_harnesses=$(harnesses_in "$source_dir"/targets/demo_device/CMakeLists.txt)
all_harnesses=$(harnesses_in "$source_dir"/targets/*/CMakeLists.txt)
[ "$(echo "$demo_harnesses" | wc -w)" -ge 4 ] || { echo "FAIL: cannot read the demo harnesses"; exit 1; }

# A broken environment stops build.sh before it configures, with one line saying what is wrong.
expect_env_error() {  # pattern env-assignments...
  local pattern=$1 status=0
  shift
  (cd "$src" && env -i PATH="$PATH" "$@" bash "$src/scripts/oss-fuzz/build.sh") >"$work/env-error.log" 2>&1 || status=$?
  if [ $status -eq 0 ] || ! grep -q -- "$pattern" "$work/env-error.log"; then
    failure "build.sh with $*: exit $status, expected an error saying '$pattern':"; cat "$work/env-error.log"
  elif [ -e "$work/env-out" ]; then
    failure "build.sh with $*: wrote \$OUT although the environment is broken"
  else
    echo "ok: build.sh with a broken environment: $(tail -n 1 "$work/env-error.log")"
  fi
}
good_env=(CC=clang-14 CXX=clang++-14 CFLAGS= CXXFLAGS= LIB_FUZZING_ENGINE=-fsanitize=fuzzer WORK="$work/env-work")
expect_env_error '$OUT is not set' "${good_env[@]}"
expect_env_error '$LIB_FUZZING_ENGINE is empty' "${good_env[@]}" OUT="$work/env-out" LIB_FUZZING_ENGINE=
expect_env_error 'names /nonexistent/libAFLDriver.a, which does not exist' \
  "${good_env[@]}" OUT="$work/env-out" LIB_FUZZING_ENGINE=/nonexistent/libAFLDriver.a
expect_env_error 'no-such-cc not found' "${good_env[@]}" OUT="$work/env-out" CC=no-such-cc

asan_flags="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope"
declare -A expected
for engine in libfuzzer afl; do
  out=$work/out-$engine
  mkdir -p "$out" "$work/work-$engine"
  real=OFF
  [[ ",$real_engines," == *",$engine,"* ]] && real=ON
  if [ $real = ON ]; then expected[$engine]=$all_harnesses; else expected[$engine]=$demo_harnesses; fi
  if [ $engine = libfuzzer ]; then
    cc=clang-14 cxx=clang++-14 cflags="$asan_flags -fsanitize=fuzzer-no-link" lib_engine=-fsanitize=fuzzer
  else
    cc=afl-clang-fast cxx=afl-clang-fast++ cflags="$asan_flags" lib_engine=$afl_driver
  fi
  start=$(date +%s)
  if ! (cd "$src" && env -i PATH="$PATH" HOME="${HOME:-/tmp}" \
        SRC="$work/src" WORK="$work/work-$engine" OUT="$out" \
        CC=$cc CXX=$cxx CFLAGS="$cflags" CXXFLAGS="$cflags" LIB_FUZZING_ENGINE="$lib_engine" \
        FUZZING_ENGINE=$engine SANITIZER=address ARCHITECTURE=x86_64 AFL_QUIET=1 \
        IOTFUZZ_REAL_COMPONENTS=$real IOTFUZZ_SOURCES_DIR="$component_sources" IOTFUZZ_JOBS="$jobs" \
        bash -eu "$src/scripts/oss-fuzz/build.sh") >"$work/build-$engine.log" 2>&1; then
    tail -n 40 "$work/build-$engine.log"
    echo "FAIL: build.sh failed for $engine (log: $work/build-$engine.log)"
    exit 1
  fi
  echo "build $engine (real components $real): $(( $(date +%s) - start )) s"
done

# ClusterFuzz has no source tree: hide the one the binaries were built from.
mv "$work/src" "$work/src-hidden"
unset IOTFUZZ_GRAMMAR
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=0 UBSAN_OPTIONS=halt_on_error=1
run_dir=$work/cwd
mkdir -p "$run_dir"

check_common() {  # engine out harness seeds
  local engine=$1 out=$2 h=$3 seeds=$4
  local comp_dir
  comp_dir=$(dirname "$(grep -l "iotfuzz_add_harness($h " "$source_dir"/targets/*/CMakeLists.txt)")
  [ -x "$out/$h" ] || { failure "$engine: $out/$h missing"; return 1; }
  # Seed zip: well-formed, exactly the top-level seed files.
  local zip=$out/${h}_seed_corpus.zip
  if ! unzip -tq "$zip" >/dev/null 2>&1; then failure "$engine: $zip is not a valid zip"; return 1; fi
  mkdir -p "$seeds"
  (cd "$seeds" && unzip -q "$zip")
  local want got
  want=$(cd "$source_dir/corpora/$h" && find . -maxdepth 1 -type f -printf '%f\n' | sort)
  got=$(cd "$seeds" && find . -type f -printf '%P\n' | sort)
  [ -n "$want" ] || failure "$engine: corpora/$h has no seeds"
  [ "$want" = "$got" ] || failure "$engine: $h seed zip holds [$got], expected [$want]"
  for f in $want; do
    cmp -s "$source_dir/corpora/$h/$f" "$seeds/$f" || failure "$engine: $h seed $f differs from corpora/$h/$f"
  done
  # Dictionary: for a grammar harness the one derived from its grammar with
  # the hand-picked entries merged in; else the harness's own file, as are
  # the options.
  local grammar hand_dict=${comp_dir#"$source_dir"/}/$h.dict
  grammar=$(grammar_of "$h")
  if [ -n "$grammar" ]; then
    if ! head -n 1 "$out/$h.dict" 2>/dev/null | grep -qF "# Fuzzing dictionary derived from $grammar "; then
      failure "$engine: $out/$h.dict missing or not derived from $grammar"
    elif [ -f "$comp_dir/$h.dict" ] && ! grep -qF "# Hand-picked entries from $hand_dict: " "$out/$h.dict"; then
      failure "$engine: $out/$h.dict lacks the hand-picked entries of $hand_dict"
    fi
  elif [ -f "$comp_dir/$h.dict" ]; then
    cmp -s "$comp_dir/$h.dict" "$out/$h.dict" || failure "$engine: $out/$h.dict missing or not $comp_dir/$h.dict"
  fi
  if [ -f "$comp_dir/$h.options" ]; then
    cmp -s "$comp_dir/$h.options" "$out/$h.options" || failure "$engine: $out/$h.options missing or not $comp_dir/$h.options"
  fi
  if [ -f "$out/$h.options" ]; then
    local bad
    bad=$(grep -E '^\s*\[' "$out/$h.options" | tr -d ' []' | grep -vxE 'libfuzzer|afl|honggfuzz|asan|ubsan|msan|env' || true)
    [ -z "$bad" ] || failure "$engine: $h.options has sections ClusterFuzz does not read: $bad"
  fi
}

# The GRAMMAR of a harness declaration, if any.
grammar_of() {
  awk -v h="$1" 'index($0, "iotfuzz_add_harness(" h " ") { on = 1 }
                 on { for (i = 1; i < NF; i++) if ($i == "GRAMMAR") print $(i + 1) }
                 on && /\)[ \t]*$/ { on = 0 }' "$source_dir"/targets/*/CMakeLists.txt | head -n 1
}

# The [libfuzzer] section of an options file as -key=value flags.
libfuzzer_flags() {
  awk '/^\s*\[/ { s = $0; gsub(/[][ \t]/, "", s); next }
       s == "libfuzzer" && /=/ && !/^\s*[#;]/ {
         split($0, kv, "="); k = kv[1]; v = substr($0, index($0, "=") + 1)
         gsub(/^[ \t]+|[ \t]+$/, "", k); gsub(/^[ \t]+|[ \t]+$/, "", v); print "-" k "=" v }' "$1"
}

for engine in libfuzzer afl; do
  out=$work/out-$engine
  present=$(cd "$out" && find . -maxdepth 1 -type f -name '*_fuzzer' -printf '%f\n' | sort)
  [ "$present" = "${expected[$engine]}" ] \
    || failure "$engine: \$OUT fuzzers [$(echo $present)] differ from the declared [$(echo ${expected[$engine]})]"
  for h in ${expected[$engine]}; do
    seeds=$work/seeds-$engine/$h
    check_common $engine "$out" $h "$seeds" || continue
    log=$work/run-$engine-$h.log
    if [ $engine = libfuzzer ]; then
      flags=()
      [ -f "$out/$h.options" ] && mapfile -t flags < <(libfuzzer_flags "$out/$h.options")
      dict=()
      [ -f "$out/$h.dict" ] && dict=(-dict="$out/$h.dict")
      if ! (cd "$run_dir" && "$out/$h" "${flags[@]}" "${dict[@]}" -runs=0 -seed=1 "$seeds") >"$log" 2>&1; then
        failure "libfuzzer: $h did not run its seeds cleanly (log: $log)"; tail -n 15 "$log"; continue
      fi
      if grep -q 'unrecognized flag' "$log"; then failure "libfuzzer: $h.options: $(grep 'unrecognized flag' "$log")"; fi
      if [ ${#dict[@]} -gt 0 ]; then
        entries=$(sed -n 's/^Dictionary: \([0-9]*\) entries.*/\1/p' "$log")
        [ "${entries:-0}" -gt 0 ] || failure "libfuzzer: $h.dict not loaded (log: $log)"
        grep -q 'ParseDictionaryFile: error' "$log" && failure "libfuzzer: $h.dict does not parse"
      fi
      edges=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$log" | head -n 1)
      echo "libfuzzer $h: INITED cov ${edges:-?}"
      [ "${edges:-0}" -ge $min_edges ] || failure "libfuzzer: $h covers ${edges:-0} edges < $min_edges"
      grammar=$(grammar_of $h)
      if [ -n "$grammar" ]; then
        glog=$work/grammar-$h.log
        # A fixed run: the mutator is first called after the seeds ran. A
        # crash of the target after that is allowed (the demo device has
        # planted bugs), the grammar must be loaded from $OUT.
        { (cd "$run_dir" && exec "$out/$h" "${flags[@]}" -runs=200 -seed=1 "$seeds") >"$glog" 2>&1; } 2>/dev/null || true
        want_line="INFO: iotfuzz grammar mutator: $out/$(basename "$grammar")"
        if ! grep -qF "$want_line" "$glog"; then
          failure "libfuzzer: $h did not load its grammar from \$OUT: $(grep -E 'iotfuzz grammar' "$glog" || echo 'no grammar line') (log: $glog)"
        else
          echo "libfuzzer $h: grammar $(basename "$grammar") loaded from \$OUT"
        fi
      fi
    else
      ran=0
      for f in "$seeds"/*; do
        if ! (cd "$run_dir" && "$out/$h" "$f") >"$log" 2>&1; then
          failure "afl: $h exited with $? on seed $(basename "$f") (log: $log)"; tail -n 10 "$log"; break
        fi
        ran=$((ran + 1))
      done
      rm -f "$work/map-$h"
      (cd "$run_dir" && AFL_QUIET=1 afl-showmap -q -C -e -t 5000 -m none -i "$seeds" -o "$work/map-$h" -- "$out/$h") \
        >"$work/showmap-$h.log" 2>&1 || true
      edges=0
      [ -f "$work/map-$h" ] && edges=$(grep -c . "$work/map-$h")
      echo "afl $h: $ran seeds ran, afl-showmap edges $edges"
      [ "$edges" -ge $min_edges ] || failure "afl: $h covers $edges edges < $min_edges (log: $work/showmap-$h.log)"
    fi
  done
done

echo "total: $SECONDS s"
[ $fail -eq 0 ] && echo "PASS: \$OUT contract holds for libfuzzer and afl"
exit $fail
