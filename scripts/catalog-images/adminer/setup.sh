# Runs inside the root filesystem. debootstrap takes the first alternative of adminer's
# "libapache2-mod-php | php-cgi | php-fpm | php": Apache is not used (php -S serves).
apache=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' 'libapache2-mod-php*' 'apache2*' \
  2>/dev/null | awk '$1 == "ii" {print $2}')
# (dpkg says, on stderr, that adminer's dependency is broken: that is the point)
[ -z "$apache" ] || dpkg --purge --force-depends $apache >/dev/null 2>&1
useradd --system --home-dir /var/www/html --shell /usr/sbin/nologin adminer
ln -s /usr/share/adminer/adminer.php /var/www/html/adminer.php
ln -s /usr/share/adminer/designs /var/www/html/designs
chown -R adminer:adminer /var/www/html
