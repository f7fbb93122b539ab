# Runs inside the root filesystem. debootstrap takes the first alternative of adminer's
# "libapache2-mod-php | php-cgi | php-fpm | php": Apache is not used (php -S serves).
dpkg --purge --force-depends libapache2-mod-php libapache2-mod-php8.2 apache2 apache2-bin \
  apache2-data apache2-utils >/dev/null
useradd --system --home-dir /var/www/html --shell /usr/sbin/nologin adminer
ln -s /usr/share/adminer/adminer.php /var/www/html/adminer.php
ln -s /usr/share/adminer/designs /var/www/html/designs
chown -R adminer:adminer /var/www/html
