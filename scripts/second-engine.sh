#!/usr/bin/env bash
# A second Docker engine on this machine, for the multi-host tests: its own data-root,
# exec-root, pid file, containerd and bridge, listening on 127.0.0.1 with TLS (client
# certificates required). Certificates are generated into DIR on first start.
#
#   scripts/second-engine.sh start DIR PORT    # prints the DOCKER_HOST to use
#   scripts/second-engine.sh stop DIR      # stops it; a start with DIR brings it back
#   scripts/second-engine.sh remove DIR    # its containers and networks removed, then stopped
#
# The engine leaves iptables alone (--iptables=false): the first engine owns the host's
# rules, and published ports still work on 127.0.0.1 through docker-proxy.
set -euo pipefail

cmd=${1:?start|stop|remove}; dir=${2:?directory}; dir=$(realpath -m "$dir")
port=${3:-23760}
bridge=cmbr2
pidfile="$dir/dockerd.pid"

certs() {
  [ -f "$dir/tls/key.pem" ] && return 0
  mkdir -p "$dir/tls" && cd "$dir/tls"
  openssl genrsa -out ca-key.pem 2048 2>/dev/null
  openssl req -new -x509 -days 2 -key ca-key.pem -subj "/CN=coremon-test-ca" -out ca.pem
  openssl genrsa -out server-key.pem 2048 2>/dev/null
  openssl req -new -key server-key.pem -subj "/CN=127.0.0.1" -out server.csr
  printf 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' >server.ext
  openssl x509 -req -days 2 -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -extfile server.ext -out server-cert.pem 2>/dev/null
  openssl genrsa -out key.pem 2048 2>/dev/null
  openssl req -new -key key.pem -subj "/CN=coremon-client" -out client.csr
  printf 'extendedKeyUsage = clientAuth\n' >client.ext
  openssl x509 -req -days 2 -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -extfile client.ext -out cert.pem 2>/dev/null
  rm -f ./*.csr ./*.ext
  cd - >/dev/null
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  certs
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add 10.231.0.1/24 dev "$bridge"
  fi
  ip link set "$bridge" up
  if ! running; then
    mkdir -p "$dir/data" "$dir/exec" "$dir/etc"
    # its own /etc/docker (a private mount namespace): its own key.json, so its own engine
    # ID, as a second machine would have
    nohup unshare --mount --propagation private sh -c \
      'mount --bind "$0" /etc/docker && exec dockerd "$@"' "$dir/etc" \
      --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$pidfile" \
      --host "unix://$dir/docker.sock" --host "tcp://127.0.0.1:$port" \
      --tlsverify --tlscacert "$dir/tls/ca.pem" --tlscert "$dir/tls/server-cert.pem" \
      --tlskey "$dir/tls/server-key.pem" \
      --bridge "$bridge" --iptables=false --ip-masq=false \
      >"$dir/dockerd.log" 2>&1 &
  fi
  for _ in $(seq 1 120); do
    if DOCKER_HOST="unix://$dir/docker.sock" docker info >/dev/null 2>&1; then
      echo "tcp://127.0.0.1:$port"
      return 0
    fi
    sleep 0.5
  done
  echo "second-engine: dockerd did not answer within 60 s; see $dir/dockerd.log" >&2
  tail -20 "$dir/dockerd.log" >&2 || true
  return 1
}

stop() {
  if running; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 1 60); do running || break; sleep 0.5; done
  fi
}

# The bridges of its networks live in this machine's network namespace, where a stopped
# engine leaves them (to find them again at its next start). Once DIR is gone nothing would
# remove them, and they hold subnets of the address pools every engine here draws from:
# enough of them and no engine can create a network. So the last stop removes them first.
remove() {
  if running; then
    local sock="unix://$dir/docker.sock"
    DOCKER_HOST="$sock" docker ps -aq | xargs -r env DOCKER_HOST="$sock" docker rm -f \
      >/dev/null 2>&1 || true
    DOCKER_HOST="$sock" docker network prune -f >/dev/null 2>&1 || true
  fi
  stop
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  remove) remove ;;
  *) echo "usage: $0 start|stop|remove DIR [PORT]" >&2; exit 2 ;;
esac
