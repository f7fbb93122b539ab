#!/bin/bash
# The official rabbitmq image's entrypoint contract, for the Debian RabbitMQ 3.10 stand-in:
# RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS, RABBITMQ_DEFAULT_VHOST (the account made on
# the first start; default guest/guest), RABBITMQ_ERLANG_COOKIE, data in /var/lib/rabbitmq,
# the management plugin enabled, the server running as `rabbitmq` in the foreground.
set -eo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- rabbitmq-server "$@"
fi

write_env_config() {
  local conf=/etc/rabbitmq/conf.d/20-environment.conf
  : >"$conf"
  [ -z "${RABBITMQ_DEFAULT_USER:-}" ] || echo "default_user = $RABBITMQ_DEFAULT_USER" >>"$conf"
  [ -z "${RABBITMQ_DEFAULT_PASS:-}" ] || echo "default_pass = $RABBITMQ_DEFAULT_PASS" >>"$conf"
  [ -z "${RABBITMQ_DEFAULT_VHOST:-}" ] || echo "default_vhost = $RABBITMQ_DEFAULT_VHOST" >>"$conf"
  chown rabbitmq:rabbitmq "$conf"
  chmod 600 "$conf"
}

write_cookie() {
  local cookie=/var/lib/rabbitmq/.erlang.cookie
  printf '%s' "$RABBITMQ_ERLANG_COOKIE" >"$cookie"
  chown rabbitmq:rabbitmq "$cookie"
  chmod 600 "$cookie"
}

if [ "$1" = rabbitmq-server ]; then
  shift
  set -- /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
  if [ "$(id -u)" = 0 ]; then
    write_env_config
    [ -z "${RABBITMQ_ERLANG_COOKIE:-}" ] || write_cookie
    find /var/lib/rabbitmq \! -user rabbitmq -exec chown rabbitmq '{}' + 2>/dev/null || true
    exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$@"
  fi
fi

exec "$@"
