"""The middleware drivers, one module each, behind ``core_monitor.deploy.driver.Driver``.

``DRIVERS`` is the one table from a target kind to its driver. WildFly's driver is covered
by tests against recorded management answers only: it is not yet verified against a real
server (no WildFly distribution is reachable where it was written).
"""

from __future__ import annotations

from core_monitor.deploy.driver import Driver
from core_monitor.deploy.drivers.nginx import NginxDriver
from core_monitor.deploy.drivers.tomcat import TomcatDriver
from core_monitor.deploy.drivers.wildfly import WildflyDriver
from core_monitor.domain.deploy import TargetKind

DRIVERS: dict[TargetKind, Driver] = {
    TargetKind.NGINX: NginxDriver(),
    TargetKind.TOMCAT: TomcatDriver(),
    TargetKind.WILDFLY: WildflyDriver(),
}
