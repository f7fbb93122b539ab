"""Per stack / service / container status views, and the pure rules that aggregate them."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from core_monitor.domain.health import assess
from core_monitor.domain.stack import Stack, StackStatus
from core_monitor.engine import labels as lbl
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.state import DesiredState
from core_monitor.vault import REDACTOR


class OverallStatus(StrEnum):
    RUNNING = "RUNNING"
    DEGRADED = "DEGRADED"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    DRIFTED = "DRIFTED"
    UNKNOWN = "UNKNOWN"  # the stack's Docker host does not answer: ``reason`` says why


class PortOut(BaseModel):
    container_port: int
    protocol: str
    host_ip: str | None = None
    host_port: int | None = None


class ContainerStatus(BaseModel):
    id: str | None
    name: str
    service: str
    number: int
    version: int | None = None
    state: str  # running | exited | restarting | paused | created | dead | missing
    exit_code: int | None = None
    health: str | None = None  # healthy | unhealthy | starting | None (no healthcheck)
    health_output: str | None = None  # the last check's output
    restart_count: int = 0
    started_at: datetime | None = None
    uptime_seconds: float | None = None
    image: str | None = None
    image_id: str | None = None
    ports: list[PortOut] = []
    # a keyed fingerprint of the container's config-hash label (equal configurations share
    # it), never the label: a plain hash of a configuration would let readers test guesses
    config_hash: str | None = None


class DriftItem(BaseModel):
    kind: str  # the planner's step kind
    target: str
    service: str | None = None
    difference: str  # missing | extra | config_changed | image_changed | stopped | ...
    reason: str
    drifted: bool  # False: a health problem (crashed), not a change made by hand


class ServiceStatus(BaseModel):
    name: str
    desired_replicas: int
    running: int
    status: OverallStatus
    containers: list[ContainerStatus]


class StackStatusOut(BaseModel):
    stack_id: str
    name: str
    status: OverallStatus
    recorded_status: StackStatus  # what the last command left in the database
    desired_version: int | None
    current_version: int | None  # the applied version
    container_versions: list[int]  # versions the containers were created from
    services: list[ServiceStatus]
    drift: list[DriftItem]
    observed_at: datetime
    host_id: str = "local"  # the Docker host the stack runs on
    reason: str | None = None  # why the status is UNKNOWN


class StackSummary(BaseModel):
    stack_id: str
    name: str
    status: OverallStatus
    containers: int
    running: int
    drift: int
    healthy: int = 0  # containers whose healthcheck passes
    unhealthy: int = 0
    starting: int = 0  # health not known yet
    host_id: str = "local"
    reason: str | None = None  # why the status is UNKNOWN (its host does not answer)


_NANOS = re.compile(r"(\.\d{6})\d*")


def parse_time(value: str | None) -> datetime | None:
    """Docker's RFC 3339 with nanoseconds; the zero time means 'never'."""
    if not value or value.startswith("0001-"):
        return None
    try:
        parsed = datetime.fromisoformat(_NANOS.sub(r"\1", value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def container_status(
    container: ObservedContainer,
    inspect: dict[str, Any] | None,
    now: datetime,
    fingerprint: Callable[[str], str],
) -> ContainerStatus:
    """One container from its list row (typed) and (cached) inspect data; ``fingerprint``
    stands in for its configuration hash."""
    state: dict[str, Any] = (inspect or {}).get("State") or {}
    status = str(state.get("Status") or container.state)
    health_block = state.get("Health") or {}
    health = health_block.get("Status") or None
    if health == "none":
        health = None
    log = health_block.get("Log") or []
    # masked before it is cut, so that no piece of a secret survives at the cut
    output = REDACTOR.mask(str(log[-1].get("Output", ""))).strip() if log else None
    started = parse_time(state.get("StartedAt"))
    running = status in ("running", "paused", "restarting")
    exit_code = state.get("ExitCode") if status in ("exited", "dead") else None
    if exit_code is None and status == "exited":
        exit_code = container.exit_code
    config_hash = container.config_hash
    return ContainerStatus(
        id=container.id,
        name=container.name,
        service=container.service,
        number=container.number,
        version=container.version,
        state=status,
        exit_code=exit_code,
        health=health,
        health_output=output[-2000:] if output is not None else None,
        restart_count=int((inspect or {}).get("RestartCount") or 0),
        started_at=started,
        uptime_seconds=round((now - started).total_seconds(), 3) if running and started else None,
        image=container.image,
        image_id=container.image_id or None,
        ports=[PortOut(**dataclasses.asdict(p)) for p in container.ports],
        config_hash=fingerprint(config_hash) if config_hash else None,
    )


def aggregate(
    *,
    stack_id: str,
    name: str,
    recorded: StackStatus,
    desired_version: int | None,
    current_version: int | None,
    desired: DesiredState | None,
    containers: list[ContainerStatus],
    drift: list[DriftItem],
    now: datetime,
    failed: bool = False,
    stopped: AbstractSet[str] = frozenset(),
) -> StackStatusOut:
    """The stack's overall status. Precedence: FAILED (the stack's last command to finish
    failed; ``recorded`` is only shown) > DRIFTED (someone changed the stack by hand) >
    STOPPED (every service stopped on purpose: ``stopped``) > DEGRADED (a container that
    should serve does not: crashed, restarting, unhealthy) > RUNNING; the last three are
    the one health rule (domain.health) the executor records too."""
    by_service: dict[str, list[ContainerStatus]] = {}
    for c in containers:
        by_service.setdefault(c.service, []).append(c)
    for item in drift:  # missing containers appear as such
        if item.difference == "missing" and item.service:
            number = lbl.number_in_name(item.target)
            by_service.setdefault(item.service, []).append(
                ContainerStatus(
                    id=None, name=item.target, service=item.service, number=number, state="missing"
                )
            )
    wanted = desired.services if desired else None
    health = assess(
        wanted,
        [c for members in by_service.values() for c in members],
        stopped=stopped,
    )
    services = []
    for service, state in health.services.items():
        members = sorted(by_service.get(service, []), key=lambda c: (c.number, c.name))
        spec = wanted.get(service) if wanted else None
        services.append(
            ServiceStatus(
                name=service,
                desired_replicas=spec.replicas if spec else 0,
                running=sum(c.state == "running" for c in members),
                status=OverallStatus(state),
                containers=members,
            )
        )
    if failed:
        overall = OverallStatus.FAILED
    elif any(d.drifted for d in drift):
        overall = OverallStatus.DRIFTED
    else:
        overall = OverallStatus(health.stack)
    return StackStatusOut(
        stack_id=stack_id,
        name=name,
        status=overall,
        recorded_status=recorded,
        desired_version=desired_version,
        current_version=current_version,
        container_versions=sorted({c.version for c in containers if c.version is not None}),
        services=services,
        drift=drift,
        observed_at=now,
    )


def unknown(stack: Stack, reason: str, now: datetime) -> StackStatusOut:
    """A stack whose host does not answer: nothing observed, and why."""
    return StackStatusOut(
        stack_id=stack.stack_id,
        name=stack.name,
        status=OverallStatus.UNKNOWN,
        recorded_status=stack.status,
        desired_version=stack.desired_version,
        current_version=stack.current_version,
        container_versions=[],
        services=[],
        drift=[],
        observed_at=now,
        host_id=stack.host_id,
        reason=reason,
    )


def summary(status: StackStatusOut) -> StackSummary:
    """The stack list's line of one stack's status."""
    containers = [c for s in status.services for c in s.containers if c.id]
    return StackSummary(
        stack_id=status.stack_id,
        name=status.name,
        status=status.status,
        containers=len(containers),
        running=sum(c.state == "running" for c in containers),
        drift=sum(d.drifted for d in status.drift),
        healthy=sum(c.health == "healthy" for c in containers),
        unhealthy=sum(c.health == "unhealthy" for c in containers),
        starting=sum(c.health == "starting" for c in containers),
        host_id=status.host_id,
        reason=status.reason,
    )
