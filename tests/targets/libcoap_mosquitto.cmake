# Tests of the libcoap and mosquitto harnesses (targets/libcoap,
# targets/mosquitto), included from tests/targets/CMakeLists.txt. Per harness:
#   <h>.seed_corpus_replays      the replay binary runs every seed
#   <h>.fuzz_runs                libFuzzer, -seed=1 -runs=3000 from the seeds,
#                                ends without a crash other than a documented
#                                open finding
#   <h>.covers_component_edges   the seeds alone cover at least 100 edges of
#                                the component's own code (not the harness)
# and per component the seed generator check and, per documented finding,
# <finding>.reproducer_crashes (the pinned version still has the bug).
if(NOT IOTFUZZ_REAL_COMPONENTS)
  return()
endif()

set(_component_test ${CMAKE_CURRENT_SOURCE_DIR}/libcoap_mosquitto_harness_test.sh)
set(_component_fuzz_runs 3000)
set(_component_min_edges 100)

# _component_harness_tests(<harness> <component> [KNOWN <signature>...])
# The fuzz runs use the harness's dictionary (derived from its grammar and
# merged with the hand-picked one for grammar harnesses).
function(_component_harness_tests harness component)
  cmake_parse_arguments(T "" "" "KNOWN" ${ARGN})
  get_property(dict GLOBAL PROPERTY IOTFUZZ_HARNESS_${harness}_DICT)
  set(seeds ${PROJECT_SOURCE_DIR}/corpora/${harness})
  add_test(NAME ${harness}.seed_corpus_replays COMMAND $<TARGET_FILE:${harness}_replay> ${seeds})
  set_tests_properties(${harness}.seed_corpus_replays PROPERTIES
      TIMEOUT 60 PASS_REGULAR_EXPRESSION "replayed [0-9]+ input\\(s\\) without a crash")
  add_test(NAME ${harness}.fuzz_runs
           COMMAND ${_component_test} fuzz-runs $<TARGET_FILE:${harness}> ${seeds} ${dict}
                   ${_component_fuzz_runs} ${T_KNOWN})
  add_test(NAME ${harness}.covers_component_edges
           COMMAND ${_component_test} component-edges $<TARGET_FILE:${harness}> ${seeds}
                   ${IOTFUZZ_SOURCES_DIR}/${component} ${_component_min_edges})
  set_tests_properties(${harness}.fuzz_runs ${harness}.covers_component_edges PROPERTIES
      TIMEOUT 120 ENVIRONMENT "ASAN_SYMBOLIZER_PATH=${IOTFUZZ_LLVM_SYMBOLIZER}")
  # Byte-level mutation in the fixed-run test: harnesses with a grammar reach
  # deeper findings within these runs (MOSQ-BROKER-1, COAP-2), and libcoap's
  # and mosquitto's own randomness (message ids, client ids) makes which one
  # a run stops at vary; campaigns use the grammar. Byte-level runs with the
  # grammar's dictionary still stop at some (MOSQ-BROKER-2), hence KNOWN.
  set_property(TEST ${harness}.fuzz_runs APPEND PROPERTY ENVIRONMENT "IOTFUZZ_GRAMMAR=none")
endfunction()

# libcoap 4.3.1. COAP-1 (targets/libcoap/regressions/README.md): UB in
# coap_get_uri_path() on a Proxy-Uri without a path.
set(_coap_1 "libcoap/src/uri.c:629:27: runtime error: null pointer passed as argument 2")
_component_harness_tests(libcoap_pdu_parse_fuzzer libcoap
    KNOWN "${_coap_1}")
# COAP-2: the server allocates the total size a Block1 request announces in
# Size1 (up to 4 GiB) before any data arrives; libFuzzer reports the
# allocation as out-of-memory, a replay binary without libFuzzer's malloc
# limit does not, so the reproducer runs through the libFuzzer binary.
set(_coap_2 "in coap_block_build_body")
# COAP-3: NULL dereference of a Block1 transfer's body when its last block
# carries no data and no body was ever built.
set(_coap_3 "block.c:1639:40: runtime error: member access within null pointer")
_component_harness_tests(libcoap_server_fuzzer libcoap
    KNOWN "${_coap_2}" "${_coap_3}")
add_test(NAME COAP-3.reproducer_crashes
         COMMAND ${_component_test} reproducer-crashes $<TARGET_FILE:libcoap_server_fuzzer_replay>
                 ${PROJECT_SOURCE_DIR}/targets/libcoap/regressions/libcoap_server_fuzzer/COAP-3_block1_second_block_without_body_null_deref.bin
                 "${_coap_3}")
