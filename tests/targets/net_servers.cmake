# Tests of the network-mode servers of the real components (libcoap,
# Boost.Beast, BlueZ), through the iotfuzz CLI; included from
# tests/targets/CMakeLists.txt. Per network target <t>:
#   net.<t>.replay.<session>   `iotfuzz replay` of a committed well-formed
#                              session (targets/<component>/net/sessions/)
#                              against the persistent server: the server
#                              survives, every message is sent, the grammar
#                              explains it, and the expected responses appear
#   net.<t>.persistent_run     `iotfuzz net --reset persistent --sessions 300
#                              --seed 1`: exit 0, or 2 with sanitizer reports
#                              of the component only (printed); edges > 0
#                              when the AFL++ build of the server exists
#   net.<t>.forkserver_run     the same with --reset forkserver (a fresh child
#                              of the deferred forkserver per session), when
#                              this tree builds the AFL++ binaries
# and per server program <p>:
#   net.<p>.command_line       bad command lines and a taken port are refused
#                              with exit status 2 and a message
# The servers listen on free loopback ports chosen at run time; iotfuzz stops
# every process it starts. Patterns are extended regular expressions over the
# transcript `iotfuzz replay` prints ("<     RULE [STATE] (N bytes): TEXT";
# the state of a CoAP response is its code in hex, of an HTTP response its
# status digits in hex); long messages are printed cut, so patterns match
# their beginning. No semicolons in patterns (CMake list separators).
if(NOT IOTFUZZ_REAL_COMPONENTS)
  return()
endif()

set(_net_server_test ${CMAKE_CURRENT_SOURCE_DIR}/net_server_test.sh)
set(_net_fuzz_sessions 300)

