# Tests of bluez_gatt_server_fuzzer (targets/bluez): the seed corpus replays,
# libFuzzer runs a fixed number of inputs from it without a crash, the seeds
# reach the component (BlueZ's src/shared and lib), and the committed seeds
# are the generator's output. Included from tests/targets/CMakeLists.txt.
if(NOT TARGET bluez_gatt_server_fuzzer)
  return()
endif()

set(_bluez_check ${CMAKE_CURRENT_LIST_DIR}/beast_bluez_harness_check.cmake)
set(_bluez_harness bluez_gatt_server_fuzzer)
get_property(_bluez_dict GLOBAL PROPERTY IOTFUZZ_HARNESS_${_bluez_harness}_DICT)

add_test(NAME ${_bluez_harness}.seed_corpus_replays
         COMMAND $<TARGET_FILE:${_bluez_harness}_replay> ${PROJECT_SOURCE_DIR}/corpora/${_bluez_harness})
set_tests_properties(${_bluez_harness}.seed_corpus_replays PROPERTIES
    TIMEOUT 60 PASS_REGULAR_EXPRESSION "replayed [0-9]+ input\\(s\\) without a crash")

add_test(NAME ${_bluez_harness}.fixed_runs_without_crash
         COMMAND ${CMAKE_COMMAND} -DMODE=fuzz
                 -DFUZZER=$<TARGET_FILE:${_bluez_harness}>
                 -DCORPUS=${PROJECT_SOURCE_DIR}/corpora/${_bluez_harness}
                 -DDICT=${_bluez_dict}
                 -DMAX_LEN=4096 -DRUNS=3000
                 -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/${_bluez_harness}.fuzz
                 -P ${_bluez_check})
set_tests_properties(${_bluez_harness}.fixed_runs_without_crash PROPERTIES TIMEOUT 180)

add_test(NAME ${_bluez_harness}.seeds_cover_component
         COMMAND ${CMAKE_COMMAND} -DMODE=edges
                 -DFUZZER=$<TARGET_FILE:${_bluez_harness}>
                 -DCORPUS=${PROJECT_SOURCE_DIR}/corpora/${_bluez_harness}
                 -DCOMPONENT_PATH=${IOTFUZZ_SOURCES_DIR}/bluez/
                 -DMIN_EDGES=100
                 -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/${_bluez_harness}.edges
                 -DSYMBOLIZER=${IOTFUZZ_LLVM_SYMBOLIZER}
                 -P ${_bluez_check})
set_tests_properties(${_bluez_harness}.seeds_cover_component PROPERTIES TIMEOUT 300)

add_test(NAME ${_bluez_harness}.seeds_match_generator
         COMMAND ${CMAKE_COMMAND} -DMODE=seeds
                 -DGENERATOR=$<TARGET_FILE:bluez_seed_generator>
                 -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                 -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/bluez_seeds
                 -DCORPORA=${_bluez_harness}
                 -P ${_bluez_check})
set_tests_properties(${_bluez_harness}.seeds_match_generator PROPERTIES TIMEOUT 60)

# Inputs of findings (corpora/bluez_gatt_server_fuzzer/regressions/README.md)
# replay without a crash.
add_test(NAME ${_bluez_harness}.regressions_replay
         COMMAND $<TARGET_FILE:${_bluez_harness}_replay>
                 ${PROJECT_SOURCE_DIR}/corpora/${_bluez_harness}/regressions)
set_tests_properties(${_bluez_harness}.regressions_replay PROPERTIES
    TIMEOUT 60 PASS_REGULAR_EXPRESSION "replayed [0-9]+ input\\(s\\) without a crash")
