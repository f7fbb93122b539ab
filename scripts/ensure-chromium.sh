#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the web console's end-to-end tests.
# Never downloads a browser build: Debian's package only (root on Debian installs it).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then exit 0; fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  echo "ensure-chromium: $CHROMIUM is missing; install Debian's chromium package (apt-get install chromium)." >&2
  exit 1
fi

echo "ensure-chromium: installing chromium (Debian package)" >&2
export DEBIAN_FRONTEND=noninteractive
# Apt's lists may be absent or old on a fresh machine: update once if the first try fails.
if ! apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: $CHROMIUM still missing after install" >&2; exit 1; }
