#!/usr/bin/env bash
# sluice_bench mlp on an idle machine and beside busy loops that keep the cores busy (the load a
# parallel build or another job puts on a shared machine), each way sluice can run:
#   adaptive  the default (SessionOptions::intra_op_threads = 0: fewer threads when others are busy)
#   fixed     intra_op_threads = all cores, whatever the load (what sluice did before)
#   passive   fixed, with OMP_WAIT_POLICY=passive (waiting threads sleep instead of spinning)
# Prints one line per (load, mode): the median of RUNS epochs' mlp_epoch_s.
#
#   bench/loaded.sh [RUNS]       (default 3; run while nothing else runs on the machine)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
bench=build/bin/sluice_bench
cores=$(nproc)
[[ -x $bench ]] || { echo "loaded.sh: build first (tools/setup.sh)" >&2; exit 1; }

busy_pids=()
stop_busy() { ((${#busy_pids[@]})) && kill "${busy_pids[@]}" 2>/dev/null; wait 2>/dev/null || true; busy_pids=(); }
trap stop_busy EXIT
start_busy() {
  local i
  for ((i = 0; i < $1; i++)); do (while :; do :; done) & busy_pids+=($!); done
  sleep 0.5
}

median_epoch() {  # runs sluice_bench mlp $runs times with "$@" as the environment and flags
  local env=() flags=() a
  for a in "$@"; do if [[ $a == *=* ]]; then env+=("$a"); else flags+=("$a"); fi; done
  for ((r = 0; r < runs; r++)); do
    env "${env[@]}" "$bench" "${flags[@]}" mlp | awk '/^mlp_epoch_s/ {print $2}'
  done | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

echo "== machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); median of $runs runs"
printf '%-22s %-10s %s\n' load mode mlp_epoch_s
for busy in 0 1 "$cores"; do
  stop_busy
  ((busy > 0)) && start_busy "$busy"
  label="idle"; ((busy > 0)) && label="$busy busy loop(s)"
  printf '%-22s %-10s %s\n' "$label" adaptive "$(median_epoch)"
  printf '%-22s %-10s %s\n' "$label" fixed "$(median_epoch --intra-op-threads "$cores")"
  printf '%-22s %-10s %s\n' "$label" passive "$(median_epoch OMP_WAIT_POLICY=passive --intra-op-threads "$cores")"
done
