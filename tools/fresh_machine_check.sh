#!/usr/bin/env bash
# Runs README's two set-up commands, `tools/demo.sh` and `tools/test.sh`, on a bare Debian 12:
# a minimal root made with debootstrap (git-ignored, in .fresh/), holding a clean `git archive`
# of HEAD and a copy of ../shared beside it, entered with chroot. Nothing installed on this
# machine by hand can leak in, so a missing install step fails here. Prints the last lines of
# each command; exits non-zero when either fails. Slow (the build and the whole test suite run
# in the root): not part of .ci/run; run it before resolving a change to the build or scripts.
#
#   tools/fresh_machine_check.sh [--keep]     (as root; --keep leaves .fresh/root for a look)
#
# The Debian base is made once and cached as .fresh/base.tar (a pristine debootstrap result);
# every run unpacks it anew. The mirror and apt settings are this machine's own
# (/etc/apt/sources.list*, /etc/apt/apt.conf.d), so the root reaches what this machine reaches.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly FRESH=.fresh
readonly ROOT="$FRESH/root"
readonly BASE_TAR="$FRESH/base.tar"
readonly SUITE=bookworm
readonly TAIL_LINES=15

log() { echo "[fresh] $*"; }
die() { echo "[fresh] error: $*" >&2; exit 1; }

keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown option '$arg'" ;;
  esac
done
[[ $(id -u) -eq 0 ]] || die "run as root (debootstrap and chroot need it)"
git rev-parse --verify -q HEAD >/dev/null || die "not in a git checkout with a commit"
[[ -d ../shared ]] || die "../shared not found beside the checkout"
if [[ -n "$(git status --porcelain --untracked-files=no)" ]]; then
  log "note: uncommitted changes are not part of the check (it takes HEAD)"
fi

# The first 'deb' mirror of this machine's apt sources (deb822 or one-line format).
mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk '/^URIs:/ {print $2; exit}' "$f"
  done | head -n 1 | grep . && return
  grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2; exit}' | grep .
}

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  if ((keep == 0)); then rm -rf "$ROOT"; fi
}
trap cleanup EXIT

if [[ ! -f "$BASE_TAR" ]]; then
  command -v debootstrap >/dev/null || {
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
  }
  url=$(mirror) || die "no Debian mirror found in /etc/apt/sources.list*"
  log "debootstrap --variant=minbase $SUITE from $url (once; cached as $BASE_TAR)"
  rm -rf "$FRESH/base"
  mkdir -p "$FRESH"
  debootstrap --variant=minbase "$SUITE" "$FRESH/base" "$url" > "$FRESH/debootstrap.log" 2>&1 \
    || { tail -n 20 "$FRESH/debootstrap.log"; die "debootstrap failed (log: $FRESH/debootstrap.log)"; }
  tar -C "$FRESH/base" -cf "$BASE_TAR.part" . && mv "$BASE_TAR.part" "$BASE_TAR"
  rm -rf "$FRESH/base"
fi

log "unpacking a bare Debian root into $ROOT"
rm -rf "$ROOT"
mkdir -p "$ROOT"
tar -C "$ROOT" -xf "$BASE_TAR"
# This machine's apt sources and settings, so the root installs from the same mirror.
rm -f "$ROOT"/etc/apt/sources.list "$ROOT"/etc/apt/sources.list.d/*
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [[ -f $f ]] && cp "$f" "$ROOT$f"
done
cp /etc/apt/apt.conf.d/* "$ROOT/etc/apt/apt.conf.d/" 2>/dev/null || true
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"

log "copying HEAD ($(git rev-parse --short HEAD)) and ../shared into $ROOT/work"
mkdir -p "$ROOT/work/sluice"
git archive HEAD | tar -x -C "$ROOT/work/sluice"
cp -a ../shared "$ROOT/work/shared"
chmod -R a-w "$ROOT/work/shared"

for m in proc sys dev dev/pts; do
  mount --bind "/$m" "$ROOT/$m"
  mounted+=("$ROOT/$m")
done

# Runs one of README's commands in the root, as CI does (root, no terminal, clean environment).
run_in_root() {
  local name=$1 cmd=$2 logf="$FRESH/$1.log" start rc=0
  log "$name: chroot $ROOT sh -c 'cd /work/sluice && $cmd' (log: $logf)"
  start=$(date +%s)
  chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    CI=true LANG=C.UTF-8 /bin/bash -c "cd /work/sluice && $cmd" < /dev/null > "$logf" 2>&1 || rc=$?
  log "$name: exit $rc after $(( $(date +%s) - start )) s; last lines:"
  tail -n "$TAIL_LINES" "$logf" | sed 's/^/    /'
  return "$rc"
}

status=0
run_in_root demo tools/demo.sh || status=1
run_in_root test tools/test.sh || status=1
if ((status == 0)); then log "PASS: README's two commands work on a bare Debian 12"; else log "FAIL"; fi
exit "$status"
