# Proves check_layers.cmake catches what it is for: a copy of src/ and
# include/ gets `#include <libmnl/libmnl.h>` planted in a core file, and
# the check must fail on it. Run as
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch dir> -P planted_include.cmake
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/src" "${SOURCE_DIR}/include" DESTINATION "${WORK_DIR}")
# plant_and_expect FILE INCLUDE: FILE (under src/) with INCLUDE appended
# must make the check fail and name FILE.
function(plant_and_expect file planted)
  get_filename_component(folder "${file}" DIRECTORY)
  file(COPY "${SOURCE_DIR}/src/${file}" DESTINATION "${WORK_DIR}/src/${folder}")
  file(APPEND "${WORK_DIR}/src/${file}" "#include ${planted}\n")
  execute_process(COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${WORK_DIR}
                          -P "${CMAKE_CURRENT_LIST_DIR}/check_layers.cmake"
                  RESULT_VARIABLE status OUTPUT_QUIET ERROR_VARIABLE errors)
  if(status EQUAL 0)
    message(FATAL_ERROR "check_layers.cmake let `#include ${planted}` in src/${file} pass")
  endif()
  string(FIND "${errors}" "src/${file}" named)
  if(named EQUAL -1)
    message(FATAL_ERROR "check_layers.cmake failed but did not name src/${file}:\n${errors}")
  endif()
  file(COPY "${SOURCE_DIR}/src/${file}" DESTINATION "${WORK_DIR}/src/${folder}")  # clean again
endfunction()
# System headers in pure layers, and a layer reaching one it may not use.
foreach(planted IN ITEMS "<libmnl/libmnl.h>" "<curl/curl.h>" "<libnftnl/rule.h>" "\"engine/engine_json.hpp\"")
  plant_and_expect(model/verdict.cpp "${planted}")
endforeach()
plant_and_expect(model/verdict.cpp "\"whyno/core/paths/diagnose.hpp\"")         # model below the core
plant_and_expect(core/plan/involved.cpp "\"whyno/core/paths/diagnose.hpp\"")    # plan below paths
plant_and_expect(core/plan/involved.cpp "<sys/socket.h>")
plant_and_expect(core/firewall/explain.cpp "\"core/paths/walk.hpp\"")           # firewall below paths
plant_and_expect(core/firewall/explain.cpp "<libnftnl/rule.h>")
plant_and_expect(core/paths/diagnose.cpp "\"whyno/gather/gather.hpp\"")        # the core reads nothing
plant_and_expect(core/paths/diagnose.cpp "<unistd.h>")
plant_and_expect(render/json.cpp "\"whyno/core/paths/diagnose.hpp\"")           # renderers see the model only
plant_and_expect(engine/discovery.cpp "\"whyno/core/plan/involved.hpp\"")       # readers see the model only
# A core file outside the core's three jobs.
file(WRITE "${WORK_DIR}/src/core/loose.cpp" "// nothing\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${WORK_DIR}
                        -P "${CMAKE_CURRENT_LIST_DIR}/check_layers.cmake"
                RESULT_VARIABLE status OUTPUT_QUIET ERROR_QUIET)
if(status EQUAL 0)
  message(FATAL_ERROR "check_layers.cmake let a file directly in src/core pass")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
message(STATUS "layering check catches planted includes in model/, core/plan, core/firewall, core/paths, render/ and engine/")
