# Servers for iotfuzz's network mode (`iotfuzz net`).
#
#   iotfuzz_add_server_program(<program>
#       SOURCES <files...>          server main and component sources
#       [INCLUDE_DIRECTORIES <dirs...>] [COMPILE_DEFINITIONS <defs...>]
#       [LINK_LIBRARIES <libs...>] [LINK_OPTIONS <opts...>])
#
#   Binaries, in ${CMAKE_BINARY_DIR}/bin:
#     variant libfuzzer-asan: <program>      ASan + UBSan, no coverage (black-box runs)
#     variant afl:            <program>_afl  AFL++ edge coverage (afl-clang-fast) + ASan
#                                            + UBSan; the network executor reads its
#                                            shared-memory map (child build of the
#                                            libfuzzer-asan tree)
#
#   iotfuzz_add_network_target(<name>
#       PROGRAM <program>           a program declared with iotfuzz_add_server_program
#       TARGET <component> PROTOCOL <http|mqtt|coap|ble-att>
#       TRANSPORT <tcp|udp>
#       GRAMMAR <file> SESSION <session>   what iotfuzz sends, in which order
#       ARGS <args...>              command line; {port} becomes the port chosen at
#                                   run time, {source_dir} the source tree, {work_dir}
#                                   a directory private to the run
#       [DEFERRED_FORKSERVER]       the program calls __afl_manual_init() once it is
#                                   ready (sockets bound): forkserver children start there
#       [RECONNECT]                 the server closes connections as part of the protocol
#                                   (an HTTP server answering with Connection: close): a
#                                   session's next message goes over a new connection
#                                   instead of ending the session (iotfuzz net --reconnect)
#       [LIVENESS <http-head|mqtt-ping|coap-ping|att-mtu>])
#
# Every network target is listed under "servers" in iotfuzz-build.json; the
# launch description (command, port placeholder, transport, readiness) is the
# one `iotfuzz net` uses.

include_guard(GLOBAL)

function(iotfuzz_add_server_program program)
  cmake_parse_arguments(S "" ""
      "SOURCES;INCLUDE_DIRECTORIES;COMPILE_DEFINITIONS;LINK_LIBRARIES;LINK_OPTIONS" ${ARGN})
  if(NOT S_SOURCES)
    message(FATAL_ERROR "iotfuzz_add_server_program(${program}): SOURCES is required")
  endif()
  if(IOTFUZZ_VARIANT STREQUAL "libfuzzer-asan")
    set(tgt ${program})
  elseif(IOTFUZZ_VARIANT STREQUAL "afl")
    set(tgt ${program}_afl)
  else()
    return()
  endif()
  add_executable(${tgt} ${S_SOURCES})
  target_include_directories(${tgt} PRIVATE ${S_INCLUDE_DIRECTORIES} ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${tgt} PRIVATE ${S_COMPILE_DEFINITIONS})
  target_link_libraries(${tgt} PRIVATE iotfuzz::asan_ubsan ${S_LINK_LIBRARIES})
  target_link_options(${tgt} PRIVATE ${S_LINK_OPTIONS})
endfunction()

