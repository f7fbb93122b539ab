# Runs inside the root filesystem. The official image keeps its config in
# /usr/local/etc/haproxy (none shipped) and runs as user haproxy; /var/lib/haproxy is its
# runtime directory.
mkdir -p /usr/local/etc/haproxy /var/lib/haproxy /run/haproxy
chown haproxy:haproxy /var/lib/haproxy /run/haproxy
