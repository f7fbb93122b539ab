# Runs inside the root filesystem. The package made a "main" cluster and its config: the
# entrypoint makes its own under PGDATA on first start, as the official image does.
rm -rf /etc/postgresql/15 /var/lib/postgresql/15
mkdir -p /var/lib/postgresql/data /var/run/postgresql /docker-entrypoint-initdb.d
chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
chmod 1777 /var/lib/postgresql/data
chmod 3777 /var/run/postgresql
# The unused LLVM JIT is most of the image.
rm -rf /usr/lib/llvm-14 /usr/lib/*-linux-gnu/libLLVM-14.so* /usr/lib/postgresql/15/lib/bitcode \
  /usr/lib/postgresql/15/lib/llvmjit* /usr/lib/*-linux-gnu/libz3.so* /usr/share/i18n
