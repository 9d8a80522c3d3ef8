# Helpers to read the RTL file lists (*.f: one path per line relative to the
# list, '-f other.f' to include another list, '#' comments) and to build
# Verilator testbenches from them.

# espnic_read_filelist(VAR LIST_FILE): append the absolute paths in LIST_FILE.
function(espnic_read_filelist var list_file)
  get_filename_component(dir ${list_file} DIRECTORY)
  file(STRINGS ${list_file} lines)
  set(out ${${var}})
  foreach(line IN LISTS lines)
    string(STRIP "${line}" line)
    if(line STREQUAL "" OR line MATCHES "^#")
      continue()
    endif()
    if(line MATCHES "^-f[ \t]+(.+)$")
      espnic_read_filelist(out ${dir}/${CMAKE_MATCH_1})
    else()
      list(APPEND out ${dir}/${line})
    endif()
  endforeach()
  set(${var} ${out} PARENT_SCOPE)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${list_file})
endfunction()

# espnic_verilate(TARGET PREFIX SOURCES_VAR [verilate() options]): verilate() of the RTL files
# in the list variable SOURCES_VAR, whose list of generated C++ files never goes stale.
# Verilator 5.006's verilate() runs Verilator at configure time only when its command line
# changes; after an RTL edit the build runs it again, and a changed set of generated files
# reaches CMake only at the next configure, so that build fails (files missing, or symbols).
# Here every RTL source is a configure dependency, and a source newer than the generated list
# makes the configure run Verilator.
function(espnic_verilate target prefix sources_var)
  set(sources ${${sources_var}})
  set(vdir ${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/${target}.dir/${prefix}.dir)
  set(list_copy ${vdir}/${prefix}_copy.cmake)
  if(EXISTS ${list_copy})
    foreach(src IN LISTS sources)
      if(${src} IS_NEWER_THAN ${list_copy})
        file(REMOVE ${vdir}/verilator_args.txt)
        break()
      endif()
    endforeach()
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${sources})
  verilate(${target} PREFIX ${prefix} SOURCES ${sources} ${ARGN})
endfunction()

set(ESPNIC_VERILATOR_ARGS -Wall -Wno-fatal --x-assign fast --x-initial fast -O3
    ${CMAKE_SOURCE_DIR}/rtl/lint/espnic.vlt)

# espnic_verilated_test(NAME name TOP top SOURCES rtl... TESTBENCH cpp...
#                       [PARAMS -Gx=y ...] [ARGS ...] [LABELS ...])
# Builds a Verilator testbench executable and registers it with ctest.
function(espnic_verilated_test)
  cmake_parse_arguments(T "" "NAME;TOP" "SOURCES;TESTBENCH;PARAMS;ARGS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_TESTBENCH})
  target_include_directories(${T_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/tests/rtl/common)
  espnic_verilate(${T_NAME} V${T_TOP} T_SOURCES TOP_MODULE ${T_TOP}
                  VERILATOR_ARGS ${ESPNIC_VERILATOR_ARGS} ${T_PARAMS})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
  set(labels rtl ${T_LABELS})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${labels}")
endfunction()
