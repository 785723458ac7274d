# Proves check_layers.cmake catches what it is for: a copy of src/ and
# include/ gets `#include <libmnl/libmnl.h>` planted in a core file, and
# the check must fail on it. Run as
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch dir> -P planted_include.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/src" "${SOURCE_DIR}/include" DESTINATION "${WORK_DIR}")
foreach(planted IN ITEMS "<libmnl/libmnl.h>" "<curl/curl.h>" "<libnftnl/rule.h>" "\"engine/engine_json.hpp\"")
  file(COPY "${SOURCE_DIR}/src/core/verdict.cpp" DESTINATION "${WORK_DIR}/src/core")
  file(APPEND "${WORK_DIR}/src/core/verdict.cpp" "#include ${planted}\n")
  execute_process(COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${WORK_DIR}
                          -P "${CMAKE_CURRENT_LIST_DIR}/check_layers.cmake"
                  RESULT_VARIABLE status OUTPUT_QUIET ERROR_VARIABLE errors)
  if(status EQUAL 0)
    message(FATAL_ERROR "check_layers.cmake let `#include ${planted}` in src/core pass")
  endif()
  string(FIND "${errors}" "src/core/verdict.cpp" named)
  if(named EQUAL -1)
    message(FATAL_ERROR "check_layers.cmake failed but did not name the file:\n${errors}")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
message(STATUS "layering check catches planted includes in src/core")
