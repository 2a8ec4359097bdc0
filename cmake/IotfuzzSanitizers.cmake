# Interface targets that carry instrumentation flags. Link one of them to the
# target that needs it; nothing here touches global compile flags.
#
#   iotfuzz::asan_ubsan      AddressSanitizer + UndefinedBehaviorSanitizer
#                            (UBSan findings abort, so fuzzers record them)
#   iotfuzz::libfuzzer       libFuzzer's main and coverage (-fsanitize=fuzzer)
#   iotfuzz::fuzzer_no_link  coverage only, for libraries linked into fuzzers
#   iotfuzz::source_coverage clang source-based coverage (llvm-cov)

set(IOTFUZZ_ASAN_UBSAN_FLAGS
    -fsanitize=address,undefined
    -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer
    -g)

add_library(iotfuzz_asan_ubsan INTERFACE)
if(IOTFUZZ_SANITIZERS)
  target_compile_options(iotfuzz_asan_ubsan INTERFACE ${IOTFUZZ_ASAN_UBSAN_FLAGS})
  target_link_options(iotfuzz_asan_ubsan INTERFACE -fsanitize=address,undefined)
else()
  target_compile_options(iotfuzz_asan_ubsan INTERFACE -fno-omit-frame-pointer -g)
endif()
add_library(iotfuzz::asan_ubsan ALIAS iotfuzz_asan_ubsan)

add_library(iotfuzz_libfuzzer INTERFACE)
target_compile_options(iotfuzz_libfuzzer INTERFACE -fsanitize=fuzzer)
target_link_options(iotfuzz_libfuzzer INTERFACE -fsanitize=fuzzer)
add_library(iotfuzz::libfuzzer ALIAS iotfuzz_libfuzzer)

add_library(iotfuzz_fuzzer_no_link INTERFACE)
target_compile_options(iotfuzz_fuzzer_no_link INTERFACE -fsanitize=fuzzer-no-link)
add_library(iotfuzz::fuzzer_no_link ALIAS iotfuzz_fuzzer_no_link)

add_library(iotfuzz_source_coverage INTERFACE)
target_compile_options(iotfuzz_source_coverage INTERFACE
    -fprofile-instr-generate -fcoverage-mapping -g)
target_link_options(iotfuzz_source_coverage INTERFACE -fprofile-instr-generate)
add_library(iotfuzz::source_coverage ALIAS iotfuzz_source_coverage)
