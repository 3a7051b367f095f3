#!/usr/bin/env bash
# Builds sluice (tools/setup.sh, which also fetches MNIST) and trains the MNIST MLP example for
# 5 epochs; its last line is the test accuracy. Extra arguments go to the program and, coming
# last, override the defaults:   tools/demo.sh --epochs 1
#
# Environment: SLUICE_BUILD_DIR (default build) picks another build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly BUILD_DIR="${SLUICE_BUILD_DIR:-build}"

tools/setup.sh
echo "[demo] $BUILD_DIR/bin/mnist_mlp --epochs 5 --data data/mnist $*"
exec "$BUILD_DIR/bin/mnist_mlp" --epochs 5 --data data/mnist "$@"
