# Sourced by build-catalog-images.sh: a Debian bookworm root filesystem for one stand-in image.
#   debian_mirror              the host's Debian mirror (the one apt uses), or deb.debian.org
#   recipe_hash DIR            sha256 of everything that decides DIR's image (the recipe
#                              files, this library, the suite): equal hash, equal image
#   rootfs_hash DIR            the same without the image's metadata (Dockerfile, tags)
#   make_rootfs ROOT PKGS...   debootstrap --variant=minbase with PKGS (from the shared
#                              package cache), then slimmed like the official slim images
#   overlay_rootfs DIR ROOT    copy DIR/rootfs over ROOT, run DIR/setup.sh inside ROOT

SUITE=${COREMON_CATALOG_SUITE:-bookworm}
# One download of each .deb for every stand-in (and every rebuild): debootstrap's own cache.
CACHE_DIR=${COREMON_DEBOOTSTRAP_CACHE:-/var/cache/coremon-debootstrap/$SUITE}

debian_mirror() {
  local mirror=${DEBIAN_MIRROR:-}
  if [ -z "$mirror" ]; then
    mirror=$(
      { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources || true
        grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true
      } | awk '$1 == "URIs:" || $1 == "deb" {print ($2 ~ /^\[/) ? $3 : $2}' \
        | grep -v security | sed -n 1p || true
    )
  fi
  echo "${mirror:-http://deb.debian.org/debian}"
}

recipe_hash() {
  local dir=$1 lib
  lib=$(dirname "${BASH_SOURCE[0]}")/catalog-rootfs.sh
  {
    echo "suite=$SUITE"
    cat "$lib"
    (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    # the mode of an overlay file is part of the recipe (an entrypoint must stay executable)
    (cd "$dir" && find . -type f -perm -u+x | LC_ALL=C sort)
  } | sha256sum | cut -c1-64
}

# The part of the recipe the root filesystem depends on (not the Dockerfile's metadata, not
# the tags): a metadata change rebuilds in seconds on the kept root filesystem image.
rootfs_hash() {
  local dir=$1 lib
  lib=$(dirname "${BASH_SOURCE[0]}")/catalog-rootfs.sh
  {
    echo "suite=$SUITE"
    cat "$lib"
    (cd "$dir" && find . -type f \! -name Dockerfile \! -name tags -print0 | LC_ALL=C sort -z \
      | xargs -0 sha256sum)
    (cd "$dir" && find . -type f -perm -u+x | LC_ALL=C sort)
  } | sha256sum | cut -c1-64
}

make_rootfs() {
  local root=$1 log
  shift
  local include
  include=$(IFS=,; echo "$*")
  mkdir -p "$CACHE_DIR"
  log=$(mktemp)
  if ! debootstrap --variant=minbase --cache-dir="$CACHE_DIR" --include="$include" \
      "$SUITE" "$root" "$(debian_mirror)" >"$log" 2>&1; then
    tail -30 "$log" >&2
    [ -f "$root/debootstrap/debootstrap.log" ] && tail -30 "$root/debootstrap/debootstrap.log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# Docs, man pages, locales, apt lists and caches are not needed to run a service.
slim_rootfs() {
  local root=$1
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
    "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
    "$root"/usr/share/info/* "$root"/usr/share/lintian "$root"/usr/share/locale/* \
    "$root"/tmp/* "$root"/var/tmp/*
  # debootstrap's stand-in policy (no service starts while packages install) must not stay.
  rm -f "$root/usr/sbin/policy-rc.d"
  # The host's resolver config must not leak into the image (docker provides its own).
  : >"$root/etc/resolv.conf"
}

overlay_rootfs() {
  local dir=$1 root=$2
  if [ -d "$dir/rootfs" ]; then
    cp -a --no-preserve=ownership "$dir/rootfs/." "$root/"
  fi
  if [ -f "$dir/setup.sh" ]; then
    install -m 0755 "$dir/setup.sh" "$root/tmp/setup.sh"
    chroot "$root" /bin/sh -e /tmp/setup.sh
    rm -f "$root/tmp/setup.sh"
  fi
}
