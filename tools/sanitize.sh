#!/usr/bin/env bash
# Builds sluice with a sanitizer in a build directory of its own and runs tests there.
#
#   tools/sanitize.sh address [--ci] [ctest arguments...]   AddressSanitizer + UBSan (build-asan/):
#       the ctest suite, fuzz corpora and hostile graphs included, every report fatal (all but the
#       packaging tests and the TensorFlow comparisons; see below). With --ci (what CI runs, to
#       keep CI within its time on two cores): only the programs of CI_PROGRAMS below, the tests
#       of the runtime, the file formats and every parser of outside bytes, the CLI, the kernels
#       that index memory (array, conv, batch norm, scatter, segment, top-k, every kernel's
#       coverage test) and the fuzz corpora; the library-level tests (losses, layers, optimizers,
#       ...) and the example trainings run in the plain build only.
#   tools/sanitize.sh thread [ctest arguments...]    ThreadSanitizer (build-tsan/): the tests
#       labelled "concurrency" (sessions, executor, variables, the stress test).
#
# ThreadSanitizer sees only what is instrumented. Debian's libabsl is not, so absl::Mutex and
# absl::Notification would look like no synchronization at all (hundreds of false reports). The
# thread build therefore compiles abseil itself with -fsanitize=thread: the source of exactly the
# installed libabsl-dev version, fetched with `apt-get source` through a private deb-src list
# made from this machine's apt sources (the system's configuration is not touched), built once
# into build-tsan/absl/. libgomp is not instrumented either, so OpenMP runs with one thread
# there (OMP_NUM_THREADS=1: no OpenMP team, no uninstrumented barriers); the inter-op pool, the
# executor and every absl lock run as they always do. tools/tsan.supp suppresses the one report
# that abseil's annotated lock internals still give (a ThreadIdentity's futex word), and only it.
#
# Environment: SLUICE_SANITIZE_BUILD_DIR overrides the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: tools/sanitize.sh address|thread [--ci] [ctest arguments...]}
shift
ci=0
if [[ ${1:-} == --ci ]]; then
  ci=1
  shift
fi
# The test programs of `address --ci`.
readonly CI_PROGRAMS=(array_ops_test batch_norm_test checkpoint_crash_test cli_test coding_test compiled_graph_test
  concurrency_stress_test control_flow_test conv_ops_test core_test crc32c_test depthwise_conv_test
  device_placement_test env_test file_io_test function_test graph_mutation_test graph_passes_test
  hostile_graph_test idx_test kernel_coverage_test lrn_test meta_graph_test more_ops_test npy_test
  parsing_ops_test record_io_test records_cli_test resource_variable_test saver_test scatter_ops_test
  segment_ops_test session_run_contract_test session_test sparse_gradients_test state_ops_test summary_test
  table_test tensor_bundle_test tf1_graph_test topk_test rnn_ops_test dataset_ops_test data_fn_ops_test
  file_record_reader_test iterator_checkpoint_test v1_control_flow_test)
log() { echo "[sanitize] $*"; }

tools/setup.sh --no-build
case "$mode" in
  address) build=${SLUICE_SANITIZE_BUILD_DIR:-build-asan} ;;
  thread) build=${SLUICE_SANITIZE_BUILD_DIR:-build-tsan} ;;
  *) echo "tools/sanitize.sh: unknown mode '$mode' (address or thread)" >&2; exit 2 ;;
esac

# Abseil from Debian's source package, instrumented with TSan, installed under $1.
build_tsan_abseil() {
  local prefix=$1 work
  work=$(cd "$build" && pwd)/absl
  [[ -f $prefix/lib/cmake/absl/abslConfig.cmake ]] && { log "abseil (TSan): $prefix"; return; }
  local version
  version=$(dpkg-query -W -f='${Version}' libabsl-dev)
  log "abseil (TSan): fetching the source of abseil $version with apt-get source"
  dpkg-query -W -f='${Status}' dpkg-dev 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dpkg-dev >/dev/null
  rm -rf "$work/apt" "$work/src"
  mkdir -p "$work/apt/lists/partial" "$work/apt/sources" "$work/src"
  # The machine's own apt sources with deb-src in place of deb (one-line and deb822 forms).
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] && sed -n 's/^deb \(.*\)/deb-src \1/p' "$f" >> "$work/apt/sources/src.list"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] && sed 's/^Types: *deb$/Types: deb-src/' "$f" > "$work/apt/sources/$(basename "$f")"
  done
  local apt=(apt-get -q -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/apt/sources"
             -o "Dir::State::Lists=$work/apt/lists")
  "${apt[@]}" update >/dev/null
  (cd "$work/src" && "${apt[@]}" source "abseil=$version" >/dev/null 2>&1) ||
    { echo "[sanitize] apt-get source abseil=$version failed" >&2; exit 1; }
  local src
  src=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'abseil-*' | head -n 1)
  log "abseil (TSan): building $(basename "$src")"
  cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_STANDARD=17 \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_FLAGS="-fsanitize=thread" -DABSL_PROPAGATE_CXX_STD=ON \
    -DBUILD_TESTING=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
  cmake --build "$work/build" -j "$(nproc)" >/dev/null
  cmake --install "$work/build" >/dev/null
}

# -O1 with line tables (-g1): what AddressSanitizer recommends, reports with file:line, and a
# build about a third shorter than -O2 -g.
configure=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
           "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DSLUICE_SANITIZE="$mode" -DSLUICE_NATIVE_ARCH=OFF
           -DSLUICE_BUILD_BENCH=OFF)
ctest_args=(--output-on-failure -j2)
if [[ $mode == address ]]; then
  # Not here: the two ConsumerTests build sluice again as an outside project would, and
  # DocExamplesCompile compiles the documentation's examples (packaging and compiling, not memory;
  # the plain build runs them), and the tests labelled tf, whose time goes to TensorFlow's Python
  # (their sluice side, reading and writing TF's files, runs here in the tests of the same
  # formats and the fuzz corpora).
  ctest_args+=(-E '^(ConsumerTest\.|DocExamplesCompile$)' -LE '^tf$')
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
  mkdir -p "$build"
  absl_prefix=$(cd "$build" && pwd)/absl/install
  build_tsan_abseil "$absl_prefix"
  configure+=(-DCMAKE_PREFIX_PATH="$absl_prefix" -DSLUICE_BUILD_EXAMPLES=ON)
  ctest_args+=(-L concurrency)
  export OMP_NUM_THREADS=1
  # tools/tsan.supp: the one report abseil's own lock internals give (it says why).
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$(pwd)/tools/tsan.supp}
fi
programs=""
if ((ci)); then
  [[ $mode == address ]] || { echo "tools/sanitize.sh: --ci is for address mode" >&2; exit 2; }
  programs=$(IFS=';'; echo "${CI_PROGRAMS[*]}")
  # No example programs either: no CI program runs them (examples_test is the plain build's).
  configure+=(-DSLUICE_BUILD_EXAMPLES=OFF)
elif [[ $mode == address ]]; then
  configure+=(-DSLUICE_BUILD_EXAMPLES=ON)
fi
# Configured every time (quick when nothing changed): the program list may differ from the last run's.
log "configuring $build/ (SLUICE_SANITIZE=$mode${programs:+, the CI programs})"
cmake -S . -B "$build" -G Ninja "${configure[@]}" "-DSLUICE_TEST_PROGRAMS=$programs" >/dev/null
log "building $build/"
cmake --build "$build" -j "$(nproc)"
log "running ctest in $build/"
ctest --test-dir "$build" "${ctest_args[@]}" "$@"
