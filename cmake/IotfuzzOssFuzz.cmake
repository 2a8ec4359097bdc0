# The oss-fuzz variant: harnesses built the way OSS-Fuzz and ClusterFuzzLite
# build fuzz targets (scripts/oss-fuzz/build.sh drives it).
#
# The compilers and every compile flag come from the environment ($CC, $CXX,
# $CFLAGS, $CXXFLAGS, which CMake reads on the first configure): the
# sanitizer, the coverage instrumentation and the engine's compiler wrapper
# are OSS-Fuzz's choice, not the project's. No iotfuzz instrumentation
# interface target is attached. Each harness <name> is linked with
# IOTFUZZ_LIB_FUZZING_ENGINE ($LIB_FUZZING_ENGINE: -fsanitize=fuzzer, or the
# path of an engine's driver library such as libAFLDriver.a) and with $CXX.
#
# `cmake --install <build> --prefix $OUT` then lays out OSS-Fuzz's $OUT:
#   <name>                   the fuzz target
#   <name>_seed_corpus.zip   the top-level files of corpora/<name>/ (folders
#                            below it, such as regressions/, hold known
#                            crashes and stay out)
#   <name>.dict              the harness dictionary: for a harness with a
#                            grammar the one derived at build time from the
#                            grammar and the hand-picked <name>.dict
#                            (cmake/IotfuzzHarness.cmake), else <name>.dict
#   <name>.options
#   <grammar file>           for harnesses with a grammar: the file itself,
#                            which the grammar mutator finds beside the binary
#                            (the source tree does not exist on ClusterFuzz)
#
# With IOTFUZZ_OSS_FUZZ_GRAMMAR_MUTATOR (for libFuzzer), grammar harnesses
# get the grammar mutator as LLVMFuzzerCustomMutator; the mutator and the
# framework libraries under it are compiled without coverage instrumentation,
# so the mutator's own branches never count as coverage of the target. Other
# engines (AFL++'s driver has no LLVMFuzzerMutate) fuzz byte-level. Every
# engine's build makes iotfuzz_dictionary_generator (common and grammar
# libraries), which writes the grammar harnesses' dictionaries during the
# build.
#
# The framework libraries use fmt header-only here: the runners ClusterFuzz
# uses hold only what is in $OUT and a base system, no libfmt.so.

include_guard(GLOBAL)

set(IOTFUZZ_LIB_FUZZING_ENGINE "" CACHE STRING
    "oss-fuzz variant: the fuzzing engine's link arguments ($LIB_FUZZING_ENGINE)")
option(IOTFUZZ_OSS_FUZZ_GRAMMAR_MUTATOR
    "oss-fuzz variant: link the grammar mutator into grammar harnesses (libFuzzer only)" ON)

if(NOT IOTFUZZ_HARNESSES_ONLY)
  message(FATAL_ERROR "IOTFUZZ_VARIANT=oss-fuzz builds harnesses only: configure with -DIOTFUZZ_HARNESSES_ONLY=ON "
                      "(scripts/oss-fuzz/build.sh does)")
endif()
if(IOTFUZZ_LIB_FUZZING_ENGINE STREQUAL "")
  message(FATAL_ERROR "IOTFUZZ_VARIANT=oss-fuzz needs -DIOTFUZZ_LIB_FUZZING_ENGINE=\"$LIB_FUZZING_ENGINE\" "
                      "(for example -fsanitize=fuzzer, or the path of libAFLDriver.a)")
endif()

separate_arguments(_iotfuzz_engine_args UNIX_COMMAND "${IOTFUZZ_LIB_FUZZING_ENGINE}")
add_library(iotfuzz_lib_fuzzing_engine INTERFACE)
target_link_options(iotfuzz_lib_fuzzing_engine INTERFACE ${_iotfuzz_engine_args})
add_library(iotfuzz::lib_fuzzing_engine ALIAS iotfuzz_lib_fuzzing_engine)

find_package(nlohmann_json REQUIRED)
find_path(IOTFUZZ_FMT_INCLUDE_DIR fmt/format.h REQUIRED)
add_library(fmt::fmt INTERFACE IMPORTED)
set_target_properties(fmt::fmt PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${IOTFUZZ_FMT_INCLUDE_DIR}
    INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)

