#!/usr/bin/env bash
# Core Monitor in a container (compose.yaml), on a host with or without a registry:
#   ./scripts/run-container.sh             build the image (scripts/build-image.sh: debootstrap
#                                          base + the host's wheels, no registry needed), start it
#   ./scripts/run-container.sh --no-build  start the image built before
#   ./scripts/run-container.sh --production [--no-build]
#                                          the `production` profile instead: PostgreSQL, two
#                                          replicas, HAProxy (README "Running at scale");
#                                          needs POSTGRES_PASSWORD and COREMON_SECRET_KEY
# The container's user reaches the engine through the socket's group, whatever number this
# host gave it: read from the socket (stat -c %g), handed to compose as DOCKER_GID (group_add).
# Environment: COREMON_IMAGE (core-monitor:latest), COREMON_PUBLISH_PORT (8080),
# COMPOSE_PROJECT_NAME (core-monitor), DOCKER_SOCKET (/var/run/docker.sock); with
# --production also POSTGRES_PASSWORD, COREMON_SECRET_KEY (required), COREMON_LEASE_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
profile=single
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --production) profile=production ;;
    *) echo "usage: $0 [--production] [--no-build]" >&2; exit 2 ;;
  esac
done
# Compose cannot require a variable for one profile only: said here, before anything starts.
if [ "$profile" = production ]; then
  for var in POSTGRES_PASSWORD COREMON_SECRET_KEY; do
    if [ -z "${!var:-}" ]; then
      echo "run-container: --production needs $var (no default exists; keep it safe: a" \
        "lost COREMON_SECRET_KEY makes secret variables unreadable)" >&2
      exit 2
    fi
  done
  if [ "${#COREMON_SECRET_KEY}" -lt 16 ]; then
    echo "run-container: COREMON_SECRET_KEY must be at least 16 characters" >&2
    exit 2
  fi
fi
export COREMON_IMAGE=${COREMON_IMAGE:-core-monitor:latest}
export DOCKER_SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
if [ ! -S "$DOCKER_SOCKET" ]; then
  echo "run-container: no Docker socket at $DOCKER_SOCKET" >&2
  exit 1
fi
DOCKER_GID=$(stat -c %g "$DOCKER_SOCKET")
export DOCKER_GID
if [ "$build" = 1 ]; then
  ./scripts/build-image.sh "$COREMON_IMAGE"
fi
docker compose -f compose.yaml --profile "$profile" up -d --no-build
echo "run-container: $COREMON_IMAGE started ($profile) with the socket's group $DOCKER_GID," \
  "on http://127.0.0.1:${COREMON_PUBLISH_PORT:-8080}"
