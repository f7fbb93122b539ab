"""The one rule for "is this stack healthy": per service and for the whole stack.

The executor records it when a command ends and the monitor shows it live; both call
``assess`` so that the same containers never read RUNNING in one place and DEGRADED in the
other. A container serves when it runs and is not unhealthy, or when it is a one-shot that
completed: exited 0 under restart "no" (the planner leaves exactly those alone; any other
policy means the engine, or the next APPLY, would run it again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Health(StrEnum):
    RUNNING = "RUNNING"
    DEGRADED = "DEGRADED"
    STOPPED = "STOPPED"


class Wanted(Protocol):
    """What a service should be (the desired state's service satisfies it)."""

    @property
    def replicas(self) -> int: ...

    @property
    def restart_policy(self) -> str: ...


class Seen(Protocol):
    """One container as observed (the engine's and the monitor's views satisfy it)."""

    @property
    def service(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def exit_code(self) -> int | None: ...

    @property
    def health(self) -> str | None: ...


@dataclass(frozen=True)
class Assessment:
    stack: Health
    services: dict[str, Health]  # every wanted or observed service


def serves(container: Seen, restart_policy: str) -> bool:
    if container.state == "running":
        return container.health != "unhealthy"
    completed = container.state == "exited" and container.exit_code == 0
    return completed and restart_policy == "no"


def service_health(
    wanted: Wanted | None, members: Sequence[Seen], *, stopped_on_purpose: bool
) -> Health:
    running = sum(c.state == "running" for c in members)
    if running == 0 and (stopped_on_purpose or wanted is None or wanted.replicas == 0):
        return Health.STOPPED
    if wanted is None:
        return Health.DEGRADED  # running, yet no version wants it
    serving = sum(serves(c, wanted.restart_policy) for c in members)
    return Health.RUNNING if serving >= wanted.replicas else Health.DEGRADED


def assess(
    wanted: Mapping[str, Wanted] | None,
    containers: Sequence[Seen],
    *,
    stopped: AbstractSet[str] = frozenset(),
) -> Assessment:
    """``wanted`` None: nothing was ever applied. ``stopped``: the services a STOP command
    stopped on purpose (and no START, RESTART or APPLY started again): down is what they
    should be, so they never make the stack degraded; the stack is STOPPED when some are
    and nothing it wants runs. Containers of services nobody wants are judged
    (they show) but never make the stack itself degraded."""
    wants = wanted or {}
    by_service: dict[str, list[Seen]] = {name: [] for name in wants}
    for c in containers:
        by_service.setdefault(c.service, []).append(c)
    services = {
        name: service_health(wants.get(name), members, stopped_on_purpose=name in stopped)
        for name, members in sorted(by_service.items())
    }
    down = {n for n in wants if n in stopped and services[n] == Health.STOPPED}
    serving = [n for n, w in wants.items() if n not in down and w.replicas > 0]
    # one-shots that completed serve without running: with the rest down on purpose,
    # nothing the stack wants runs, and it is STOPPED
    runs = any(c.state == "running" for c in containers if c.service in wants)
    if wanted is None:
        stack = Health.STOPPED
    elif not all(services[n] == Health.RUNNING for n in serving):
        stack = Health.DEGRADED
    elif down and not runs:
        stack = Health.STOPPED
    else:
        stack = Health.RUNNING
    return Assessment(stack, services)