function(iotfuzz_add_network_target name)
  cmake_parse_arguments(N "DEFERRED_FORKSERVER;RECONNECT" "PROGRAM;TARGET;PROTOCOL;TRANSPORT;GRAMMAR;SESSION;LIVENESS"
                        "ARGS" ${ARGN})
  foreach(required PROGRAM TARGET PROTOCOL TRANSPORT GRAMMAR SESSION ARGS)
    if(NOT N_${required})
      message(FATAL_ERROR "iotfuzz_add_network_target(${name}): ${required} is required")
    endif()
  endforeach()
  if(NOT N_TRANSPORT MATCHES "^(tcp|udp)$")
    message(FATAL_ERROR "iotfuzz_add_network_target(${name}): TRANSPORT ${N_TRANSPORT}: expected tcp or udp")
  endif()
  get_filename_component(grammar ${N_GRAMMAR} ABSOLUTE BASE_DIR ${PROJECT_SOURCE_DIR})
  if(NOT EXISTS ${grammar})
    message(FATAL_ERROR "iotfuzz_add_network_target(${name}): grammar ${grammar} does not exist")
  endif()
  set_property(GLOBAL APPEND PROPERTY IOTFUZZ_SERVERS ${name})
  foreach(key PROGRAM TARGET PROTOCOL TRANSPORT SESSION LIVENESS)
    set_property(GLOBAL PROPERTY IOTFUZZ_SERVER_${name}_${key} "${N_${key}}")
  endforeach()
  set_property(GLOBAL PROPERTY IOTFUZZ_SERVER_${name}_GRAMMAR "${grammar}")
  set_property(GLOBAL PROPERTY IOTFUZZ_SERVER_${name}_ARGS "${N_ARGS}")
  set_property(GLOBAL PROPERTY IOTFUZZ_SERVER_${name}_DEFERRED ${N_DEFERRED_FORKSERVER})
  set_property(GLOBAL PROPERTY IOTFUZZ_SERVER_${name}_RECONNECT ${N_RECONNECT})
  set_property(GLOBAL PROPERTY IOTFUZZ_SERVER_${name}_SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
endfunction()

# The "servers" array of iotfuzz-build.json (called by iotfuzz_write_build_manifest).
function(_iotfuzz_servers_json json_var)
  set(json "${${json_var}}")
  string(JSON json SET "${json}" servers "[]")
  get_property(servers GLOBAL PROPERTY IOTFUZZ_SERVERS)
  set(bin ${CMAKE_RUNTIME_OUTPUT_DIRECTORY})
  set(i 0)
  foreach(s IN LISTS servers)
    set(e "{}")
    _iotfuzz_json_string(v "${s}")
    string(JSON e SET "${e}" name "${v}")
    foreach(key PROGRAM TARGET PROTOCOL TRANSPORT SESSION LIVENESS GRAMMAR SOURCE_DIR)
      get_property(val GLOBAL PROPERTY IOTFUZZ_SERVER_${s}_${key})
      string(TOLOWER ${key} k)
      _iotfuzz_json_string(v "${val}")
      string(JSON e SET "${e}" ${k} "${v}")
    endforeach()
    foreach(flag DEFERRED:deferred_forkserver RECONNECT:reconnect)
      string(REPLACE ":" ";" flag "${flag}")
      list(GET flag 0 property)
      list(GET flag 1 key)
      get_property(value GLOBAL PROPERTY IOTFUZZ_SERVER_${s}_${property})
      if(value)
        string(JSON e SET "${e}" ${key} true)
      else()
        string(JSON e SET "${e}" ${key} false)
      endif()
    endforeach()
    string(JSON e SET "${e}" args "[]")
    get_property(args GLOBAL PROPERTY IOTFUZZ_SERVER_${s}_ARGS)
    set(j 0)
    foreach(a IN LISTS args)
      _iotfuzz_json_string(v "${a}")
      string(JSON e SET "${e}" args ${j} "${v}")
      math(EXPR j "${j} + 1")
    endforeach()
    get_property(program GLOBAL PROPERTY IOTFUZZ_SERVER_${s}_PROGRAM)
    set(b "{}")
    if(IOTFUZZ_VARIANT STREQUAL "libfuzzer-asan")
      _iotfuzz_json_string(v "${bin}/${program}")
      string(JSON b SET "${b}" asan "${v}")
      if(TARGET iotfuzz_afl_variant)
        _iotfuzz_json_string(v "${bin}/${program}_afl")
        string(JSON b SET "${b}" afl "${v}")
      endif()
    elseif(IOTFUZZ_VARIANT STREQUAL "afl")
      _iotfuzz_json_string(v "${bin}/${program}_afl")
      string(JSON b SET "${b}" afl "${v}")
    endif()
    string(JSON e SET "${e}" binaries "${b}")
    string(JSON json SET "${json}" servers ${i} "${e}")
    math(EXPR i "${i} + 1")
  endforeach()
  set(${json_var} "${json}" PARENT_SCOPE)
endfunction()
