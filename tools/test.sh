#!/usr/bin/env bash
# Builds sluice (tools/setup.sh) and runs every test with ctest. MNIST is fetched when it can be;
# offline, the tests that need it skip. Exits non-zero when a test fails.
#
#   tools/test.sh [ctest arguments...]     e.g. tools/test.sh -R npy
#
# Environment: SLUICE_BUILD_DIR (default build) picks another build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly BUILD_DIR="${SLUICE_BUILD_DIR:-build}"

tools/setup.sh --no-build || echo "[test] fetching MNIST failed (see above); the tests that need it will skip"
tools/setup.sh --no-data
echo "[test] running ctest in $BUILD_DIR/"
exec ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"
