# Checks of a third-party component's harness, run as a ctest command:
#   cmake -DMODE=<mode> ... -P beast_bluez_harness_check.cmake
#
# Only the files directly in CORPUS are used: inputs of findings kept in
# CORPUS/regressions/ are tested separately.
#
# MODE=fuzz   FUZZER, CORPUS, RUNS, WORK_DIR [, DICT, MAX_LEN]
#     libFuzzer from a copy of the seed corpus with -seed=1 -runs=RUNS:
#     passes if it completes all runs without a crash.
# MODE=edges  FUZZER, CORPUS, COMPONENT_PATH, MIN_EDGES, WORK_DIR [, SYMBOLIZER]
#     like OSS-Fuzz's check_build: runs the seeds once (-runs=0
#     -print_coverage=1) and sums the covered edges of the functions whose
#     source lies under COMPONENT_PATH (the component, not the harness);
#     passes if there are at least MIN_EDGES.
# MODE=seeds  GENERATOR, SOURCE_DIR, WORK_DIR, CORPORA (list of names)
#     runs the seed generator into WORK_DIR and requires corpora/<name>/ to
#     hold exactly the committed files, byte for byte.

# Copies the regular files directly in `corpus` to `dir`.
function(copy_seeds corpus dir)
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir})
  file(GLOB seeds LIST_DIRECTORIES false ${corpus}/*)
  file(COPY ${seeds} DESTINATION ${dir})
endfunction()

function(require var)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "${var} is required for MODE=${MODE}")
  endif()
endfunction()

if(MODE STREQUAL "fuzz")
  foreach(v FUZZER CORPUS RUNS WORK_DIR)
    require(${v})
  endforeach()
  file(REMOVE_RECURSE ${WORK_DIR})
  file(MAKE_DIRECTORY ${WORK_DIR}/artifacts)
  copy_seeds(${CORPUS} ${WORK_DIR}/corpus)
  set(args -seed=1 -runs=${RUNS} -reload=0 -print_final_stats=1
      -artifact_prefix=${WORK_DIR}/artifacts/)
  if(DICT)
    list(APPEND args -dict=${DICT})
  endif()
  if(MAX_LEN)
    list(APPEND args -max_len=${MAX_LEN})
  endif()
  execute_process(COMMAND ${FUZZER} ${args} ${WORK_DIR}/corpus
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(REGEX MATCH "Done ${RUNS} runs" done "${out}")
  if(NOT rc EQUAL 0 OR NOT done)
    string(LENGTH "${out}" n)
    if(n GREATER 6000)
      math(EXPR start "${n} - 6000")
      string(SUBSTRING "${out}" ${start} 6000 out)
    endif()
    message(FATAL_ERROR "libFuzzer exited with ${rc} before ${RUNS} runs:\n${out}")
  endif()
  string(REGEX MATCH "DONE +cov: [0-9]+" cov "${out}")
  message(STATUS "${RUNS} runs without a crash (${cov})")
  file(REMOVE_RECURSE ${WORK_DIR})

elseif(MODE STREQUAL "edges")
  foreach(v FUZZER CORPUS COMPONENT_PATH MIN_EDGES WORK_DIR)
    require(${v})
  endforeach()
  if(SYMBOLIZER)
    set(ENV{ASAN_SYMBOLIZER_PATH} ${SYMBOLIZER})
  endif()
  copy_seeds(${CORPUS} ${WORK_DIR})
  execute_process(COMMAND ${FUZZER} -runs=0 -print_coverage=1 ${WORK_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  file(REMOVE_RECURSE ${WORK_DIR})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${FUZZER} -runs=0 failed (${rc}):\n${out}")
  endif()
  string(REGEX MATCH "INITED cov: [0-9]+" inited "${out}")
  string(REGEX MATCHALL "COVERED_FUNC: hits: [0-9]+ edges: [0-9]+/[0-9]+ [^\n]*" funcs "${out}")
  set(edges 0)
  set(functions 0)
  foreach(line IN LISTS funcs)
    string(FIND "${line}" " ${COMPONENT_PATH}" in_component)
    if(in_component GREATER -1 AND line MATCHES "edges: ([0-9]+)/[0-9]+ ")
      math(EXPR edges "${edges} + ${CMAKE_MATCH_1}")
      math(EXPR functions "${functions} + 1")
    endif()
  endforeach()
  if(edges LESS MIN_EDGES)
    message(FATAL_ERROR "the seeds cover ${edges} edges in ${functions} functions under "
            "${COMPONENT_PATH}, fewer than ${MIN_EDGES} (whole binary: ${inited}); is "
            "llvm-symbolizer available?")
  endif()
  message(STATUS "${edges} component edges in ${functions} functions under ${COMPONENT_PATH} "
          "(whole binary: ${inited})")

elseif(MODE STREQUAL "seeds")
  foreach(v GENERATOR SOURCE_DIR WORK_DIR CORPORA)
    require(${v})
  endforeach()
  file(REMOVE_RECURSE ${WORK_DIR})
  file(MAKE_DIRECTORY ${WORK_DIR})
  execute_process(COMMAND ${GENERATOR} ${WORK_DIR} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${GENERATOR} failed (${rc})")
  endif()
  set(problems "")
  foreach(corpus IN LISTS CORPORA)
    file(GLOB generated RELATIVE ${WORK_DIR}/corpora/${corpus} ${WORK_DIR}/corpora/${corpus}/*)
    file(GLOB committed LIST_DIRECTORIES false RELATIVE ${SOURCE_DIR}/corpora/${corpus}
         ${SOURCE_DIR}/corpora/${corpus}/*)
    foreach(f IN LISTS generated)
      if(NOT EXISTS ${SOURCE_DIR}/corpora/${corpus}/${f})
        string(APPEND problems "  ${corpus}/${f}: generated but not committed\n")
      else()
        file(SHA256 ${WORK_DIR}/corpora/${corpus}/${f} a)
        file(SHA256 ${SOURCE_DIR}/corpora/${corpus}/${f} b)
        if(NOT a STREQUAL b)
          string(APPEND problems "  ${corpus}/${f}: differs from the generator's output\n")
        endif()
      endif()
    endforeach()
    foreach(f IN LISTS committed)
      if(NOT EXISTS ${WORK_DIR}/corpora/${corpus}/${f})
        string(APPEND problems "  ${corpus}/${f}: committed but not generated\n")
      endif()
    endforeach()
  endforeach()
  if(problems)
    message(FATAL_ERROR "committed seeds do not match ${GENERATOR}; rerun it with the "
            "source tree as root:\n${problems}")
  endif()
  file(REMOVE_RECURSE ${WORK_DIR})
  message(STATUS "committed seeds match the generator")
else()
  message(FATAL_ERROR "MODE must be fuzz, edges or seeds")
endif()
