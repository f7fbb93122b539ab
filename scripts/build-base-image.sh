#!/usr/bin/env bash
# Build coremon-base:bookworm without a registry: a Debian bookworm root filesystem made
# with debootstrap (python3, python3-venv, ca-certificates), imported with `docker import`.
# It stands in for python:3.12-slim where no registry is reachable:
#   docker build --build-arg BASE_IMAGE=coremon-base:bookworm ...
# Idempotent: skips when the image exists (--force rebuilds). Takes a few minutes once.
set -euo pipefail

IMAGE=${COREMON_BASE_IMAGE:-coremon-base:bookworm}
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-}

force=0
tools_only=0
[ "${1:-}" = --force ] && force=1
# --tools: only install debootstrap (apt takes the host's dpkg lock: `make test` does this in
# the foreground, then builds the image in the background beside other apt installs).
[ "${1:-}" = --tools ] && tools_only=1

# Docker images are shared by everyone using this engine: one build at a time.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/coremon-build-base-image.lock"
  flock -w 1800 9
fi
if [ "$force" = 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  [ "$tools_only" = 1 ] || echo "build-base-image: $IMAGE present"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "build-base-image: debootstrap needs root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get install -y -qq debootstrap >/dev/null 2>&1 || {
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
  }
fi
[ "$tools_only" = 1 ] && exit 0

# Use the host's Debian mirror (the one apt is configured with) unless told otherwise.
if [ -z "$MIRROR" ]; then
  MIRROR=$(
    { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources || true
      grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true
    } | awk '$1 == "URIs:" || $1 == "deb" {print ($2 ~ /^\[/) ? $3 : $2}' \
      | grep -v security | sed -n 1p || true
  )
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi

start=$(date +%s)
work=$(mktemp -d /var/tmp/coremon-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
log=$work/debootstrap.log

echo "build-base-image: debootstrap $SUITE from $MIRROR (a few minutes)" >&2
if ! debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    "$SUITE" "$root" "$MIRROR" >"$log" 2>&1; then
  tail -30 "$log" >&2
  [ -f "$root/debootstrap/debootstrap.log" ] && tail -30 "$root/debootstrap/debootstrap.log" >&2
  exit 1
fi

# Slim it like the official slim images: no apt lists, caches, docs, man pages, locales.
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/usr/share/locale/* "$root"/tmp/* "$root"/var/tmp/*
find "$root/usr/lib/python3" -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
# The host's resolver config must not leak into the image (docker provides its own).
: >"$root/etc/resolv.conf"
echo coremon-base >"$root/etc/hostname"

tar --numeric-owner -C "$root" -c . | docker import \
  -c 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["python3"]' \
  -m "debootstrap --variant=minbase $SUITE + python3" - "$IMAGE" >/dev/null

echo "build-base-image: built $IMAGE in $(( $(date +%s) - start )) s"
