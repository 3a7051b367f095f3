#!/usr/bin/env bash
# Runs sluice_bench and the PyTorch anchor (../shared/bench/torch_anchor.py, Debian python3-torch)
# one after the other on the same machine, for docs/BENCHMARKS.md.
#   bench/side_by_side.sh [workload...]     (default: mlp tiny)
set -euo pipefail
cd "$(dirname "$0")/.."
workloads=("${@:-mlp tiny}")
[ $# -gt 0 ] || workloads=(mlp tiny)
anchor=../shared/bench/torch_anchor.py
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== sluice"
build/bin/sluice_bench --data data/mnist "${workloads[@]}"
echo "== pytorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
/usr/bin/python3 "$anchor" data/mnist "${workloads[@]}"
