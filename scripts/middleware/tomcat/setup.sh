#!/bin/sh
# Runs inside the debootstrapped root (chroot): lays Debian's tomcat10 out like the official
# `tomcat` image: CATALINA_HOME=/usr/local/tomcat with bin/ conf/ lib/ logs/ temp/ work/,
# an empty webapps/ and webapps.dist/{ROOT,manager,host-manager}.
set -eu
home=/usr/local/tomcat
mkdir -p "$home/webapps" "$home/webapps.dist" "$home/logs" "$home/temp" "$home/work"
# (-L: their jars are relative links into /usr/share/java that would dangle here)
cp -aL /usr/share/tomcat10/bin "$home/bin"
cp -aL /usr/share/tomcat10/lib "$home/lib"
cp -aL /etc/tomcat10 "$home/conf"
# Debian's descriptors point at /usr/share/tomcat10-admin and carry no address valve.
rm -f "$home/conf/Catalina/localhost/manager.xml" "$home/conf/Catalina/localhost/host-manager.xml"
cp -a /usr/share/tomcat10-admin/manager "$home/webapps.dist/manager"
cp -a /usr/share/tomcat10-admin/host-manager "$home/webapps.dist/host-manager"
cp -a /var/lib/tomcat10/webapps/ROOT "$home/webapps.dist/ROOT"
for app in manager host-manager; do
  cat >"$home/webapps.dist/$app/META-INF/context.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Context antiResourceLocking="false" privileged="true">
  <Valve className="org.apache.catalina.valves.RemoteAddrValve" allow="127\.\d+\.\d+\.\d+|::1|0:0:0:0:0:0:0:1"/>
</Context>
XML
done
# No users by default (the official image ships none either).
cat >"$home/conf/tomcat-users.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<tomcat-users xmlns="http://tomcat.apache.org/xml" version="1.0"/>
XML
# Logs to the console only, like `catalina.sh run` in the official image.
cat >"$home/conf/logging.properties" <<'PROPS'
handlers = java.util.logging.ConsoleHandler
.handlers = java.util.logging.ConsoleHandler
java.util.logging.ConsoleHandler.level = FINE
java.util.logging.ConsoleHandler.formatter = org.apache.juli.OneLineFormatter
java.util.logging.ConsoleHandler.encoding = UTF-8
PROPS
install -m 0755 /tmp/coremon-entrypoint.sh /usr/local/bin/coremon-tomcat-entrypoint
rm -f /tmp/coremon-entrypoint.sh
