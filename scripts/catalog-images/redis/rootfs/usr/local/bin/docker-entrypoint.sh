#!/bin/bash
# The official redis image's entrypoint contract, for the Debian Redis 7.0 stand-in:
# `redis-server [config file] [--option value...]`, arguments alone mean redis-server's,
# data in /data (the working directory), every address on 6379, protected mode off (the
# official image builds it off by default; here it is off unless a config file sets it),
# the server running as `redis`.
set -eo pipefail

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi

if [ "$1" = redis-server ]; then
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' + 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$BASH_SOURCE" "$@"
  fi
  conf=
  [ "${2%.conf}" != "${2:-}" ] && conf=$2
  if [ -z "$conf" ] || ! grep -Eqi '^[[:space:]]*protected-mode' "$conf"; then
    shift
    if [ -n "$conf" ]; then shift; set -- redis-server "$conf" --protected-mode no "$@"
    else set -- redis-server --protected-mode no "$@"; fi
  fi
  umask 0077
fi

exec "$@"
