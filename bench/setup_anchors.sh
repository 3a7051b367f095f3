#!/usr/bin/env bash
# Makes the Python virtual environment of the benchmark anchors and test oracles:
# TensorFlow (tensorflow-cpu), TensorBoard, PyTorch (torch) and numpy from PyPI, in the
# git-ignored bench/.venv. sluice itself depends on none of them: they are what sluice is measured against
# (bench/side_by_side.sh) and the independent truth for file formats (tests labelled `tf`).
# Safe to run again: it installs only what is missing.
#
#   bench/setup_anchors.sh            then  bench/.venv/bin/python ...
#   bench/setup_anchors.sh --tf-only  only the test oracles (numpy, tensorflow-cpu, tensorboard),
#                                     as .ci/run does: no torch and its few GB of CUDA libraries
#
# Environment: SLUICE_ANCHOR_VENV (default bench/.venv) picks another place.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly VENV="${SLUICE_ANCHOR_VENV:-bench/.venv}"
PYPI_PACKAGES=(numpy tensorflow-cpu tensorboard torch)
MODULES="numpy, tensorflow, tensorboard, torch"
case "${1:-}" in
  "") ;;
  --tf-only) PYPI_PACKAGES=(numpy tensorflow-cpu tensorboard); MODULES="numpy, tensorflow, tensorboard" ;;
  *) echo "usage: bench/setup_anchors.sh [--tf-only]" >&2; exit 2 ;;
esac
readonly PYPI_PACKAGES MODULES

log() { echo "[anchors] $*"; }
die() { echo "[anchors] error: $*" >&2; exit 1; }

# Debian's python3 needs python3-venv (ensurepip) to make a virtual environment.
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  [[ $(id -u) -eq 0 ]] || die "python3-venv is missing; install it as root (apt-get install python3-venv)"
  log "installing python3-venv"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-venv
fi
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
if "$VENV/bin/python" -c "import $MODULES" 2>/dev/null; then
  log "$MODULES: present in $VENV"
else
  log "installing ${PYPI_PACKAGES[*]} from PyPI into $VENV (torch brings its CUDA libraries: a few GB)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q "${PYPI_PACKAGES[@]}" || die "pip install ${PYPI_PACKAGES[*]} failed (is PyPI reachable?)"
fi
"$VENV/bin/python" - <<'PY'
import importlib
names = ("numpy", "tensorflow", "tensorboard", "torch")
found = []
for name in names:
    try:
        found.append(f"{name} {importlib.import_module(name).__version__}")
    except ImportError:
        pass
print("[anchors] " + ", ".join(found))
PY
