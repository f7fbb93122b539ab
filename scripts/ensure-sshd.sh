#!/usr/bin/env bash
# Make sure OpenSSH's server binary (/usr/sbin/sshd) is installed: the SSH host tests start
# their own sshd (their config, host key and port); nothing here starts or configures one.
# Idempotent; the fast path (already installed) is one file test.
set -euo pipefail

SSHD=/usr/sbin/sshd

if [ -x "$SSHD" ]; then
  echo "ensure-sshd: $SSHD present"
  exit 0
fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  echo "ensure-sshd: $SSHD is missing and this is not root on Debian; install OpenSSH's" \
    "server (package openssh-server) and retry." >&2
  exit 1
fi

# The package's scripts would start a system sshd on port 22: a policy-rc.d that answers 101
# ("action forbidden") keeps them from starting anything while it is installed.
policy=/usr/sbin/policy-rc.d
added_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  added_policy=1
fi
cleanup() { if [ -n "$added_policy" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
echo "ensure-sshd: installing openssh-server" >&2
if ! apt-get install -y -qq --no-install-recommends openssh-server >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
fi
if [ ! -x "$SSHD" ]; then
  echo "ensure-sshd: openssh-server installed but $SSHD is missing" >&2
  exit 1
fi
echo "ensure-sshd: installed $("$SSHD" -V 2>&1 | head -1 || true)"
