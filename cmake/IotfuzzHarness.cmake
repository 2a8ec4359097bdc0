# iotfuzz_add_harness: declare a fuzz harness once; get every binary the
# build's variant calls for.
#
#   iotfuzz_add_harness(<name>
#       TARGET <component>          firmware component under test (targets/<component>)
#       PROTOCOL <http|mqtt|coap|ble-att|...>
#       SOURCES <files...>          harness and component sources, compiled per variant
#       [GRAMMAR <file>]            grammar driving the structure-aware mutator
#       [INCLUDE_DIRECTORIES <dirs...>]
#       [COMPILE_DEFINITIONS <defs...>]
#       [LINK_LIBRARIES <libs...>])
#
# Binaries, all in ${CMAKE_BINARY_DIR}/bin:
#   variant libfuzzer-asan: <name>         libFuzzer + ASan + UBSan
#                           <name>_replay  ASan + UBSan, no engine: runs files and
#                                          directories through LLVMFuzzerTestOneInput
#                           <name>_afl     AFL++ + ASan + UBSan (child build, when
#                                          afl-clang-fast++ is installed)
#   variant afl:            <name>_afl
#   variant coverage:       <name>_cov     source-based coverage, replay main
#   variant release:        <name>_replay  no instrumentation
#
# The dictionary <name>.dict and options <name>.options are looked up beside the
# CMakeLists.txt that declares the harness, the seed corpus in corpora/<name>/.
# Every harness is listed in ${CMAKE_BINARY_DIR}/iotfuzz-build.json, which the
# iotfuzz CLI reads.

include_guard(GLOBAL)

function(_iotfuzz_replay_main_library)
  if(NOT TARGET iotfuzz_replay_main)
    add_library(iotfuzz_replay_main OBJECT
        ${PROJECT_SOURCE_DIR}/fuzzers/engine/replay_main.cc)
    target_compile_features(iotfuzz_replay_main PRIVATE cxx_std_20)
  endif()
endfunction()

function(_iotfuzz_harness_target tgt)
  cmake_parse_arguments(T "" "" "SOURCES;INCLUDE_DIRECTORIES;COMPILE_DEFINITIONS;LINK_LIBRARIES;INSTRUMENT" ${ARGN})
  add_executable(${tgt} ${T_SOURCES})
  target_include_directories(${tgt} PRIVATE ${T_INCLUDE_DIRECTORIES})
  target_compile_definitions(${tgt} PRIVATE ${T_COMPILE_DEFINITIONS})
  target_link_libraries(${tgt} PRIVATE ${T_INSTRUMENT} ${T_LINK_LIBRARIES})
endfunction()

