# cmake/fuzz.cmake: libFuzzer targets and their corpus replays.
#
# espnic_fuzz_target(NAME fuzz_x CORPUS dir TEST name REPLAY_TEST name
#                    REPLAY_LIBS targets... [REPLAY_SOURCES files...]
#                    CLANG_SOURCES files... CLANG_INCLUDES dirs... CLANG_LIBS libs...
#                    [CLANG_DEFINES names...])
#
# NAME.c (in the calling folder) defines LLVMFuzzerTestOneInput. Two builds of it:
# - the corpus replay (REPLAY_TEST, label unit): NAME.c with tests/fuzz/corpus_replay.c,
#   built by this build's compiler (with REPLAY_SOURCES) and linked with REPLAY_LIBS, run
#   over the committed
#   corpus (seeds and crash regressions) under the build's sanitizers;
# - the libFuzzer run (TEST, labels unit and fuzz, 20 s): NAME.c and CLANG_SOURCES (the code
#   under test) compiled by clang with -fsanitize=fuzzer,address,undefined. With clang as
#   the C compiler it is an ordinary target; otherwise one clang command builds it. New
#   inputs go to the build tree; a crash leaves crash-* there (add it to the corpus as a
#   regression) and exits 1 (libFuzzer's own 77 would read as ctest's skip code). Without clang TEST fails naming the packages (scripts/setup.sh installs
#   them; a missing test would let the label pass on a machine where the setup went wrong).
# A longer run: build/<folder>/NAME -max_total_time=600 build/<folder>/NAME_corpus <CORPUS>.
set(ESPNIC_FUZZ_FLAGS -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all)
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  find_program(ESPNIC_CLANG NAMES clang clang-14)
endif()

# espnic_fuzz_sources(OUT targets...): the sources of the targets, absolute, for CLANG_SOURCES
# (a target that compiles a library again with clang lists the library, not its files).
function(espnic_fuzz_sources out)
  set(all)
  foreach(t IN LISTS ARGN)
    get_target_property(srcs ${t} SOURCES)
    get_target_property(dir ${t} SOURCE_DIR)
    foreach(s IN LISTS srcs)
      if(NOT IS_ABSOLUTE ${s})
        set(s ${dir}/${s})
      endif()
      list(APPEND all ${s})
    endforeach()
  endforeach()
  set(${out} ${all} PARENT_SCOPE)
endfunction()

function(espnic_fuzz_target)
  cmake_parse_arguments(F "" "NAME;CORPUS;TEST;REPLAY_TEST"
                        "REPLAY_LIBS;REPLAY_SOURCES;CLANG_SOURCES;CLANG_INCLUDES;CLANG_LIBS;CLANG_DEFINES"
                        ${ARGN})
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${F_NAME}.c)
  set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/${F_CORPUS})
  string(REPLACE "fuzz_" "replay_" replay ${F_NAME})
  add_executable(${replay} ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus_replay.c
                 ${F_REPLAY_SOURCES})
  target_link_libraries(${replay} PRIVATE ${F_REPLAY_LIBS})
  espnic_c_target(${replay})
  add_test(NAME ${F_REPLAY_TEST} COMMAND ${replay} ${corpus})
  set_tests_properties(${F_REPLAY_TEST} PROPERTIES LABELS unit)

  set(bin ${CMAKE_CURRENT_BINARY_DIR}/${F_NAME})
  set(have OFF)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    add_executable(${F_NAME} ${src} ${F_CLANG_SOURCES})
    target_include_directories(${F_NAME} PRIVATE ${F_CLANG_INCLUDES})
    target_compile_options(${F_NAME} PRIVATE ${ESPNIC_C_WARNINGS} ${ESPNIC_FUZZ_FLAGS})
    target_compile_definitions(${F_NAME} PRIVATE _DEFAULT_SOURCE ${F_CLANG_DEFINES})
    target_link_options(${F_NAME} PRIVATE ${ESPNIC_FUZZ_FLAGS})
    target_link_libraries(${F_NAME} PRIVATE ${F_CLANG_LIBS})
    set(bin $<TARGET_FILE:${F_NAME}>)
    set(have ON)
  elseif(ESPNIC_CLANG)
    list(TRANSFORM F_CLANG_INCLUDES PREPEND -I OUTPUT_VARIABLE incs)
    list(TRANSFORM F_CLANG_DEFINES PREPEND -D OUTPUT_VARIABLE defs)
    set(libs)
    foreach(l IN LISTS F_CLANG_LIBS)
      if(l MATCHES "^/")
        list(APPEND libs ${l})
      else()
        list(APPEND libs -l${l})
      endif()
    endforeach()
    add_custom_command(
      OUTPUT ${bin}
      COMMAND ${ESPNIC_CLANG} -std=c11 -D_DEFAULT_SOURCE ${defs} ${ESPNIC_C_WARNINGS} ${ESPNIC_FUZZ_FLAGS}
              ${incs} ${src} ${F_CLANG_SOURCES} ${libs} -o ${bin}
      DEPENDS ${src} ${F_CLANG_SOURCES}
      COMMENT "Building ${F_NAME} with clang (libFuzzer)"
      VERBATIM)
    add_custom_target(${F_NAME}_clang ALL DEPENDS ${bin})
    set(have ON)
  else()
    add_test(NAME ${F_TEST}
             COMMAND sh -c "echo 'FAIL: clang missing: install the packages clang libclang-rt-14-dev (scripts/setup.sh does) and configure again'; exit 1")
    set_tests_properties(${F_TEST} PROPERTIES LABELS "unit;fuzz")
  endif()
  if(have)
    file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${F_NAME}_corpus)
    add_test(NAME ${F_TEST}
             COMMAND ${bin} -max_total_time=20 -rss_limit_mb=1024 -error_exitcode=1
                     -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/
                     ${CMAKE_CURRENT_BINARY_DIR}/${F_NAME}_corpus ${corpus})
    set_tests_properties(${F_TEST} PROPERTIES LABELS "unit;fuzz" TIMEOUT 120)
  endif()
endfunction()
