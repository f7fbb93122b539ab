#!/usr/bin/env bash
# Make sure a Docker engine answers. When none does and we are root on Debian,
# install docker.io and start dockerd in the background (there is no systemd here).
set -euo pipefail

engine_answers() { docker info >/dev/null 2>&1; }

if engine_answers; then exit 0; fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  echo "ensure-docker: no Docker engine answers and this is not root on Debian; start one and retry." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing docker.io" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

mkdir -p /var/log
echo "ensure-docker: starting dockerd" >&2
nohup dockerd >/var/log/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if engine_answers; then exit 0; fi
  sleep 0.5
done
echo "ensure-docker: dockerd did not answer within 30 s; see /var/log/dockerd.log" >&2
tail -20 /var/log/dockerd.log >&2 || true
exit 1
