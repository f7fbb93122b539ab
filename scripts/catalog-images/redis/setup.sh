# Runs inside the root filesystem. The official image runs redis-server with no config file
# (data in /data, the working directory); Debian's file (bind 127.0.0.1, daemonize) is not used.
mkdir -p /data
chown redis:redis /data
