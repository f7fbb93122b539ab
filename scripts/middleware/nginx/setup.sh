#!/bin/sh
# Runs inside the debootstrapped root (chroot): Debian's nginx-light configured like the
# official `nginx` image: nginx.conf includes /etc/nginx/conf.d/*.conf, default.conf serves
# /usr/share/nginx/html on port 80, logs go to the container's stdout/stderr.
set -eu
rm -f /etc/nginx/sites-enabled/default
mkdir -p /etc/nginx/conf.d /usr/share/nginx/html
cat >/etc/nginx/nginx.conf <<'CONF'
user www-data;
worker_processes auto;
error_log /var/log/nginx/error.log notice;
pid /run/nginx.pid;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /var/log/nginx/access.log;
    sendfile on;
    keepalive_timeout 65;
    include /etc/nginx/conf.d/*.conf;
}
CONF
cat >/etc/nginx/conf.d/default.conf <<'CONF'
server {
    listen 80;
    listen [::]:80;
    server_name localhost;
    location / {
        root /usr/share/nginx/html;
        index index.html index.htm;
    }
}
CONF
printf '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n' \
  >/usr/share/nginx/html/index.html
mkdir -p /var/log/nginx
ln -sf /dev/stdout /var/log/nginx/access.log
ln -sf /dev/stderr /var/log/nginx/error.log
