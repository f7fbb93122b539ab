"""The plan's warnings: what a version asks that one engine may not honour as written. Pure.

Each is a field the loader accepts (Compose accepts it too) whose effect depends on the engine:
reported with the plan, never dropped silently.
"""

from __future__ import annotations

from typing import Any

from core_monitor.domain.plan import PlanWarning
from core_monitor.engine.state import DesiredState

RESERVATIONS = "deploy.resources.reservations"


def plan_warnings(desired: DesiredState) -> list[PlanWarning]:
    found: list[PlanWarning] = []
    for name, service in sorted(desired.services.items()):
        found.extend(_service(name, service.config))
    return found


def _service(name: str, config: dict[str, Any]) -> list[PlanWarning]:
    reservations = config.get("reservations") or {}
    found = []
    if config.get("develop"):
        found.append(
            PlanWarning(
                service=name,
                path=f"services.{name}.develop",
                message="develop (docker compose watch) is the Compose CLI's development loop: "
                "not applied here; apply a new version to change the containers",
            )
        )
    if reservations.get("cpus") is not None:
        found.append(
            PlanWarning(
                service=name,
                path=f"services.{name}.{RESERVATIONS}.cpus",
                message="a single engine has no CPU reservation: not applied (as with Compose)",
            )
        )
    for i, device in enumerate(reservations.get("devices") or []):
        driver = device.get("driver") or "the engine's default"
        found.append(
            PlanWarning(
                service=name,
                path=f"services.{name}.{RESERVATIONS}.devices[{i}]",
                message=f"a device request ({driver} driver, capabilities "
                f"{device.get('capabilities') or []}): the engine refuses to create the "
                "container if it has no such device driver",
            )
        )
    return found
