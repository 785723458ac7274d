
# The layering of src/ (ARCHITECTURE.md), checked on the sources themselves:
# run as `cmake -DSOURCE_DIR=<repo> -P check_layers.cmake`. The link graph
# keeps a layer from linking an upper one, but not a file from including a
# header it should not see: a system header (libmnl, curl, libnftnl) or a
# header of another folder. This fails, naming file and line, when
#   - a file of src/<layer> or include/whyno/<layer> includes a whyno header
#     of a layer it may not use ("whyno/<other>/..." or "<other>/x.hpp");
#   - a file of a pure layer (util/, model/, core/*/) includes a system
#     header other than the C++ standard library and fmt (util/ may also use
#     libc's arpa/inet.h);
#   - a file sits directly in src/core/ or include/whyno/core/: the core's
#     files belong to one of its jobs.

cmake_minimum_required(VERSION 3.25)

# What each layer may include, itself included. A layer is a folder of src/
# (and of include/whyno/); the core is split by job into core/plan,
# core/firewall and core/paths, each a layer of its own.
set(allowed_util util)
set(allowed_model model util)
set(allowed_core/plan core/plan model util)
set(allowed_core/firewall core/firewall core/plan model util)
set(allowed_core/paths core/paths core/firewall core/plan model util)
set(allowed_sys sys util)
set(allowed_kernel kernel sys model util)
set(allowed_netfilter netfilter sys model util)
set(allowed_engine engine sys model util)
set(allowed_probe probe sys core/plan model util)
set(allowed_gather gather engine kernel netfilter sys core/plan model util)
set(allowed_snapshot snapshot model util)
set(allowed_render render model util)
set(allowed_cli cli gather probe snapshot render engine kernel netfilter sys core/paths core/firewall
    core/plan model util)
set(layers util model core/plan core/firewall core/paths sys kernel netfilter engine probe gather
    snapshot render cli)
# Layers that are pure: no system header but the C++ standard library and fmt.
set(pure_layers util model core/plan core/firewall core/paths)

# The C++ standard library headers the pure layers may use.
set(standard_headers
  algorithm any array atomic bit bitset cassert cctype cerrno charconv chrono cinttypes
  climits cmath compare concepts cstddef cstdint cstdio cstdlib cstring ctime deque
  exception expected filesystem format functional initializer_list iomanip ios iosfwd
  iostream istream iterator limits list locale map memory mutex new numeric optional
  ostream queue random ranges regex set source_location span sstream stack stdexcept
  string string_view system_error thread tuple type_traits typeinfo unordered_map
  unordered_set utility variant vector)

set(problems "")
foreach(layer IN LISTS layers)
  file(GLOB files "${SOURCE_DIR}/src/${layer}/*.cpp" "${SOURCE_DIR}/src/${layer}/*.hpp"
       "${SOURCE_DIR}/include/whyno/${layer}/*.hpp")
  foreach(file IN LISTS files)
    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include")
    file(RELATIVE_PATH shown "${SOURCE_DIR}" "${file}")
    foreach(line IN LISTS lines)
      if(line MATCHES "#[ \t]*include[ \t]*\"([^\"]+)\"")
        set(header "${CMAKE_MATCH_1}")
        set(target_layer "")
        if(header MATCHES "^whyno/core/([a-z_]+)/[^/]+$")
          set(target_layer "core/${CMAKE_MATCH_1}")
        elseif(header MATCHES "^whyno/([a-z_]+)/[^/]+$")
          set(target_layer "${CMAKE_MATCH_1}")
        elseif(header MATCHES "^core/([a-z_]+)/[^/]+$")
          set(target_layer "core/${CMAKE_MATCH_1}")
        elseif(header MATCHES "^([a-z_]+)/[^/]+$")
          set(target_layer "${CMAKE_MATCH_1}")
        endif()
        if(target_layer)
          if(NOT target_layer IN_LIST allowed_${layer})
            list(APPEND problems "${shown}: ${layer}/ may not include \"${header}\"")
          endif()
        elseif(header MATCHES "/")
          list(APPEND problems "${shown}: \"${header}\" reaches outside its folder")
        endif()
      elseif(line MATCHES "#[ \t]*include[ \t]*<([^>]+)>")
        set(header "${CMAKE_MATCH_1}")
        if(layer IN_LIST pure_layers)
          set(ok FALSE)
          if(header IN_LIST standard_headers OR header MATCHES "^fmt/")
            set(ok TRUE)
          elseif(layer STREQUAL "util" AND header STREQUAL "arpa/inet.h")
            set(ok TRUE)
          endif()
          if(NOT ok)
            list(APPEND problems "${shown}: ${layer}/ is pure and may not include <${header}>")
          endif()
        endif()
      endif()
    endforeach()
  endforeach()
endforeach()

file(GLOB loose "${SOURCE_DIR}/src/core/*.*" "${SOURCE_DIR}/include/whyno/core/*.*")
foreach(file IN LISTS loose)
  file(RELATIVE_PATH shown "${SOURCE_DIR}" "${file}")
  list(APPEND problems "${shown}: belongs in core/plan, core/firewall or core/paths")
endforeach()

if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "layering broken:\n  ${text}")
endif()
message(STATUS "layering: every include stays within its layer")
