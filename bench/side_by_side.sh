#!/usr/bin/env bash
# One run, one machine: sluice (build/bin/sluice_bench), TensorFlow (bench/tf_anchor.py, the
# TF1 way), PyTorch from PyPI (../shared/bench/torch_anchor.py, and bench/torch_mf_dnn.py for mf_dnn,
# in bench/.venv), Debian's PyTorch
# when /usr/bin/python3 has it, and the GEMM floor of each workload (build/bin/sgemm_probe),
# printed as one markdown table. The lenet floor also counts the convolutions (build/bin/conv_probe). Run while nothing else runs on the machine.
#
#   bench/side_by_side.sh [--update-docs] [workload...]     (default: mlp tiny)
#
# --update-docs also writes the table into docs/BENCHMARKS.md between its side-by-side markers.
# Needs the build (tools/setup.sh) and the anchors' environment (bench/setup_anchors.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

update_docs=0
workloads=()
for arg in "$@"; do
  case "$arg" in
    --update-docs) update_docs=1 ;;
    mlp|tiny|lenet|lstm|autoencoder|mf|mf_dnn|pipeline) workloads+=("$arg") ;;
    *) echo "usage: bench/side_by_side.sh [--update-docs] [mlp|tiny|lenet|lstm|autoencoder|mf|mf_dnn|pipeline ...]" >&2; exit 2 ;;
  esac
