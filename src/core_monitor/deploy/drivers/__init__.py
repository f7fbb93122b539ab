"""The middleware drivers, by target kind (nginx, Tomcat, WildFly): one module each.

The DEPLOY executor and the deploy preflight look a driver up here; a kind without one is
refused when a deploy runs.
"""

from __future__ import annotations

from core_monitor.deploy.driver import Driver
from core_monitor.domain.deploy import TargetKind

DRIVERS: dict[TargetKind, Driver] = {}
