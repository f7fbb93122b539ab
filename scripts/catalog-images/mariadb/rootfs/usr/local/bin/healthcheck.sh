#!/bin/bash
# A subset of the official mariadb image's healthcheck.sh, with its account (made on the
# first start, credentials in /var/lib/mysql/.my-healthcheck.cnf):
#   --connect              the server accepts a TCP connection and a login
#   --innodb_initialized   InnoDB has finished starting
#   (none)                 the server answers a ping on its socket
set -eo pipefail
CNF=/var/lib/mysql/.my-healthcheck.cnf
[ "$#" -gt 0 ] || set -- --ping
for check in "$@"; do
  case "$check" in
    --su-mysql|--defaults-file=*|--no-defaults) ;;
    --connect)
      mariadb --defaults-extra-file="$CNF" --protocol=tcp -h 127.0.0.1 -e 'SELECT 1' >/dev/null ;;
    --innodb_initialized)
      [ "$(mariadb --defaults-extra-file="$CNF" -N -e \
        "SELECT 1 FROM information_schema.ENGINES WHERE engine='InnoDB' AND support IN ('YES','DEFAULT')")" = 1 ] ;;
    --ping)
      mariadb-admin --defaults-extra-file="$CNF" ping >/dev/null ;;
    *) echo "healthcheck.sh: unsupported check $check" >&2; exit 2 ;;
  esac
done
