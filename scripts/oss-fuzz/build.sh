#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build of iotfuzz's harnesses. Follows the
# OSS-Fuzz build contract: the compilers and flags come from $CC, $CXX,
# $CFLAGS and $CXXFLAGS, the engine from $LIB_FUZZING_ENGINE, and everything
# a fuzz target needs at run time lands in $OUT:
#
#   $OUT/<harness>                  one per harness (names end in _fuzzer)
#   $OUT/<harness>_seed_corpus.zip  top-level files of corpora/<harness>/
#   $OUT/<harness>.dict             for a harness with a grammar: the tokens
#                                   derived from it at build time with the
#                                   hand-picked <harness>.dict merged in
#   $OUT/<harness>.options
#   $OUT/<grammar>.grammar          grammars of the grammar-aware harnesses,
#                                   found beside the binary at run time
#
# The project's CMake does the work through its oss-fuzz variant
# (cmake/IotfuzzOssFuzz.cmake). With $FUZZING_ENGINE=libfuzzer the grammar
# harnesses link the grammar mutator (LLVMFuzzerCustomMutator); other engines
# fuzz them byte-level.
#
# Optional settings (environment):
#   IOTFUZZ_REAL_COMPONENTS=OFF  demo device only (no mosquitto, libcoap,
#                                BlueZ, Boost.Beast)
#   IOTFUZZ_SOURCES_DIR=DIR      already-unpacked component sources
#                                (scripts/fetch-sources layout)
#   IOTFUZZ_SOURCES=DIR          Debian source package files to unpack from
#                                (see scripts/fetch-sources)
#   IOTFUZZ_BUILD_DIR=DIR        CMake build tree (default $WORK/iotfuzz-build)
#   IOTFUZZ_JOBS=N               parallel compile jobs (default: all cores)

for var in OUT CC CXX CFLAGS CXXFLAGS LIB_FUZZING_ENGINE; do
  if [ -z "${!var+x}" ]; then
    echo "oss-fuzz/build.sh: error: \$$var is not set (this script follows the OSS-Fuzz build environment)" >&2
    exit 1
  fi
done
if [ -z "$LIB_FUZZING_ENGINE" ]; then
  echo "oss-fuzz/build.sh: error: \$LIB_FUZZING_ENGINE is empty" >&2
  exit 1
fi
# An engine given as a library path (AFL++'s driver, honggfuzz's) must exist.
for word in $LIB_FUZZING_ENGINE; do
  if [[ $word == /* && ! -e $word ]]; then
    echo "oss-fuzz/build.sh: error: \$LIB_FUZZING_ENGINE names $word, which does not exist" >&2
    exit 1
  fi
done
for tool in "$CC" "$CXX" cmake; do
  tool=${tool%% *}
  if ! command -v "$tool" >/dev/null; then
    echo "oss-fuzz/build.sh: error: $tool not found" >&2
    exit 1
  fi
done

src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
engine=${FUZZING_ENGINE:-libfuzzer}
build_dir=${IOTFUZZ_BUILD_DIR:-${WORK:-/tmp}/iotfuzz-build}
jobs=${IOTFUZZ_JOBS:-$(nproc)}

grammar_mutator=OFF
[ "$engine" = libfuzzer ] && grammar_mutator=ON

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

cmake_args=(
  -S "$src_dir" -B "$build_dir" --fresh "${generator[@]}"
  # No build-type flags: $CFLAGS and $CXXFLAGS decide optimization and debug info.
  -DCMAKE_BUILD_TYPE=None
  -DIOTFUZZ_VARIANT=oss-fuzz
  -DIOTFUZZ_HARNESSES_ONLY=ON
  -DIOTFUZZ_WITH_AFL=OFF
  -DIOTFUZZ_BUILD_TESTS=OFF
  "-DIOTFUZZ_LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE"
  -DIOTFUZZ_OSS_FUZZ_GRAMMAR_MUTATOR=$grammar_mutator
  -DIOTFUZZ_REAL_COMPONENTS="${IOTFUZZ_REAL_COMPONENTS:-ON}"
)
[ -n "${IOTFUZZ_SOURCES_DIR:-}" ] && cmake_args+=("-DIOTFUZZ_SOURCES_DIR=$IOTFUZZ_SOURCES_DIR")

echo "oss-fuzz/build.sh: engine $engine, sanitizer ${SANITIZER:-unset}, CC=$CC, build tree $build_dir"
cmake "${cmake_args[@]}"
cmake --build "$build_dir" --parallel "$jobs"
mkdir -p "$OUT"
cmake --install "$build_dir" --prefix "$OUT"
