#!/usr/bin/env bash
# Fuzzes one parser of outside bytes with libFuzzer (clang, AddressSanitizer + UBSan), starting
# from its seed corpus tests/fuzz/TARGET/ and growing a working corpus in build-fuzz/corpus/.
# Prints libFuzzer's summary (execs, execs/s); a crash leaves its input in build-fuzz/crashes/,
# which belongs in tests/fuzz/TARGET/ once fixed (the corpus ctest then replays it forever).
#
#   tools/fuzz.sh TARGET SECONDS        TARGET: graphdef | npy | idx | tfrecord | sstable | bundle
#
# Environment: SLUICE_FUZZ_BUILD_DIR (default build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: tools/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: tools/fuzz.sh TARGET SECONDS}
[[ -d tests/fuzz/$target ]] || { echo "fuzz: no target '$target' (tests/fuzz/*_fuzzer.cc)" >&2; exit 2; }
build=${SLUICE_FUZZ_BUILD_DIR:-build-fuzz}

tools/setup.sh --no-build --no-data >/dev/null
need=()
for p in clang libclang-rt-14-dev libomp-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  echo "[fuzz] installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
if [[ ! -f $build/build.ninja ]]; then
  flags="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DSLUICE_FUZZERS=ON -DSLUICE_NATIVE_ARCH=OFF -DSLUICE_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" --target "${target}_fuzzer"
mkdir -p "$build/corpus/$target" "$build/crashes"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
"$build/bin/${target}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
  -artifact_prefix="$build/crashes/${target}-" -print_final_stats=1 \
  "$build/corpus/$target" "tests/fuzz/$target" 2>&1 | tail -n 25
