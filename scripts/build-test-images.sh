#!/usr/bin/env bash
# Build the images the engine/acceptance tests use, locally (no registry needed):
#   coremon-test/busybox:latest  FROM scratch + Debian's static busybox
#   coremon-test/busybox:alt     same plus /VERSION (a different image ID)
# With --base, also build coremon-base:bookworm (debootstrap; see build-base-image.sh).
# Idempotent: an image that already exists is not rebuilt (--force rebuilds).
set -euo pipefail
cd "$(dirname "$0")/.."

want_base=0
force=0
for arg in "$@"; do
  case "$arg" in
    --base) want_base=1 ;;
    --force) force=1 ;;
    *) echo "usage: $0 [--base] [--force]" >&2; exit 2 ;;
  esac
done

# shellcheck source=lib/busybox-rootfs.sh
. scripts/lib/busybox-rootfs.sh
# The legacy builder prints a deprecation notice on every build: show output only on failure.
build() {
  local log
  log=$(mktemp)
  if ! docker build -q --force-rm "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; return 1; fi
  rm -f "$log"
}
# Docker images are shared by everyone using this engine: one build at a time.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/coremon-build-test-images.lock"
  flock -w 1800 9
fi
have() { [ "$force" = 0 ] && docker image inspect "$1" >/dev/null 2>&1; }

if ! have coremon-test/busybox:latest || ! have coremon-test/busybox:alt; then
  bb=/bin/busybox
  if ! { [ -x "$bb" ] && is_static "$bb"; }; then
    if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
      echo "build-test-images: need a static busybox at /bin/busybox (apt-get install busybox-static)" >&2
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq busybox-static >/dev/null 2>&1 || {
      apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null
    }
  fi

  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  # Every applet this busybox has, as a symlink in /bin (the image has no other files).
  busybox_rootfs "$ctx/rootfs" "$bb"
  mkdir -p "$ctx/rootfs/root" "$ctx/rootfs/var/www"
  echo '<html><body>coremon-test</body></html>' >"$ctx/rootfs/var/www/index.html"

  cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/bin
# sh is PID 1 without an init: trap TERM/INT so `docker stop` returns at once
# (`wait` is interrupted by the signal, a foreground `sleep` would not be).
CMD ["sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 1 & wait $!; done"]
EOF
  # busybox and its symlinks get the same mtimes every run: builds are reproducible-ish.
  find "$ctx/rootfs" -exec touch -h -d '2024-01-01T00:00:00Z' {} +

  build -t coremon-test/busybox:latest "$ctx"

  mkdir -p "$ctx/alt"
  echo "alt" >"$ctx/alt/VERSION"
  cat >"$ctx/alt/Dockerfile" <<'EOF'
FROM coremon-test/busybox:latest
COPY VERSION /VERSION
EOF
  build -t coremon-test/busybox:alt "$ctx/alt"
  echo "build-test-images: built coremon-test/busybox:latest and :alt"
else
  echo "build-test-images: coremon-test/busybox:latest and :alt present"
fi

if [ "$want_base" = 1 ]; then
  if [ "$force" = 1 ]; then ./scripts/build-base-image.sh --force; else ./scripts/build-base-image.sh; fi
fi
