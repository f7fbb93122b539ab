"""What the API asks of a Docker host: its identity and facts, and dry-run plans."""

from __future__ import annotations

from typing import Any

from core_monitor.domain.plan import Plan
from core_monitor.hosts.registry import Host
from core_monitor.monitor.host import HostFacts
from core_monitor.monitor.service import MonitorService
from core_monitor.services.convergence import Convergence
from core_monitor.services.pull_check import PullCheck


class EngineService:
    def __init__(
        self,
        host: Host,
        convergence: Convergence,
        monitor: MonitorService,
        pull_check: PullCheck | None = None,
    ) -> None:
        self.host = host
        self._convergence = convergence
        self._monitor = monitor
        self._pull_check = pull_check

    @property
    def address(self) -> str:
        return self.host.address

    def identity(self) -> dict[str, Any]:
        """The engine's version answer; raises when it does not answer."""
        return self.host.gateway.ping()

    def local_images(self) -> list[dict[str, Any]]:
        """The engine's image list, as it answers it."""
        return self.host.gateway.list_images()

    def facts(self) -> HostFacts:
        return self._monitor.host()

    def plan(self, stack_ref: str, version: int, allow_repin: bool = False) -> Plan:
        """What APPLY would do now; a pull that cannot succeed (no registry) says so."""
        plan = self._convergence.plan(stack_ref, version, allow_repin)
        return plan if self._pull_check is None else self._pull_check.annotate(plan)
