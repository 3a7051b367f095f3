#!/usr/bin/env bash
# Builds sluice (tools/setup.sh, which also fetches MNIST), trains the MNIST MLP example for
# 5 epochs, saving its meta graph and a checkpoint per epoch, then evaluates the saved model with
# the command line program as a user would: `sluice run` on the meta graph and the latest
# checkpoint over MNIST's test files, whose accuracy must equal the example's own. The last line
# is `test_accuracy=...`. Extra arguments go to the program and, coming last, override the
# defaults:   tools/demo.sh --epochs 1
#
# Environment: SLUICE_BUILD_DIR (default build) picks another build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly BUILD_DIR="${SLUICE_BUILD_DIR:-build}"

tools/setup.sh

# Where the example saves (an argument --checkpoint_dir DIR overrides it, as it does for the program).
run_dir="$BUILD_DIR/mnist_mlp_run"
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do
  case "${args[i]}" in
    --checkpoint_dir=*) run_dir="${args[i]#--checkpoint_dir=}" ;;
    --checkpoint_dir) ((i + 1 < ${#args[@]})) && run_dir="${args[i + 1]}" ;;
  esac
done
rm -rf "$run_dir"
mkdir -p "$run_dir"

echo "[demo] $BUILD_DIR/bin/mnist_mlp --epochs 5 --data data/mnist --checkpoint_dir $run_dir $*"
"$BUILD_DIR/bin/mnist_mlp" --epochs 5 --data data/mnist --checkpoint_dir "$run_dir" "$@" | tee "$run_dir/train.log"
example=$(sed -n 's/^test_accuracy=//p' "$run_dir/train.log" | tail -n 1)

cli=("$BUILD_DIR/bin/sluice" run "$run_dir/model.meta" --checkpoint "$run_dir"
     --feed images=@idx:data/mnist/t10k-images-idx3-ubyte.gz --feed labels=@idx:data/mnist/t10k-labels-idx1-ubyte.gz
     --fetch accuracy)
echo "[demo] ${cli[*]}"
line=$("${cli[@]}")
echo "$line"
cli_accuracy=$(printf '%.4f' "${line##* }")
if [[ "$cli_accuracy" != "$example" ]]; then
  echo "[demo] error: sluice run on the saved model gives accuracy $cli_accuracy, the example printed $example" >&2
  exit 1
fi
echo "[demo] sluice run on $run_dir/model.meta and its latest checkpoint: the example's accuracy"
echo "test_accuracy=$cli_accuracy"
