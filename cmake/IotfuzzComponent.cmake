# Third-party firmware components (mosquitto, libcoap, BlueZ...) are compiled
# once per build tree into a static library instrumented for the tree's
# variant, and linked into every harness of the component, instead of
# recompiling their sources for each harness binary.
#
#   iotfuzz_add_component_library(<name>
#       SOURCES <files...>
#       [INCLUDE_DIRECTORIES <dirs...>]     public: harnesses see them too
#       [COMPILE_DEFINITIONS <defs...>]     public
#       [COMPILE_OPTIONS <opts...>]         private (e.g. -w for foreign code)
#       [LINK_LIBRARIES <libs...>])         public
#
# Instrumentation by variant:
#   libfuzzer-asan  coverage counters (-fsanitize=fuzzer-no-link) + ASan + UBSan;
#                   the same library serves <h> and <h>_replay (the sanitizer
#                   runtime supplies the coverage callbacks a replay binary needs)
#   afl             the same flags under afl-clang-fast, i.e. AFL++ edge coverage
#   coverage        clang source-based coverage
#   release         none
#
# Then: iotfuzz_add_harness(... LINK_LIBRARIES <name>).
#
# iotfuzz_fetch_component_sources(<component> <out-var>) runs
# scripts/fetch-sources for one component at configure time (it does nothing
# when the pinned version is already unpacked) and sets <out-var> to its
# source directory. The sources live in <source-tree>/build/sources, shared by
# every build tree, never in git.

include_guard(GLOBAL)

function(iotfuzz_add_component_library name)
  cmake_parse_arguments(C "" ""
      "SOURCES;INCLUDE_DIRECTORIES;COMPILE_DEFINITIONS;COMPILE_OPTIONS;LINK_LIBRARIES" ${ARGN})
  if(NOT C_SOURCES)
    message(FATAL_ERROR "iotfuzz_add_component_library(${name}): SOURCES is required")
  endif()
  add_library(${name} STATIC ${C_SOURCES})
  target_include_directories(${name} SYSTEM PUBLIC ${C_INCLUDE_DIRECTORIES})
  target_compile_definitions(${name} PUBLIC ${C_COMPILE_DEFINITIONS})
  target_compile_options(${name} PRIVATE ${C_COMPILE_OPTIONS})
  target_link_libraries(${name} PUBLIC ${C_LINK_LIBRARIES})
  if(IOTFUZZ_VARIANT STREQUAL "libfuzzer-asan" OR IOTFUZZ_VARIANT STREQUAL "afl")
    target_link_libraries(${name} PRIVATE iotfuzz::fuzzer_no_link iotfuzz::asan_ubsan)
  elseif(IOTFUZZ_VARIANT STREQUAL "coverage")
    target_link_libraries(${name} PRIVATE iotfuzz::source_coverage)
  endif()
endfunction()

set(IOTFUZZ_SOURCES_DIR ${PROJECT_SOURCE_DIR}/build/sources CACHE PATH
    "Where scripts/fetch-sources unpacks third-party component sources")

function(iotfuzz_fetch_component_sources component out_var)
  set(dir ${IOTFUZZ_SOURCES_DIR}/${component})
  execute_process(
      COMMAND ${PROJECT_SOURCE_DIR}/scripts/fetch-sources --dest ${IOTFUZZ_SOURCES_DIR} ${component}
      RESULT_VARIABLE result
      OUTPUT_VARIABLE output
      ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR
        "The sources of ${component} could not be fetched:\n${output}\n"
        "Provide them through IOTFUZZ_SOURCES (see scripts/fetch-sources --help), "
        "or configure with -DIOTFUZZ_REAL_COMPONENTS=OFF to build without the "
        "third-party components.")
  endif()
  set(${out_var} ${dir} PARENT_SCOPE)
endfunction()