# _net_replay_test(<target> <session file> <pattern>...)
function(_net_replay_test target session)
  get_filename_component(name ${session} NAME_WE)
  add_test(NAME net.${target}.replay.${name}
           COMMAND ${_net_server_test} replay $<TARGET_FILE:iotfuzz> ${target} ${session} ${ARGN})
  set_tests_properties(net.${target}.replay.${name} PROPERTIES
      TIMEOUT 60 ENVIRONMENT "IOTFUZZ_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# _net_fuzz_tests(<target> <program>)
function(_net_fuzz_tests target program)
  set(afl_binary ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/${program}_afl)
  set(modes persistent)
  if(TARGET iotfuzz_afl_variant)
    list(APPEND modes forkserver)
  endif()
  foreach(mode IN LISTS modes)
    add_test(NAME net.${target}.${mode}_run
             COMMAND ${_net_server_test} fuzz $<TARGET_FILE:iotfuzz> ${target} ${mode}
                     ${_net_fuzz_sessions} ${afl_binary})
    # One campaign at a time: answers are awaited by watching the server, and
    # a machine busy with other campaigns only slows them down.
    set_tests_properties(net.${target}.${mode}_run PROPERTIES
        TIMEOUT 300 RUN_SERIAL TRUE ENVIRONMENT "IOTFUZZ_BUILD_DIR=${CMAKE_BINARY_DIR}")
  endforeach()
endfunction()

# _net_usage_test(<program> <transport>)
function(_net_usage_test program transport)
  add_test(NAME net.${program}.command_line
           COMMAND ${_net_server_test} usage $<TARGET_FILE:${program}> ${transport})
  set_tests_properties(net.${program}.command_line PROPERTIES TIMEOUT 60)
endfunction()

# libcoap: CoAP over UDP, the device resources of libcoap_server_fuzzer.
set(_sessions ${PROJECT_SOURCE_DIR}/targets/libcoap/net/sessions)
# GET /.well-known/core: 2.05 Content with the device's link format.
_net_replay_test(libcoap_server ${_sessions}/get_well_known_core.bin
    "^<     response \\[response:45\\] \\(180 bytes\\): .*</sensors/temperature>.obs.ct=0.rt=\"temperature-c\".obs,</actuators/led>")
# Block2 GET of config: six 2.05 blocks, the first the document's beginning.
_net_replay_test(libcoap_server ${_sessions}/get_config_block2_szx2.bin
    "^> \\[1\\] block2_first "
    "^<     response \\[response:45\\] \\(83 bytes\\): .*\\{\"device\":\"thermostat-7\",\"report_interval_s\":60"
    "^> \\[6\\] block2_next ")
# Observe: the registration answered with the reading, and the new reading
# before the third datagram notified (21.75). (The empty confirmable message
# in between is answered with a reset in most runs but not all: libcoap's
# answer to it depends on the notification in flight, so it is not checked.)
_net_replay_test(libcoap_server ${_sessions}/observe_temperature_register_readings_deregister.bin
    "^<     response \\[response:45\\] \\(18 bytes\\): .*21\\.50$"
    "^<     response \\[response:45\\] \\(18 bytes\\): .*21\\.75$")
# Block1 PUT of config: 2.31 Continue per block, 2.04 Changed at the end,
# then the new document.
_net_replay_test(libcoap_server ${_sessions}/put_config_block1_szx2_then_get.bin
    "^<     response \\[response:5f\\]"
    "^<     response \\[response:44\\]"
    "^<     response \\[response:45\\] .*\\{\"device\":\"thermostat-7\",\"report_interval_s\":30,\"setpoint\"")
# An unrecognized critical option (65001), marked must_reject in the grammar:
# 4.02 Bad Option (RFC 7252 5.4.1), so no invalid-input-accepted finding.
_net_replay_test(libcoap_server ${_sessions}/get_with_unknown_critical_option.bin
    "^<     response \\[response:82\\] ")
_net_fuzz_tests(libcoap_server libcoap_device_server)
_net_usage_test(libcoap_device_server udp)

# Boost.Beast: the device REST API over HTTP/1.1 keep-alive connections.
set(_sessions ${PROJECT_SOURCE_DIR}/targets/beast/net/sessions)
# The device status: 200 with the device's JSON.
_net_replay_test(beast_http_server ${_sessions}/get_status.http
    "^<     response \\[response:323030\\] \\(223 bytes\\): HTTP/1\\.1 200 OK.*\\{\"battery\":87,\"device\":\"front-door\"")
# A login on the keep-alive connection, then the configuration with its token.
_net_replay_test(beast_http_server ${_sessions}/login_then_get_config.http
    "^<     response \\[response:323030\\] .*\\{\"expires_in\":3600,\"token\":\"49b60f8c29a"
    "^<     response \\[response:323030\\] .*\\{\"led\":true,\"mqtt\":\\{\"host\":\"broker")
# A firmware image streamed with Content-Length: 202 Accepted, then its state.
_net_replay_test(beast_http_server ${_sessions}/firmware_upload_content_length.http
    "^<     response \\[response:323032\\] .*HTTP/1\\.1 202 Accepted"
    "^> \\[3\\] request .*GET /api/v1/firmware"
    "^<     response \\[response:323030\\] .*HTTP/1\\.1 200 OK")
# Both framing fields, and two different Content-Lengths (marked must_reject
# in the grammar): 400 Bad Request, so no invalid-input-accepted finding.
_net_replay_test(beast_http_server ${_sessions}/content_length_and_transfer_encoding.http
    "^<     response \\[response:343030\\] .*HTTP/1\\.1 400 Bad Request")
_net_replay_test(beast_http_server ${_sessions}/two_content_lengths.http
    "^<     response \\[response:343030\\] .*HTTP/1\\.1 400 Bad Request")
_net_fuzz_tests(beast_http_server beast_device_server)
_net_usage_test(beast_device_server tcp)

# BlueZ: ATT PDUs framed over TCP, bridged to bt_att.
set(_sessions ${PROJECT_SOURCE_DIR}/targets/bluez/net/sessions)
# Exchange MTU: the response offers 517 (0x0205).
_net_replay_test(bluez_att_server ${_sessions}/exchange_mtu_517.bin
    "^<     mtu_response \\[mtu_response:0502\\] \\(5 bytes\\)")
# Primary service discovery: GAP/GATT/Battery (16-bit), then on to the lock's
# 128-bit service, then Attribute Not Found (an Error Response) at the end.
_net_replay_test(bluez_att_server ${_sessions}/discover_primary_services.bin
    "^<     services_response \\[services_response\\] \\(22 bytes\\)"
    "^<     services_response \\[services_response\\] \\(24 bytes\\)"
    "^> \\[4\\] discover_primary_services")
# Lock commands written and the lock state read back.
_net_replay_test(bluez_att_server ${_sessions}/lock_commands.bin
    "^<     write_response \\[write_response\\] \\(3 bytes\\)"
    "^<     read_response \\[read_response\\] \\(11 bytes\\)")
# The event log read long: Read Response, then full Read Blob Responses.
_net_replay_test(bluez_att_server ${_sessions}/read_long_event_log.bin
    "^<     read_response \\[read_response\\] \\(25 bytes\\)"
    "^<     read_blob_response \\[read_blob_response\\] \\(25 bytes\\)"
    "^<     read_blob_response \\[read_blob_response\\] \\(9 bytes\\)")
_net_fuzz_tests(bluez_att_server bluez_att_server)
_net_usage_test(bluez_att_server tcp)