add_test(NAME COAP-2.reproducer_crashes
         COMMAND ${_component_test} reproducer-crashes $<TARGET_FILE:libcoap_server_fuzzer>
                 ${PROJECT_SOURCE_DIR}/targets/libcoap/regressions/libcoap_server_fuzzer/COAP-2_block1_size1_allocates_announced_total.bin
                 "${_coap_2}")
set_tests_properties(COAP-2.reproducer_crashes PROPERTIES
    ENVIRONMENT "ASAN_SYMBOLIZER_PATH=${IOTFUZZ_LLVM_SYMBOLIZER}")
add_test(NAME libcoap.seed_generator_matches_committed_files
         COMMAND ${_component_test} seeds-match $<TARGET_FILE:libcoap_seed_generator> ${PROJECT_SOURCE_DIR}
                 corpora/libcoap_pdu_parse_fuzzer corpora/libcoap_server_fuzzer
                 targets/libcoap/regressions/libcoap_pdu_parse_fuzzer)
add_test(NAME COAP-1.reproducer_crashes
         COMMAND ${_component_test} reproducer-crashes $<TARGET_FILE:libcoap_pdu_parse_fuzzer_replay>
                 ${PROJECT_SOURCE_DIR}/targets/libcoap/regressions/libcoap_pdu_parse_fuzzer/COAP-1_proxy_uri_without_path_memcpy_null.bin
                 "${_coap_1}")

# mosquitto 2.0.11. MOSQ-CLIENT-1 (targets/mosquitto/regressions/README.md):
# NULL dereference in libmosquitto on an unknown MQTT 5 property.
set(_mosq_client_1 "lib/logging_mosq.c:40:28: runtime error: member access within null pointer")
# MOSQ-BROKER-1: the broker leaks a client_sub record on every SUBSCRIBE to a
# filter the client already has (fixed upstream in 2.0.12).
set(_mosq_broker_1 "src/subs.c:295:9")
# MOSQ-BROKER-2: the broker leaks the will of a client whose second CONNECT
# it rejects (fixed upstream in 2.0.16).
set(_mosq_broker_2 "src/handle_connect.c:327:16")
_component_harness_tests(mosquitto_broker_fuzzer mosquitto
    KNOWN "${_mosq_broker_1}" "${_mosq_broker_2}")
_component_harness_tests(mosquitto_client_fuzzer mosquitto
    KNOWN "${_mosq_client_1}")
add_test(NAME mosquitto.seed_generator_matches_committed_files
         COMMAND ${_component_test} seeds-match $<TARGET_FILE:mosquitto_seed_generator> ${PROJECT_SOURCE_DIR}
                 corpora/mosquitto_broker_fuzzer corpora/mosquitto_client_fuzzer
                 targets/mosquitto/regressions/mosquitto_client_fuzzer)
add_test(NAME MOSQ-BROKER-1.reproducer_crashes
         COMMAND ${_component_test} reproducer-crashes $<TARGET_FILE:mosquitto_broker_fuzzer_replay>
                 ${PROJECT_SOURCE_DIR}/targets/mosquitto/regressions/mosquitto_broker_fuzzer/MOSQ-BROKER-1_resubscribe_leaks_client_sub.bin
                 "${_mosq_broker_1}")
add_test(NAME MOSQ-BROKER-2.reproducer_crashes
         COMMAND ${_component_test} reproducer-crashes $<TARGET_FILE:mosquitto_broker_fuzzer_replay>
                 ${PROJECT_SOURCE_DIR}/targets/mosquitto/regressions/mosquitto_broker_fuzzer/MOSQ-BROKER-2_second_connect_leaks_will.bin
                 "${_mosq_broker_2}")
set_tests_properties(MOSQ-BROKER-1.reproducer_crashes MOSQ-BROKER-2.reproducer_crashes PROPERTIES
    ENVIRONMENT "ASAN_SYMBOLIZER_PATH=${IOTFUZZ_LLVM_SYMBOLIZER}")
if(NOT IOTFUZZ_MOSQUITTO_UPSTREAM_FIXES)
  add_test(NAME MOSQ-CLIENT-1.reproducer_crashes
           COMMAND ${_component_test} reproducer-crashes $<TARGET_FILE:mosquitto_client_fuzzer_replay>
                   ${PROJECT_SOURCE_DIR}/targets/mosquitto/regressions/mosquitto_client_fuzzer/MOSQ-CLIENT-1_connack_unknown_property_null_deref.bin
                   "${_mosq_client_1}")
endif()
set_tests_properties(libcoap.seed_generator_matches_committed_files mosquitto.seed_generator_matches_committed_files
    PROPERTIES TIMEOUT 60)
