#!/usr/bin/env bash
# Build the middleware images the deploy tests use, from Debian packages (no registry):
#   coremon-test/tomcat:latest  tomcat10 + tomcat10-admin + curl + tini, laid out like the
#                               official `tomcat` image (CATALINA_HOME=/usr/local/tomcat,
#                               webapps/ empty, webapps.dist/manager, `catalina.sh run`, 8080);
#                               the manager only when TOMCAT_MANAGER_USER/_PASSWORD are set,
#                               and then only on 127.0.0.1 (scripts/middleware/tomcat/)
#   coremon-test/nginx:latest   nginx-light + curl, like the official `nginx` image
#                               (conf.d/*.conf, /usr/share/nginx/html, port 80)
# Each is debootstrap --variant=minbase --include=… into a directory, a setup script run in
# it (chroot), then `docker import` with the image config as --change.
# Cached twice: an image whose org.coremon.recipe label equals the hash of this script and
# its scripts/middleware/<name>/ files is not rebuilt; the debootstrapped root (before
# setup) and the .deb files are kept under $COREMON_IMAGE_CACHE, so changing a setup script
# rebuilds in seconds. --force rebuilds; names (tomcat, nginx) restrict the build.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=bookworm
CACHE=${COREMON_IMAGE_CACHE:-/var/cache/coremon-images}
MIRROR=${DEBIAN_MIRROR:-}
force=0
wanted=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    tomcat | nginx) wanted+=("$arg") ;;
    *) echo "usage: $0 [--force] [tomcat] [nginx]" >&2; exit 2 ;;
  esac
done
# Tomcat first: it is the slower one and the one the Tomcat deploy tests wait for.
[ ${#wanted[@]} -gt 0 ] || wanted=(tomcat nginx)

packages_tomcat=tomcat10,tomcat10-admin,curl,tini,ca-certificates
changes_tomcat=(
  'ENV LANG=C.UTF-8 CATALINA_HOME=/usr/local/tomcat JAVA_HOME=/usr/lib/jvm/default-java PATH=/usr/local/tomcat/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'WORKDIR /usr/local/tomcat'
  'EXPOSE 8080'
  # tini as PID 1: `docker stop` ends the JVM at once instead of after the 10 s grace
  'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/coremon-tomcat-entrypoint"]'
  'CMD ["catalina.sh", "run"]'
)
packages_nginx=nginx-light,curl,ca-certificates
changes_nginx=(
  'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'EXPOSE 80'
  'CMD ["nginx", "-g", "daemon off;"]'
)

# Docker images are shared by everyone using this engine: one build at a time.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/coremon-build-middleware-images.lock"
  flock -w 1800 9
fi

recipe_hash() {  # this script + the image's own files: any change rebuilds the image
  cat "$0" scripts/middleware/"$1"/* | sha256sum | cut -c1-16
}
current() {
  [ "$force" = 0 ] && [ "$(docker image inspect --format \
    '{{index .Config.Labels "org.coremon.recipe"}}' "coremon-test/$1:latest" 2>/dev/null)" = "$2" ]
}
mirror() {  # the host's Debian mirror (the one apt uses) unless told otherwise
  [ -n "$MIRROR" ] && { echo "$MIRROR"; return; }
  local m
  m=$(
    { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources || true
      grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true
    } | awk '$1 == "URIs:" || $1 == "deb" {print ($2 ~ /^\[/) ? $3 : $2}' \
      | grep -v security | sed -n 1p || true
  )
  echo "${m:-http://deb.debian.org/debian}"
}
ensure_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 && return
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq debootstrap >/dev/null 2>&1 || {
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
  }
}

# The debootstrapped root for a package list, from the cache or made (and cached) now.
base_root() {
  local root=$1 packages=$2 key tarball log
  key=$(printf '%s %s %s' "$SUITE" "$packages" "$(mirror)" | sha256sum | cut -c1-16)
  tarball=$CACHE/rootfs-$key.tar
  if [ -f "$tarball" ]; then
    tar --numeric-owner -C "$root" -xf "$tarball"
    return
  fi
  ensure_debootstrap
  mkdir -p "$CACHE/debs"
  log=$(mktemp)
  if ! debootstrap --variant=minbase --include="$packages" --cache-dir="$CACHE/debs" \
      "$SUITE" "$root" "$(mirror)" >"$log" 2>&1; then
    tail -30 "$log" >&2
    [ -f "$root/debootstrap/debootstrap.log" ] && tail -30 "$root/debootstrap/debootstrap.log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  tar --numeric-owner -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
}

slim() {  # like the official slim images: no apt lists, caches, docs, man pages, locales
  local root=$1
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/log/*.log \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/usr/share/locale/* "$root"/tmp/* "$root"/var/tmp/*
  # the host's resolver config must not leak into the image (docker provides its own)
  : >"$root/etc/resolv.conf"
}

build_one() {
  local name=$1 hash=$2 start work root packages_var changes_var args=()
  if [ "$(id -u)" != 0 ]; then  # only a build needs it: a current image is fine without
    echo "build-middleware-images: building coremon-test/$name needs root (debootstrap, chroot)" >&2
    exit 1
  fi
  start=$(date +%s)
  work=$(mktemp -d /var/tmp/coremon-mw-"$name".XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  root=$work/rootfs
  mkdir -p "$root"
  packages_var=packages_$name
  base_root "$root" "${!packages_var}"
  [ -f scripts/middleware/"$name"/entrypoint.sh ] &&
    install -m 0755 scripts/middleware/"$name"/entrypoint.sh "$root/tmp/coremon-entrypoint.sh"
  install -m 0755 scripts/middleware/"$name"/setup.sh "$root/tmp/coremon-setup.sh"
  chroot "$root" /bin/sh /tmp/coremon-setup.sh
  slim "$root"
  changes_var=changes_$name[@]
  for change in "${!changes_var}"; do args+=(-c "$change"); done
  args+=(-c "LABEL org.coremon.recipe=$hash")
  replaced=$(docker image inspect --format '{{.Id}}' "coremon-test/$name:latest" 2>/dev/null || true)
  tar --numeric-owner -C "$root" -c . | docker import "${args[@]}" \
    -m "debootstrap $SUITE + ${!packages_var}" - "coremon-test/$name:latest" >/dev/null
  # the image this one replaces is left untagged: remove it unless a container still uses it
  [ -z "$replaced" ] || docker rmi "$replaced" >/dev/null 2>&1 || true
  echo "build-middleware-images: built coremon-test/$name:latest in $(( $(date +%s) - start )) s"
}

for name in "${wanted[@]}"; do
  hash=$(recipe_hash "$name")
  if current "$name" "$hash"; then
    echo "build-middleware-images: coremon-test/$name:latest present (recipe $hash)"
  else
    build_one "$name" "$hash"
  fi
done
