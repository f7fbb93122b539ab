#!/usr/bin/env bash
# Build the catalog's stand-in images locally, from Debian bookworm packages (no registry
# needed), tagged with the exact image references the catalog ships:
#   postgres:16 postgres:15  mariadb:10.11  redis:7.2  haproxy:2.8
#   rabbitmq:3.12-management  adminer:4.8.1
# and retag the middleware images build-middleware-images.sh makes, when present:
#   coremon-test/nginx:latest -> nginx:1.27     coremon-test/tomcat:latest -> tomcat:10.1
# Each stand-in honours the part of its official image's contract the catalog uses (the
# environment variables, ports, data paths, commands; see README "Stand-in images"). Its
# recipe is a folder of scripts/catalog-images/: `packages` (debootstrap --include), `tags`,
# `rootfs/` (copied over the root filesystem), an optional `setup.sh` (run in it), and a
# `Dockerfile` (FROM the imported root filesystem: the image's metadata only).
# Cached: an image labelled with its recipe's hash (org.coremon.recipe) is not rebuilt, and
# its root filesystem is kept (coremon-catalog-rootfs/NAME:HASH) so that a change of the
# Dockerfile alone rebuilds in seconds; a tag held by a pulled image (one with a registry
# digest) is never overwritten.
# Usage: build-catalog-images.sh [--force] [NAME...]   (NAME: a folder of catalog-images/)
# A failed build is a warning, or the script's failure under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

RECIPES=scripts/catalog-images
force=0
names=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -*) echo "usage: $0 [--force] [NAME...]" >&2; exit 2 ;;
    *) [ -d "$RECIPES/$arg" ] || { echo "build-catalog-images: no recipe $arg" >&2; exit 2; }
       names+=("$arg") ;;
  esac
done
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(cd "$RECIPES" && ls -d -- */ | tr -d /)

# shellcheck source=lib/catalog-rootfs.sh
. scripts/lib/catalog-rootfs.sh

# Docker images are shared by everyone using this engine: one build at a time.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/coremon-build-catalog-images.lock"
  flock -w 3600 9
fi

label() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
# A tag we may (re)point: absent, or an image never pulled from a registry (no digest).
ours() {
  local digests
  digests=$(docker image inspect -f '{{len .RepoDigests}}' "$1" 2>/dev/null) || return 0
  [ "$digests" = 0 ]
}

# Point TAG at IMAGE; an image of ours left without any tag by this is removed.
retag() {
  local image=$1 tag=$2 old
  if ! ours "$tag"; then
    echo "build-catalog-images: $tag is a pulled image: left alone" >&2
    return 0
  fi
  old=$(image_id "$tag")
  docker tag "$image" "$tag"
  if [ -n "$old" ] && [ "$old" != "$(image_id "$tag")" ] && [ -n "$(label "$old" org.coremon.recipe)" ] \
      && [ "$(docker image inspect -f '{{len .RepoTags}}' "$old")" = 0 ]; then
    docker rmi "$old" >/dev/null 2>&1 || true
  fi
}

build_one() {
  local name=$1 dir=$RECIPES/$1 hash image start work tag size
  local -a tags packages
  hash=$(recipe_hash "$dir")
  mapfile -t tags < <(grep -v '^#' "$dir/tags" | grep .)
  mapfile -t packages < <(grep -v '^#' "$dir/packages" | grep .)
  image=$(docker images -q --no-trunc --filter "label=org.coremon.recipe=$hash" | sed -n 1p)
  if [ "$force" = 0 ] && [ -n "$image" ]; then
    for tag in "${tags[@]}"; do retag "$image" "$tag"; done
    echo "build-catalog-images: ${tags[*]} present"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "build-catalog-images: debootstrap needs root" >&2
    return 1
  fi
  start=$(date +%s)
  work=$(mktemp -d /var/tmp/coremon-catalog.XXXXXX)
  build_fresh "$name" "$hash" "$work" "${packages[@]}" && image=$(<"$work/image") || image=
  rm -rf "$work"
  [ -n "$image" ] || return 1
  for tag in "${tags[@]}"; do retag "$image" "$tag"; done
  docker rmi "coremon-catalog/$name:${hash:0:12}" >/dev/null
  size=$(docker image inspect -f '{{.Size}}' "$image")
  echo "build-catalog-images: built ${tags[*]} in $(( $(date +%s) - start )) s," \
    "$(( size / 1000000 )) MB"
}

# (called under `||`, where set -e does not apply: every step checks its own status)
build_fresh() {
  local name=$1 hash=$2 work=$3 dir=$RECIPES/$1
  shift 3
  local rootfs_tag
  rootfs_tag="coremon-catalog-rootfs/$name:$(rootfs_hash "$dir" | cut -c1-12)"
  if [ "$force" = 1 ] || [ -z "$(image_id "$rootfs_tag")" ]; then
    make_rootfs "$work/rootfs" "$@" || return 1
    overlay_rootfs "$dir" "$work/rootfs" || return 1
    slim_rootfs "$work/rootfs" || return 1
    tar --numeric-owner -C "$work/rootfs" -c . \
      | docker import -m "debootstrap --variant=minbase $SUITE + $*" - "$rootfs_tag" >/dev/null \
      || return 1
    drop_other_rootfs "$name" "$rootfs_tag"
  fi
  # The legacy builder prints a deprecation notice on every build: show output only on failure.
  if ! docker build -q --force-rm --build-arg "ROOTFS=$rootfs_tag" \
      --label "org.coremon.recipe=$hash" -t "coremon-catalog/$name:${hash:0:12}" \
      "$dir" >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    return 1
  fi
  image_id "coremon-catalog/$name:${hash:0:12}" >"$work/image"
}

# The root filesystems of older recipes of NAME (ours: this script made them) are dropped.
drop_other_rootfs() {
  local name=$1 keep=$2 tag
  for tag in $(docker images --format '{{.Repository}}:{{.Tag}}' "coremon-catalog-rootfs/$name"); do
    [ "$tag" = "$keep" ] || docker rmi "$tag" >/dev/null 2>&1 || true
  done
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || return 0  # build_one says why it cannot build
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq debootstrap >/dev/null 2>&1 || {
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
  }
}

ensure_debootstrap
failed=()
for name in "${names[@]}"; do
  build_one "$name" || failed+=("$name")
done
for pair in coremon-test/nginx:latest=nginx:1.27 coremon-test/tomcat:latest=tomcat:10.1; do
  if [ -n "$(image_id "${pair%%=*}")" ]; then retag "${pair%%=*}" "${pair#*=}"; fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "build-catalog-images: FAILED: ${failed[*]}" >&2
  [ "${CI:-}" = true ] && exit 1
  echo "build-catalog-images: (the tests that need them skip; under CI=true this fails)" >&2
fi
exit 0
