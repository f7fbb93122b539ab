#!/bin/sh
# The official haproxy image's entrypoint contract, for the Debian HAProxy 2.6 stand-in:
# arguments alone mean haproxy's, and haproxy runs in master-worker mode (-W) in the
# foreground, logging to stderr (-db), with the config at /usr/local/etc/haproxy/haproxy.cfg.
set -e

if [ "${1#-}" != "$1" ]; then
  set -- haproxy "$@"
fi

if [ "$1" = haproxy ]; then
  shift
  set -- haproxy -W -db "$@"
fi

exec "$@"