done
((${#workloads[@]})) || workloads=(mlp tiny)
venv=${SLUICE_ANCHOR_VENV:-bench/.venv}
data=data/mnist
anchor=../shared/bench/torch_anchor.py
for f in build/bin/sluice_bench build/bin/sgemm_probe build/bin/conv_probe "$venv/bin/python" "$anchor"; do
  [[ -e $f ]] || { echo "side_by_side: $f is missing (tools/setup.sh, bench/setup_anchors.sh)" >&2; exit 1; }
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Each column: a file of `name value unit` lines.
echo "[side_by_side] sgemm probe" >&2
build/bin/sgemm_probe > "$out/floor"
if [[ " ${workloads[*]} " == *" lenet "* ]]; then
  echo "[side_by_side] conv probe" >&2
  # lenet_100_steps_floor_s -> floor_lenet_100_steps_s, as sgemm_probe names its figures.
  build/bin/conv_probe | sed -n 's/^lenet_100_steps_floor_s /floor_lenet_100_steps_s /p' >> "$out/floor"
fi
echo "[side_by_side] sluice" >&2
# sluice_bench has the workloads whose ops sluice has (all but autoencoder so far); the others show n/a.
sluice_workloads=()
for w in "${workloads[@]}"; do [[ $w != autoencoder ]] && sluice_workloads+=("$w"); done
: > "$out/sluice"
((${#sluice_workloads[@]} == 0)) || build/bin/sluice_bench --data "$data" "${sluice_workloads[@]}" > "$out/sluice"
echo "[side_by_side] tensorflow" >&2
"$venv/bin/python" bench/tf_anchor.py "$data" "${workloads[@]}" 2>/dev/null > "$out/tf"
# The team's PyTorch anchor has no mf_dnn, no lstm and no pipeline: bench/torch_mf_dnn.py and
# bench/torch_lstm_anchor.py run the first two; the pipeline has no PyTorch column.
torch_workloads=()
for w in "${workloads[@]}"; do [[ $w != mf_dnn && $w != lstm && $w != pipeline ]] && torch_workloads+=("$w"); done
torch_lstm=0
[[ " ${workloads[*]} " == *" lstm "* ]] && torch_lstm=1
echo "[side_by_side] pytorch (PyPI)" >&2
: > "$out/torch"
((${#torch_workloads[@]} == 0)) || "$venv/bin/python" "$anchor" "$data" "${torch_workloads[@]}" > "$out/torch"
[[ " ${workloads[*]} " != *" mf_dnn "* ]] || "$venv/bin/python" bench/torch_mf_dnn.py "$data" mf_dnn >> "$out/torch"
((torch_lstm == 0)) || "$venv/bin/python" bench/torch_lstm_anchor.py "$data" lstm >> "$out/torch"
debian_torch=0
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "[side_by_side] pytorch (Debian)" >&2
  : > "$out/torch_debian"
  ((${#torch_workloads[@]} == 0)) || /usr/bin/python3 "$anchor" "$data" "${torch_workloads[@]}" > "$out/torch_debian"
  [[ " ${workloads[*]} " != *" mf_dnn "* ]] || /usr/bin/python3 bench/torch_mf_dnn.py "$data" mf_dnn >> "$out/torch_debian"
  ((torch_lstm == 0)) || /usr/bin/python3 bench/torch_lstm_anchor.py "$data" lstm >> "$out/torch_debian"
  debian_torch=1
fi

versions=$("$venv/bin/python" -c 'import tensorflow as tf, torch; print(tf.__version__, torch.__version__)' 2>/dev/null)
tf_version=${versions% *} torch_version=${versions#* }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
value() { awk -v n="$1" '$1 == n {print $2; exit}' "$2"; }
unit() { awk -v n="$1" '$1 == n {print $3; exit}' "$2"; }

table() {
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), sgemm $(value sgemm_gflops "$out/floor") GFLOP/s;"
  echo "\`bench/side_by_side.sh ${workloads[*]}\` (sluice $(git rev-parse --short HEAD), TensorFlow $tf_version, PyTorch $torch_version)."
  echo
  local header="| figure | unit | sluice | TensorFlow | PyTorch (PyPI) |" rule="|---|---|---|---|---|"
  if ((debian_torch)); then header+=" PyTorch (Debian) |"; rule+="---|"; fi
  echo "$header floor (GEMM and conv only) | sluice / floor |"
  echo "$rule---|---|"
  local name names w floor s
  for w in "${workloads[@]}"; do
    case "$w" in
      mlp) names=mlp_epoch_s ;; tiny) names="tiny_run_us tiny_callable_us" ;; lenet) names=lenet_100_steps_s ;; lstm) names=lstm_100_steps_s ;;
      autoencoder) names=autoencoder_epoch_s ;; mf) names=mf_epoch_s ;; mf_dnn) names=mf_dnn_epoch_s ;;
      pipeline) names="pipeline_records_per_s pipeline_step_ms pipeline_step_noprefetch_ms" ;;
    esac
    for name in $names; do
    s=$(value "$name" "$out/sluice")
    floor=$(value "floor_$name" "$out/floor")
    local row="| \`$name\` | $(unit "$name" "$out/sluice") | **${s:-n/a}** | $(value "$name" "$out/tf") | $(value "$name" "$out/torch") |"
    ((debian_torch)) && row+=" $(value "$name" "$out/torch_debian") |"
    if [[ -n $floor && $floor != 0 && -n $s ]]; then
      row+=" $floor | $(awk -v a="$s" -v b="$floor" 'BEGIN {printf "%.2fx", a / b}') |"
    else
      row+=" ${floor:-n/a} (no GEMM) | |"
    fi
    echo "$row"
    done
  done
  grep -q test_acc "$out/sluice" || return 0
  echo
  echo "Accuracy after the mlp epoch: sluice $(grep -o 'test_acc [0-9.]*' "$out/sluice" | cut -d' ' -f2)," \
       "TensorFlow $(grep -o 'test_acc [0-9.]*' "$out/tf" | cut -d' ' -f2)," \
       "PyTorch $(grep -o 'test_acc [0-9.]*' "$out/torch" | cut -d' ' -f2) (a correctness check, not a speed figure)."
}

table > "$out/table.md"
cat "$out/table.md"
if ((update_docs)); then
  doc=docs/BENCHMARKS.md
  grep -q '<!-- side_by_side:begin -->' "$doc" || { echo "side_by_side: no markers in $doc" >&2; exit 1; }
  awk -v table="$out/table.md" '
    /<!-- side_by_side:begin -->/ {print; while ((getline l < table) > 0) print l; skip = 1; next}
    /<!-- side_by_side:end -->/ {skip = 0}
    !skip {print}' "$doc" > "$doc.part" && mv "$doc.part" "$doc"
  echo "[side_by_side] table written into $doc" >&2
fi
