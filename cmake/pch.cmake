# Precompiled headers. On CI's two cores most of a build's time is the same headers parsed again
# for each of some 300 files (the standard library, abseil, protobuf's generated classes, oneDNN,
# gtest, sluice's own most-included headers: about 3 s a file); each library, the CLI, the
# examples' and the tests' helper libraries parse them once instead. Measured on check_ops.cc:
# 8.0 s without, 3.5 s with.
#
# On by default where sluice is the top-level project; never for an outside project that adds it
# as a subdirectory (their flags are not ours to assume). The header examples and an outside
# consumer's build (tests/install) compile without it, so a header that misses an #include still
# fails there. With ccache, set CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,
# include_file_ctime or every file misses the cache.
option(SLUICE_PCH "Build with precompiled headers" ${PROJECT_IS_TOP_LEVEL})

set(SLUICE_PCH_COMMON_HEADERS
    <algorithm> <atomic> <cmath> <cstdint> <cstdio> <cstdlib> <cstring> <functional> <limits> <map>
    <memory> <mutex> <optional> <string> <string_view> <thread> <utility> <vector>
    [["absl/container/flat_hash_map.h"]] [["absl/container/flat_hash_set.h"]]
    [["absl/status/status.h"]] [["absl/status/statusor.h"]] [["absl/strings/str_cat.h"]]
    [["absl/strings/str_join.h"]] [["absl/strings/str_split.h"]] [["absl/strings/numbers.h"]]
    [["absl/synchronization/mutex.h"]] [["absl/types/span.h"]]
    [["core/status.h"]] [["core/tensor.h"]] [["core/graph.h"]] [["core/kernel.h"]]
    [["core/op_registry.h"]])

# sluice_precompile_headers(target [header...]): the common headers and these, precompiled for
# target's own files.
function(sluice_precompile_headers target)
  if(SLUICE_PCH)
    target_precompile_headers(${target} PRIVATE ${SLUICE_PCH_COMMON_HEADERS} ${ARGN})
  endif()
endfunction()

# sluice_reuse_precompile_headers(target from): target's files use from's precompiled header;
# both must be compiled with the same flags and definitions (GCC otherwise ignores the .gch and
# parses the headers as usual: slower, never wrong).
function(sluice_reuse_precompile_headers target from)
  if(SLUICE_PCH)
    target_precompile_headers(${target} REUSE_FROM ${from})
  endif()
endfunction()
