# Runs inside the root filesystem. The node's data (mnesia, the Erlang cookie) lives in
# /var/lib/rabbitmq, its home, as in the official image; logs go to the console.
mkdir -p /var/lib/rabbitmq /var/log/rabbitmq /etc/rabbitmq/conf.d
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq /etc/rabbitmq
rm -f /var/lib/rabbitmq/.erlang.cookie
