#!/usr/bin/env bash
# ctest: an outside project against sluice. `install`: stages `cmake --install BUILD_DIR` in
# WORK_DIR, checks that no -march=native reaches consumers, then configures, builds and runs
# tests/install/consumer with find_package(sluice). `subdirectory`: the same consumer with sluice
# as add_subdirectory (a second build of the library).
#
#   consumer_test.sh install|subdirectory SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
mode=$1 src=$2 build=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
case "$mode" in
  install)
    cmake --install "$build" --prefix "$work/stage" > "$work/install.log"
    test -f "$work/stage/include/sluice/sluice.h"
    test -f "$work/stage/include/sluice/proto/graph.pb.h"
    test -x "$work/stage/bin/sluice"
    test -f "$work/stage/lib/cmake/sluice/sluice-config.cmake"
    if grep -rq -- "-march=native" "$work/stage/lib/cmake/sluice"; then
      echo "consumer_test: -march=native leaks into the installed CMake package" >&2
      exit 1
    fi
    cmake -S "$src/tests/install/consumer" -B "$work/consumer" "${generator[@]}" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/stage"
    ;;
  subdirectory)
    # No optimization: what this checks is the wiring of sluice as a subproject (targets,
    # include paths, generated protos, link order), and an unoptimized second build of the
    # library takes a third of an optimized one's time.
    cmake -S "$src/tests/install/consumer" -B "$work/consumer" "${generator[@]}" \
      -DCMAKE_BUILD_TYPE= -DSLUICE_SOURCE_DIR="$src"
    ;;
  *) echo "usage: consumer_test.sh install|subdirectory SOURCE_DIR BUILD_DIR WORK_DIR" >&2; exit 2 ;;
esac
cmake --build "$work/consumer" -j "$(nproc)"
"$work/consumer/consumer"
"$work/stage/bin/sluice" ops >/dev/null 2>&1 || [[ $mode == subdirectory ]]
