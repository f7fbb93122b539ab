#!/usr/bin/env bash
# Make sure the image the README's tour and the console's New-stack page use exists locally:
#   coremon/demo-web:1   a tiny web server (busybox httpd) on port 8080 serving one page
# It is built here, never pulled (it is not published): FROM busybox pulled from Docker Hub
# when a registry answers, else FROM scratch with this host's static busybox (Debian's
# busybox-static), so the tour works on a fresh machine with or without a registry.
# Idempotent: an image that exists is left alone. Never fails `make run`: without an engine
# or a busybox it says why and the server starts anyway.
set -uo pipefail
cd "$(dirname "$0")/.."
IMAGE=${COREMON_DEMO_IMAGE:-coremon/demo-web:1}
PULLED_BASE=busybox:1.36

warn() { echo "ensure-demo-image: $*; the README's tour needs $IMAGE" >&2; exit 0; }
command -v docker >/dev/null 2>&1 || warn "no docker CLI"
docker info >/dev/null 2>&1 || warn "no Docker engine answers"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  exit 0
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs/var/www"
echo '<html><body><h1>Hello from a Core Monitor stack</h1></body></html>' \
  >"$ctx/rootfs/var/www/index.html"
# httpd runs in the foreground (-f) as a background job, logging each request (-v) to the
# container's output; sh waits as PID 1 and traps TERM: `docker stop` returns at once
# without `init: true`
CMD='["sh", "-c", "echo demo-web: serving /var/www on port 8080; httpd -f -v -p 8080 -h /var/www & trap '"'"'exit 0'"'"' TERM INT; while :; do sleep 1 & wait $!; done"]'

if docker image inspect "$PULLED_BASE" >/dev/null 2>&1 ||
  timeout 60 docker pull -q "$PULLED_BASE" >/dev/null 2>&1; then
  from="FROM $PULLED_BASE"
else
  bb=/bin/busybox
  # shellcheck source=lib/busybox-rootfs.sh
  . scripts/lib/busybox-rootfs.sh
  if ! { [ -x "$bb" ] && is_static "$bb"; }; then
    warn "no registry answers and there is no static busybox at $bb (apt-get install busybox-static)"
  fi
  busybox_rootfs "$ctx/rootfs" "$bb"
  from=$'FROM scratch\nENV PATH=/bin'
fi
printf '%s\nCOPY rootfs/ /\nEXPOSE 8080\nCMD %s\n' "$from" "$CMD" >"$ctx/Dockerfile"
if ! out=$(docker build -q --force-rm -t "$IMAGE" "$ctx" 2>&1); then
  echo "$out" >&2
  warn "building $IMAGE failed"
fi
echo "ensure-demo-image: built $IMAGE (${from%%$'\n'*})"
