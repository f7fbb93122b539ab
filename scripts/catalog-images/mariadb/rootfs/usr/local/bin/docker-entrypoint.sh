#!/bin/bash
# The official mariadb image's entrypoint contract, for the Debian MariaDB 10.11 stand-in:
#   MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD; or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD,
#   MARIADB_RANDOM_ROOT_PASSWORD), MARIADB_ROOT_HOST (default %), MARIADB_DATABASE,
#   MARIADB_USER, MARIADB_PASSWORD (each also as MYSQL_*, and as *_FILE), data in
#   /var/lib/mysql initialised on the first start only, /docker-entrypoint-initdb.d (*.sh,
#   *.sql), port 3306 on every address, the server running as `mysql`, healthcheck.sh.
set -Eeo pipefail
DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

if [ "${1:0:1}" = '-' ]; then
  set -- mariadbd "$@"
fi

# MARIADB_X, else MYSQL_X, else the X_FILE of either (docker secrets), else the default.
env_of() {
  local name=$1 def=${2:-} var
  for var in "MARIADB_$name" "MYSQL_$name"; do
    if [ -n "${!var:-}" ]; then printf '%s' "${!var}"; return; fi
    local file_var="${var}_FILE"
    if [ -n "${!file_var:-}" ]; then cat "${!file_var}"; return; fi
  done
  printf '%s' "$def"
}

sql_string() {  # a quoted SQL string literal
  local v=${1//\\/\\\\}
  printf "'%s'" "${v//\'/\\\'}"
}

sql_name() {  # a quoted SQL identifier
  printf '`%s`' "${1//\`/\`\`}"
}

setup_env() {
  ROOT_PASSWORD=$(env_of ROOT_PASSWORD)
  ROOT_HOST=$(env_of ROOT_HOST %)
  DATABASE=$(env_of DATABASE)
  USER_NAME=$(env_of USER)
  USER_PASSWORD=$(env_of PASSWORD)
  ALLOW_EMPTY=$(env_of ALLOW_EMPTY_ROOT_PASSWORD)
  RANDOM_ROOT=$(env_of RANDOM_ROOT_PASSWORD)
}

check_root_password() {
  if [ -z "$ROOT_PASSWORD" ] && [ -z "$ALLOW_EMPTY" ] && [ -z "$RANDOM_ROOT" ]; then
    echo >&2 'error: database is uninitialized and password option is not specified'
    echo >&2 '  You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH,'
    echo >&2 '  MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD'
    exit 1
  fi
  if [ -n "$RANDOM_ROOT" ]; then
    ROOT_PASSWORD=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)
    echo "GENERATED ROOT PASSWORD: $ROOT_PASSWORD"
  fi
}

init_sql() {
  local health
  health=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)
  printf '[mariadb-client]\nport=3306\nsocket=%s\nuser=healthcheck\npassword=%s\n' \
    "$SOCKET" "$health" >"$DATADIR/.my-healthcheck.cnf"
  echo "SET @@SESSION.SQL_LOG_BIN=0;"
  # install-db's anonymous and host-named accounts would shadow the users made here
  echo "DELETE FROM mysql.global_priv WHERE User='' OR (User='root' AND Host<>'localhost');"
  echo "FLUSH PRIVILEGES;"
  echo "ALTER USER root@localhost IDENTIFIED BY $(sql_string "$ROOT_PASSWORD");"
  if [ "$ROOT_HOST" != localhost ]; then
    echo "CREATE USER root@$(sql_string "$ROOT_HOST") IDENTIFIED BY $(sql_string "$ROOT_PASSWORD");"
    echo "GRANT ALL ON *.* TO root@$(sql_string "$ROOT_HOST") WITH GRANT OPTION;"
  fi
  local host
  for host in 127.0.0.1 ::1 localhost; do
    echo "CREATE USER healthcheck@'$host' IDENTIFIED BY '$health';"
    echo "GRANT USAGE ON *.* TO healthcheck@'$host';"
  done
  if [ -n "$DATABASE" ]; then
    echo "CREATE DATABASE IF NOT EXISTS $(sql_name "$DATABASE");"
  fi
  if [ -n "$USER_NAME" ] && [ -n "$USER_PASSWORD" ]; then
    echo "CREATE USER $(sql_string "$USER_NAME")@'%' IDENTIFIED BY $(sql_string "$USER_PASSWORD");"
    if [ -n "$DATABASE" ]; then
      echo "GRANT ALL ON $(sql_name "${DATABASE//_/\\_}").* TO $(sql_string "$USER_NAME")@'%';"
    fi
  fi
}

init_database() {
  mariadb-install-db --datadir="$DATADIR" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve --skip-log-bin >/dev/null
  # A server on the socket only while the database is set up: nobody reaches it half made.
  mariadbd --skip-networking --skip-log-bin --socket="$SOCKET" &
  local pid=$! i
  for i in $(seq 60); do
    mariadb --no-defaults --socket="$SOCKET" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.5
  done
  init_sql | mariadb --no-defaults --socket="$SOCKET" -uroot
  local mysql=(mariadb --no-defaults --socket="$SOCKET" -uroot -p"$ROOT_PASSWORD")
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "$0: running $f"; . "$f" ;;
      *.sql) echo "$0: running $f"; "${mysql[@]}" ${DATABASE:+"$DATABASE"} <"$f" ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${mysql[@]}" ${DATABASE:+"$DATABASE"} ;;
      *) [ -e "$f" ] && echo "$0: ignoring $f" ;;
    esac
  done
  kill "$pid"
  wait "$pid" || true
  echo 'MariaDB init process done. Ready for start up.'
}

if [ "$1" = mariadbd ] || [ "$1" = mysqld ]; then
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DATADIR" /run/mysqld
    chown -R mysql:mysql "$DATADIR" /run/mysqld
    exec setpriv --reuid=mysql --regid=mysql --init-groups "$BASH_SOURCE" "$@"
  fi
  setup_env
  if [ ! -d "$DATADIR/mysql" ]; then
    check_root_password
    init_database
  fi
fi

exec "$@"
