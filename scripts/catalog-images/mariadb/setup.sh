# Runs inside the root filesystem. The package initialised /var/lib/mysql: the entrypoint
# does it on the first start instead, with the passwords it is given.
rm -rf /var/lib/mysql/* /var/log/mysql/*
mkdir -p /var/lib/mysql /run/mysqld /docker-entrypoint-initdb.d
chown -R mysql:mysql /var/lib/mysql /run/mysqld
chmod 1777 /run/mysqld
# Debian logs errors to a file under /var/log; a container logs to stderr.
sed -i 's/^log_error/#log_error/' /etc/mysql/mariadb.conf.d/50-server.cnf
# Galera replication and the test/benchmark bits are not part of the stand-in.
rm -rf /usr/share/mysql/mysql-test /usr/lib/galera /usr/share/galera
