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

# _component_harness_tests(<harness> <component> <dict> [KNOWN <signature>...])
function(_component_harness_tests harness component dict)
  cmake_parse_arguments(T "" "" "KNOWN" ${ARGN})
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
endfunction()

# libcoap 4.3.1. COAP-1 (targets/libcoap/regressions/README.md): UB in
# coap_get_uri_path() on a Proxy-Uri without a path.
set(_coap_1 "libcoap/src/uri.c:629:27: runtime error: null pointer passed as argument 2")
_component_harness_tests(libcoap_pdu_parse_fuzzer libcoap
    ${PROJECT_SOURCE_DIR}/targets/libcoap/libcoap_pdu_parse_fuzzer.dict KNOWN "${_coap_1}")
_component_harness_tests(libcoap_server_fuzzer libcoap
    ${PROJECT_SOURCE_DIR}/targets/libcoap/libcoap_server_fuzzer.dict)
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
_component_harness_tests(mosquitto_broker_fuzzer mosquitto
    ${PROJECT_SOURCE_DIR}/targets/mosquitto/mosquitto_broker_fuzzer.dict)
_component_harness_tests(mosquitto_client_fuzzer mosquitto
    ${PROJECT_SOURCE_DIR}/targets/mosquitto/mosquitto_client_fuzzer.dict KNOWN "${_mosq_client_1}")
add_test(NAME mosquitto.seed_generator_matches_committed_files
         COMMAND ${_component_test} seeds-match $<TARGET_FILE:mosquitto_seed_generator> ${PROJECT_SOURCE_DIR}
                 corpora/mosquitto_broker_fuzzer corpora/mosquitto_client_fuzzer
                 targets/mosquitto/regressions/mosquitto_client_fuzzer)
if(NOT IOTFUZZ_MOSQUITTO_UPSTREAM_FIXES)
  add_test(NAME MOSQ-CLIENT-1.reproducer_crashes
           COMMAND ${_component_test} reproducer-crashes $<TARGET_FILE:mosquitto_client_fuzzer_replay>
                   ${PROJECT_SOURCE_DIR}/targets/mosquitto/regressions/mosquitto_client_fuzzer/MOSQ-CLIENT-1_connack_unknown_property_null_deref.bin
                   "${_mosq_client_1}")
endif()
set_tests_properties(libcoap.seed_generator_matches_committed_files mosquitto.seed_generator_matches_committed_files
    PROPERTIES TIMEOUT 60)