add_subdirectory(${PROJECT_SOURCE_DIR}/fuzzers/common ${CMAKE_BINARY_DIR}/fuzzers/common)
add_subdirectory(${PROJECT_SOURCE_DIR}/fuzzers/grammar ${CMAKE_BINARY_DIR}/fuzzers/grammar)
set(_iotfuzz_uninstrumented iotfuzz_common iotfuzz_grammar iotfuzz_dictionary_generator)
if(IOTFUZZ_OSS_FUZZ_GRAMMAR_MUTATOR)
  add_subdirectory(${PROJECT_SOURCE_DIR}/fuzzers/mutate ${CMAKE_BINARY_DIR}/fuzzers/mutate)
  set_target_properties(iotfuzz_afl_mutator PROPERTIES EXCLUDE_FROM_ALL ON)
  list(APPEND _iotfuzz_uninstrumented iotfuzz_mutate iotfuzz_libfuzzer_mutator)
endif()

# Whatever coverage instrumentation $CFLAGS carry, the framework has none.
include(CheckCXXCompilerFlag)
set(_iotfuzz_no_coverage "")
foreach(flag -fno-sanitize=fuzzer-no-link -fno-profile-instr-generate -fno-coverage-mapping)
  string(MAKE_C_IDENTIFIER "IOTFUZZ_HAS${flag}" var)
  check_cxx_compiler_flag(${flag} ${var})
  if(${var})
    list(APPEND _iotfuzz_no_coverage ${flag})
  endif()
endforeach()
foreach(tgt ${_iotfuzz_uninstrumented})
  target_compile_options(${tgt} PRIVATE ${_iotfuzz_no_coverage})
endforeach()

# Called by iotfuzz_add_harness for the oss-fuzz variant.
function(_iotfuzz_oss_fuzz_harness name grammar dict)
  cmake_parse_arguments(O "" "" "COMMON" ${ARGN})
  _iotfuzz_harness_target(${name} ${O_COMMON} INSTRUMENT iotfuzz::lib_fuzzing_engine)
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE CXX)
  if(grammar AND IOTFUZZ_OSS_FUZZ_GRAMMAR_MUTATOR)
    # Only the file name: the mutator looks for it beside the binary.
    get_filename_component(grammar_name ${grammar} NAME)
    _iotfuzz_link_grammar_mutator(${name} ${grammar_name})
  endif()
  install(TARGETS ${name} RUNTIME DESTINATION .)
  if(grammar)
    install(FILES ${grammar} DESTINATION .)
  endif()
  if(dict)
    install(FILES ${dict} DESTINATION . RENAME ${name}.dict)
  endif()
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${name}.options)
    install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/${name}.options DESTINATION .)
  endif()

  # The seed corpus zip, top-level files only, rebuilt when a seed changes.
  set(seed_dir ${PROJECT_SOURCE_DIR}/corpora/${name})
  file(GLOB seeds LIST_DIRECTORIES false CONFIGURE_DEPENDS RELATIVE ${seed_dir} ${seed_dir}/*)
  list(SORT seeds)
  if(seeds)
    set(zip ${CMAKE_BINARY_DIR}/seed-corpora/${name}_seed_corpus.zip)
    list(TRANSFORM seeds PREPEND ${seed_dir}/ OUTPUT_VARIABLE seed_paths)
    add_custom_command(OUTPUT ${zip}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/seed-corpora
        COMMAND ${CMAKE_COMMAND} -E rm -f ${zip}
        COMMAND ${CMAKE_COMMAND} -E tar cf ${zip} --format=zip "--mtime=2000-01-01 00:00:00 UTC" -- ${seeds}
        WORKING_DIRECTORY ${seed_dir}
        DEPENDS ${seed_paths}
        COMMENT "Packing ${name}_seed_corpus.zip"
        VERBATIM)
    add_custom_target(${name}_seed_corpus ALL DEPENDS ${zip})
    install(FILES ${zip} DESTINATION .)
  endif()
endfunction()
