#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with role `coremon`
# (password `coremon`, CREATEDB) and database `coremon_test`. Idempotent, no systemd:
# installs Debian's postgresql if missing, starts the cluster with pg_ctlcluster.
# Fast path (everything already there) is a single TCP login: well under 1 s.
set -euo pipefail

PGUSER_NAME=coremon
PGPASS=coremon
PGDB=coremon_test
PGPORT=5432

ready() {
  PGPASSWORD=$PGPASS PGCONNECT_TIMEOUT=2 psql -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER_NAME" \
    -d "$PGDB" -XAtqc 'select 1' >/dev/null 2>&1
}

if command -v psql >/dev/null 2>&1 && ready; then
  echo "ensure-postgres: ready on 127.0.0.1:$PGPORT (db $PGDB)"
  exit 0
fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  echo "ensure-postgres: no PostgreSQL answers as $PGUSER_NAME@127.0.0.1:$PGPORT/$PGDB and this" \
    "is not root on Debian; start one (role/password $PGUSER_NAME, database $PGDB) and retry." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null)" ]; then
  echo "ensure-postgres: installing postgresql" >&2
  if ! apt-get install -y -qq postgresql >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
fi

# Newest installed server version; create its cluster if the package did not.
ver=$(for b in /usr/lib/postgresql/*/bin/postgres; do basename "$(dirname "$(dirname "$b")")"; done |
  sort -V | tail -1)
if ! pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main"' | grep -q .; then
  pg_createcluster "$ver" main --port "$PGPORT" >/dev/null
fi

conf=/etc/postgresql/$ver/main/postgresql.conf
# Listen on loopback, on the expected port (idempotent edits).
if ! grep -Eq "^listen_addresses *= *'(localhost|127\.0\.0\.1)[^']*'" "$conf"; then
  echo "listen_addresses = 'localhost'" >>"$conf"
fi
if ! grep -Eq "^port *= *$PGPORT\b" "$conf"; then
  echo "port = $PGPORT" >>"$conf"
fi

status=$(pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $4}')
case "$status" in
  online*) ;;
  *)
    # (PostgreSQL itself copes with a stale postmaster.pid after an unclean stop.)
    if ! pg_ctlcluster "$ver" main start >/dev/null 2>&1; then
      echo "ensure-postgres: pg_ctlcluster $ver main start failed:" >&2
      tail -15 "/var/log/postgresql/postgresql-$ver-main.log" >&2 || true
      exit 1
    fi
    ;;
esac

# Wait for the server to accept local connections.
for _ in $(seq 1 60); do
  if runuser -u postgres -- pg_isready -q -p "$PGPORT" 2>/dev/null; then break; fi
  sleep 0.25
done

psql_admin() { (cd / && runuser -u postgres -- psql -p "$PGPORT" -XAtq -v ON_ERROR_STOP=1 -c "$1"); }

if [ "$(psql_admin "select 1 from pg_roles where rolname = '$PGUSER_NAME'")" != 1 ]; then
  psql_admin "create role $PGUSER_NAME login superuser password '$PGPASS'" >/dev/null
else
  psql_admin "alter role $PGUSER_NAME login superuser password '$PGPASS'" >/dev/null
fi
if [ "$(psql_admin "select 1 from pg_database where datname = '$PGDB'")" != 1 ]; then
  psql_admin "create database $PGDB owner $PGUSER_NAME" >/dev/null
fi

if ! ready; then
  echo "ensure-postgres: server started but $PGUSER_NAME@127.0.0.1:$PGPORT/$PGDB does not accept" \
    "a password login; check /etc/postgresql/$ver/main/pg_hba.conf" >&2
  exit 1
fi
echo "ensure-postgres: ready on 127.0.0.1:$PGPORT (db $PGDB, PostgreSQL $ver)"
