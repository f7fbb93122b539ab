#!/usr/bin/env bash
# Build the production image offline (no registry reachable): wheels for every dependency
# from the host's pip into build/wheelhouse/, the debootstrap base image, then
#   docker build --build-arg BASE_IMAGE=coremon-base:bookworm -t core-monitor:test .
# The base's python (bookworm, 3.11) matches the host's, so the host's wheels fit.
# Usage: build-image.sh [TAG]   (default core-monitor:test; env BASE_IMAGE overrides the base)
#        build-image.sh --prepare  only the slow inputs (wheelhouse, base image), no web
#                                  console and no docker build: `make test` runs this in the
#                                  background while lint runs; the real build waits on the lock.
# Unchanged sources: ~1 s. Source edit: ~10-20 s. From nothing: ~1 min (debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."

prepare=0
if [ "${1:-}" = --prepare ]; then
  prepare=1
  shift
fi
TAG=${1:-core-monitor:test}
BASE_IMAGE=${BASE_IMAGE:-coremon-base:bookworm}
PIP=${PIP:-.venv/bin/pip}
[ -x "$PIP" ] || PIP="python3 -m pip"
WHEELHOUSE=build/wheelhouse

# Docker images are shared by everyone using this engine: one build at a time.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/coremon-build-image.lock"
  flock -w 1800 9
fi
start=$(date +%s)

# Wheelhouse: every runtime dependency (pinned by constraints.txt) plus the build backend,
# so the Dockerfile can build the project with --no-index. The project's own wheel is
# dropped: the Dockerfile builds it from src/. Redone only when pyproject.toml or
# constraints.txt change (build/wheelhouse/.inputs holds their hash).
mkdir -p "$WHEELHOUSE"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
stamp="$WHEELHOUSE/.inputs"
inputs=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$inputs" ] || ! ls "$WHEELHOUSE"/*.whl >/dev/null 2>&1; then
  if ! $PIP wheel -q --disable-pip-version-check -w "$WHEELHOUSE" -c constraints.txt \
      . 'setuptools>=68' wheel pip >"$log" 2>&1; then
    cat "$log" >&2
    echo "build-image: pip wheel failed" >&2
    exit 1
  fi
  rm -f "$WHEELHOUSE"/core_monitor-*.whl
  # setuptools' in-tree leftovers (stale files there can leak into later wheels).
  rm -rf build/lib build/bdist.*
  echo "$inputs" >"$stamp"
fi

# Our own base is built here; another BASE_IMAGE is the caller's to provide.
base_image() {
  if [ "$BASE_IMAGE" = coremon-base:bookworm ]; then
    ./scripts/build-base-image.sh >/dev/null
  fi
}

if [ "$prepare" = 1 ]; then
  base_image
  echo "build-image: wheelhouse and base image ready in $(( $(date +%s) - start )) s"
  exit 0
fi

# The web console: the image build has no node, so it is built here, into src/ (which the
# build context copies). Unchanged frontend sources: a no-op.
if ! make --no-print-directory ui-build >"$log" 2>&1; then
  cat "$log" >&2
  echo "build-image: the web console did not build (make ui-build)" >&2
  exit 1
fi

base_image

old_id=$(docker image inspect -f '{{.Id}}' "$TAG" 2>/dev/null || true)
# The builder stage is tagged too (coremon-builder:cache) so that its layers stay as the
# cache of the next build; the builder images it replaces are pruned.
for target in "--target builder -t coremon-builder:cache" "-t $TAG"; do
  # shellcheck disable=SC2086
  if ! docker build -q --force-rm --build-arg BASE_IMAGE="$BASE_IMAGE" $target . >"$log" 2>&1; then
    cat "$log" >&2
    echo "build-image: docker build failed" >&2
    exit 1
  fi
done
docker image prune -f --filter label=org.core-monitor.stage=builder >/dev/null 2>&1 || true
# ...and the previous $TAG, now untagged (kept if a container still uses it).
new_id=$(docker image inspect -f '{{.Id}}' "$TAG")
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  [ -z "$(docker image inspect -f '{{join .RepoTags ""}}' "$old_id" 2>/dev/null)" ] &&
    docker rmi "$old_id" >/dev/null 2>&1 || true
fi
size=$(docker image inspect -f '{{.Size}}' "$TAG")
echo "build-image: built $TAG ($((size / 1000000)) MB) in $(( $(date +%s) - start )) s"
