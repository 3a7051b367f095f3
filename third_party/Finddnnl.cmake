# Finds oneDNN (Debian's libdnnl-dev) and defines the imported target DNNL::dnnl.
#
# Debian's own dnnl-config.cmake requires the OpenCL development files (its oneDNN is built with
# the OpenCL GPU runtime), which libdnnl-dev only recommends: with `--no-install-recommends`
# `find_package(dnnl CONFIG)` fails on a bare machine. sluice uses oneDNN's CPU engine alone, which
# needs the headers and libdnnl.so; the OpenCL loader libdnnl.so links at run time comes with the
# library package itself. So this module looks for exactly those two files.
#
# Result: dnnl_FOUND, dnnl_VERSION, DNNL::dnnl (include directory and library).
include(FindPackageHandleStandardArgs)

find_path(dnnl_INCLUDE_DIR NAMES oneapi/dnnl/dnnl.hpp)
find_library(dnnl_LIBRARY NAMES dnnl)
if(dnnl_INCLUDE_DIR AND EXISTS "${dnnl_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h")
  file(STRINGS "${dnnl_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h" _dnnl_version_lines
       REGEX "#define DNNL_VERSION_(MAJOR|MINOR|PATCH) ")
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX REPLACE ".*#define DNNL_VERSION_${_part} ([0-9]+).*" "\\1" _dnnl_${_part} "${_dnnl_version_lines}")
  endforeach()
  set(dnnl_VERSION "${_dnnl_MAJOR}.${_dnnl_MINOR}.${_dnnl_PATCH}")
endif()

find_package_handle_standard_args(dnnl
  REQUIRED_VARS dnnl_LIBRARY dnnl_INCLUDE_DIR
  VERSION_VAR dnnl_VERSION
  REASON_FAILURE_MESSAGE "install Debian's libdnnl-dev (tools/setup.sh does)")

if(dnnl_FOUND AND NOT TARGET DNNL::dnnl)
  add_library(DNNL::dnnl UNKNOWN IMPORTED)
  set_target_properties(DNNL::dnnl PROPERTIES
    IMPORTED_LOCATION "${dnnl_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${dnnl_INCLUDE_DIR}")
endif()
mark_as_advanced(dnnl_INCLUDE_DIR dnnl_LIBRARY)
