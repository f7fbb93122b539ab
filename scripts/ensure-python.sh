#!/usr/bin/env bash
# A fresh Debian has python3 but not always its venv module.
set -euo pipefail
py=${1:-python3}
if ! command -v "$py" >/dev/null 2>&1 || ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
  else
    echo "ensure-python: need $py with the venv module (apt-get install python3-venv)" >&2
    exit 1
  fi
fi
"$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 required")'
