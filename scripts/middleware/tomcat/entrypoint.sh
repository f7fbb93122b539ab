#!/bin/sh
# coremon-test/tomcat's entrypoint (under tini): like the official image, no manager unless
# asked. With TOMCAT_MANAGER_USER and TOMCAT_MANAGER_PASSWORD set, the manager (from
# webapps.dist) is installed at /manager for that one user (role manager-script), reachable
# from 127.0.0.1 / ::1 only: a deploy tool reaches it with `docker exec … curl`, never over
# the network. Then it runs the command (`catalina.sh run`).
set -eu
conf=$CATALINA_HOME/conf
if [ -n "${TOMCAT_MANAGER_USER:-}" ] && [ -n "${TOMCAT_MANAGER_PASSWORD:-}" ]; then
  xml_escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' \
    -e 's/"/\&quot;/g' -e "s/'/\&apos;/g"; }
  user=$(xml_escape "$TOMCAT_MANAGER_USER")
  password=$(xml_escape "$TOMCAT_MANAGER_PASSWORD")
  umask 077
  cat >"$conf/tomcat-users.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<tomcat-users xmlns="http://tomcat.apache.org/xml" version="1.0">
  <role rolename="manager-script"/>
  <user username="$user" password="$password" roles="manager-script"/>
</tomcat-users>
XML
  umask 022
  mkdir -p "$conf/Catalina/localhost"
  # This descriptor overrides the webapp's own META-INF/context.xml: the valve must be here
  # (Debian's descriptor had none, and another container reached the manager).
  cat >"$conf/Catalina/localhost/manager.xml" <<XML
<Context docBase="$CATALINA_HOME/webapps.dist/manager" antiResourceLocking="false" privileged="true">
  <Valve className="org.apache.catalina.valves.RemoteAddrValve" allow="127\.\d+\.\d+\.\d+|::1|0:0:0:0:0:0:0:1"/>
</Context>
XML
fi
unset TOMCAT_MANAGER_PASSWORD
exec "$@"