function(iotfuzz_add_harness name)
  cmake_parse_arguments(H "" "TARGET;PROTOCOL;GRAMMAR"
                        "SOURCES;INCLUDE_DIRECTORIES;COMPILE_DEFINITIONS;LINK_LIBRARIES" ${ARGN})
  if(NOT H_TARGET OR NOT H_PROTOCOL OR NOT H_SOURCES)
    message(FATAL_ERROR "iotfuzz_add_harness(${name}): TARGET, PROTOCOL and SOURCES are required")
  endif()
  set(common SOURCES ${H_SOURCES}
             INCLUDE_DIRECTORIES ${H_INCLUDE_DIRECTORIES}
             COMPILE_DEFINITIONS ${H_COMPILE_DEFINITIONS}
             LINK_LIBRARIES ${H_LINK_LIBRARIES})

  if(IOTFUZZ_VARIANT STREQUAL "libfuzzer-asan")
    _iotfuzz_harness_target(${name} ${common}
        INSTRUMENT iotfuzz::libfuzzer iotfuzz::asan_ubsan)
    _iotfuzz_replay_main_library()
    _iotfuzz_harness_target(${name}_replay ${common}
        INSTRUMENT iotfuzz::asan_ubsan iotfuzz_replay_main)
  elseif(IOTFUZZ_VARIANT STREQUAL "afl")
    # afl-clang-fast++ turns -fsanitize=fuzzer into AFL++ instrumentation
    # plus its libFuzzer-compatible driver (libAFLDriver).
    _iotfuzz_harness_target(${name}_afl ${common}
        INSTRUMENT iotfuzz::libfuzzer iotfuzz::asan_ubsan)
  elseif(IOTFUZZ_VARIANT STREQUAL "coverage")
    _iotfuzz_replay_main_library()
    _iotfuzz_harness_target(${name}_cov ${common}
        INSTRUMENT iotfuzz::source_coverage iotfuzz_replay_main)
  elseif(IOTFUZZ_VARIANT STREQUAL "release")
    _iotfuzz_replay_main_library()
    _iotfuzz_harness_target(${name}_replay ${common} INSTRUMENT iotfuzz_replay_main)
  else()
    message(FATAL_ERROR "IOTFUZZ_VARIANT='${IOTFUZZ_VARIANT}': expected libfuzzer-asan, afl, coverage or release")
  endif()

  set(dict "")
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${name}.dict)
    set(dict ${CMAKE_CURRENT_SOURCE_DIR}/${name}.dict)
  endif()
  set(options "")
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${name}.options)
    set(options ${CMAKE_CURRENT_SOURCE_DIR}/${name}.options)
  endif()
  set(grammar "")
  if(H_GRAMMAR)
    get_filename_component(grammar ${H_GRAMMAR} ABSOLUTE BASE_DIR ${PROJECT_SOURCE_DIR})
  endif()
  set_property(GLOBAL APPEND PROPERTY IOTFUZZ_HARNESSES ${name})
  set_property(GLOBAL PROPERTY IOTFUZZ_HARNESS_${name}_TARGET ${H_TARGET})
  set_property(GLOBAL PROPERTY IOTFUZZ_HARNESS_${name}_PROTOCOL ${H_PROTOCOL})
  set_property(GLOBAL PROPERTY IOTFUZZ_HARNESS_${name}_GRAMMAR "${grammar}")
  set_property(GLOBAL PROPERTY IOTFUZZ_HARNESS_${name}_DICT "${dict}")
  set_property(GLOBAL PROPERTY IOTFUZZ_HARNESS_${name}_OPTIONS "${options}")
  set_property(GLOBAL PROPERTY IOTFUZZ_HARNESS_${name}_SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
endfunction()

# The AFL++ variant needs afl-clang-fast++ as the compiler, so it is a child
# build of this same source tree, writing its binaries into our bin/.
function(iotfuzz_add_afl_child_build)
  if(NOT IOTFUZZ_VARIANT STREQUAL "libfuzzer-asan" OR NOT IOTFUZZ_WITH_AFL)
    return()
  endif()
  find_program(AFL_CC afl-clang-fast)
  find_program(AFL_CXX afl-clang-fast++)
  if(NOT AFL_CC OR NOT AFL_CXX)
    message(STATUS "afl-clang-fast++ not found: AFL++ binaries are not built (run scripts/setup)")
    return()
  endif()
  include(ExternalProject)
  ExternalProject_Add(iotfuzz_afl_variant
      SOURCE_DIR ${PROJECT_SOURCE_DIR}
      BINARY_DIR ${CMAKE_BINARY_DIR}/afl-build
      CMAKE_COMMAND ${CMAKE_COMMAND} -E env AFL_QUIET=1 ${CMAKE_COMMAND}
      CMAKE_ARGS
          -G ${CMAKE_GENERATOR}
          -DCMAKE_C_COMPILER=${AFL_CC}
          -DCMAKE_CXX_COMPILER=${AFL_CXX}
          -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
          -DIOTFUZZ_VARIANT=afl
          -DIOTFUZZ_HARNESSES_ONLY=ON
          -DIOTFUZZ_WITH_AFL=OFF
          -DCMAKE_RUNTIME_OUTPUT_DIRECTORY=${CMAKE_BINARY_DIR}/bin
      BUILD_COMMAND ${CMAKE_COMMAND} -E env AFL_QUIET=1 ${CMAKE_COMMAND} --build <BINARY_DIR>
      INSTALL_COMMAND ""
      BUILD_ALWAYS ON
      USES_TERMINAL_BUILD ON)
endfunction()

function(_iotfuzz_json_string out value)
  string(REPLACE "\\" "\\\\" value "${value}")
  string(REPLACE "\"" "\\\"" value "${value}")
  set(${out} "\"${value}\"" PARENT_SCOPE)
endfunction()

# Writes iotfuzz-build.json: the variant, the source tree and every harness with
# its binaries (paths whether or not built yet; the CLI checks they exist).
function(iotfuzz_write_build_manifest)
  if(IOTFUZZ_HARNESSES_ONLY)
    return()
  endif()
  get_property(harnesses GLOBAL PROPERTY IOTFUZZ_HARNESSES)
  set(bin ${CMAKE_RUNTIME_OUTPUT_DIRECTORY})
  set(json "{}")
  _iotfuzz_json_string(v "${IOTFUZZ_VARIANT}")
  string(JSON json SET "${json}" variant "${v}")
  _iotfuzz_json_string(v "${PROJECT_SOURCE_DIR}")
  string(JSON json SET "${json}" source_dir "${v}")
  _iotfuzz_json_string(v "${CMAKE_BINARY_DIR}")
  string(JSON json SET "${json}" build_dir "${v}")
  _iotfuzz_json_string(v "${PROJECT_VERSION}")
  string(JSON json SET "${json}" version "${v}")
  string(JSON json SET "${json}" harnesses "[]")
  set(i 0)
  foreach(h IN LISTS harnesses)
    set(e "{}")
    _iotfuzz_json_string(v "${h}")
    string(JSON e SET "${e}" name "${v}")
    foreach(key TARGET PROTOCOL GRAMMAR DICT OPTIONS SOURCE_DIR)
      get_property(val GLOBAL PROPERTY IOTFUZZ_HARNESS_${h}_${key})
      string(TOLOWER ${key} k)
      _iotfuzz_json_string(v "${val}")
      string(JSON e SET "${e}" ${k} "${v}")
    endforeach()
    _iotfuzz_json_string(v "${PROJECT_SOURCE_DIR}/corpora/${h}")
    string(JSON e SET "${e}" seed_corpus "${v}")
    set(b "{}")
    if(IOTFUZZ_VARIANT STREQUAL "libfuzzer-asan")
      _iotfuzz_json_string(v "${bin}/${h}")
      string(JSON b SET "${b}" libfuzzer "${v}")
      _iotfuzz_json_string(v "${bin}/${h}_replay")
      string(JSON b SET "${b}" replay "${v}")
      if(TARGET iotfuzz_afl_variant)
        _iotfuzz_json_string(v "${bin}/${h}_afl")
        string(JSON b SET "${b}" afl "${v}")
      endif()
    elseif(IOTFUZZ_VARIANT STREQUAL "afl")
      _iotfuzz_json_string(v "${bin}/${h}_afl")
      string(JSON b SET "${b}" afl "${v}")
    elseif(IOTFUZZ_VARIANT STREQUAL "coverage")
      _iotfuzz_json_string(v "${bin}/${h}_cov")
      string(JSON b SET "${b}" coverage "${v}")
    elseif(IOTFUZZ_VARIANT STREQUAL "release")
      _iotfuzz_json_string(v "${bin}/${h}_replay")
      string(JSON b SET "${b}" replay "${v}")
    endif()
    string(JSON e SET "${e}" binaries "${b}")
    string(JSON json SET "${json}" harnesses ${i} "${e}")
    math(EXPR i "${i} + 1")
  endforeach()
  file(WRITE ${CMAKE_BINARY_DIR}/iotfuzz-build.json.tmp "${json}\n")
  file(COPY_FILE ${CMAKE_BINARY_DIR}/iotfuzz-build.json.tmp
       ${CMAKE_BINARY_DIR}/iotfuzz-build.json ONLY_IF_DIFFERENT)
endfunction()
