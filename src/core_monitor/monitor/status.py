"""Per stack / service / container status views, and the pure rules that aggregate them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from core_monitor.domain.stack import StackStatus
from core_monitor.engine import labels as lbl
from core_monitor.engine.state import DesiredState
from core_monitor.vault import REDACTOR


class OverallStatus(StrEnum):
    RUNNING = "RUNNING"
    DEGRADED = "DEGRADED"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    DRIFTED = "DRIFTED"


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


def ports_of(row: dict[str, Any]) -> list[PortOut]:
    """Published ports from a list row (only those bound on the host)."""
    seen: set[tuple[int, str, str | None, int | None]] = set()
    ports = []
    for p in row.get("Ports") or []:
        if not p.get("PublicPort"):
            continue
        key = (int(p["PrivatePort"]), str(p.get("Type", "tcp")), p.get("IP"), p.get("PublicPort"))
        if key in seen:
            continue
        seen.add(key)
        ports.append(
            PortOut(container_port=key[0], protocol=key[1], host_ip=key[2], host_port=key[3])
        )
    return sorted(ports, key=lambda p: (p.container_port, p.protocol, p.host_ip or ""))


def container_status(
    row: dict[str, Any],
    inspect: dict[str, Any] | None,
    now: datetime,
    fingerprint: Callable[[str], str],
) -> ContainerStatus:
    """One container from its list row and (cached) inspect data; ``fingerprint`` stands in
    for its configuration hash."""
    labels = row.get("Labels") or {}
    state: dict[str, Any] = (inspect or {}).get("State") or {}
    status = str(state.get("Status") or row.get("State") or "unknown")
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
        match = re.match(r"Exited \((-?\d+)\)", row.get("Status") or "")
        exit_code = int(match.group(1)) if match else None
    version = labels.get(lbl.STACK_VERSION, "")
    config_hash = labels.get(lbl.COMPOSE_CONFIG_HASH)
    return ContainerStatus(
        id=row.get("Id"),
        name=(row.get("Names") or ["/?"])[0].lstrip("/"),
        service=labels.get(lbl.COMPOSE_SERVICE, ""),
        number=int(labels.get(lbl.COMPOSE_NUMBER, "0") or 0),
        version=int(version) if version.isdigit() else None,
        state=status,
        exit_code=exit_code,
        health=health,
        health_output=output[-2000:] if output is not None else None,
        restart_count=int((inspect or {}).get("RestartCount") or 0),
        started_at=started,
        uptime_seconds=round((now - started).total_seconds(), 3) if running and started else None,
        image=row.get("Image"),
        image_id=row.get("ImageID"),
        ports=ports_of(row),
        config_hash=fingerprint(config_hash) if config_hash else None,
    )


def _ok(container: ContainerStatus, restart_policy: str) -> bool:
    if container.state == "running":
        return container.health != "unhealthy"
    completed = container.state == "exited" and container.exit_code == 0
    return completed and restart_policy == "no"


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
) -> StackStatusOut:
    """The stack's overall status. Precedence: FAILED (the last command failed) > DRIFTED
    (someone changed the stack by hand) > STOPPED (stopped on purpose) > DEGRADED (a
    container that should serve does not: crashed, restarting, unhealthy) > RUNNING."""
    by_service: dict[str, list[ContainerStatus]] = {}
    for c in containers:
        by_service.setdefault(c.service, []).append(c)
    for item in drift:  # missing containers appear as such
        if item.difference == "missing" and item.service:
            number = int(item.target.rsplit("-", 1)[-1]) if item.target[-1:].isdigit() else 0
            by_service.setdefault(item.service, []).append(
                ContainerStatus(
                    id=None, name=item.target, service=item.service, number=number, state="missing"
                )
            )
    stopped_on_purpose = recorded == StackStatus.STOPPED
    services = []
    wanted = desired.services if desired else {}
    for service in sorted(set(by_service) | set(wanted)):
        members = sorted(by_service.get(service, []), key=lambda c: (c.number, c.name))
        spec = wanted.get(service)
        replicas = spec.replicas if spec else 0
        policy = spec.restart_policy if spec else "no"
        running = sum(c.state == "running" for c in members)
        if running == 0 and (stopped_on_purpose or spec is None or replicas == 0):
            state = OverallStatus.STOPPED
        elif spec is not None and sum(_ok(c, policy) for c in members) >= replicas:
            state = OverallStatus.RUNNING
        else:
            state = OverallStatus.DEGRADED
        services.append(
            ServiceStatus(
                name=service,
                desired_replicas=replicas,
                running=running,
                status=state,
                containers=members,
            )
        )
    if recorded == StackStatus.FAILED:
        overall = OverallStatus.FAILED
    elif any(d.drifted for d in drift):
        overall = OverallStatus.DRIFTED
    elif desired is None or (
        stopped_on_purpose and not any(c.state == "running" for c in containers)
    ):
        overall = OverallStatus.STOPPED
    elif all(s.status == OverallStatus.RUNNING for s in services if s.name in wanted):
        overall = OverallStatus.RUNNING
    else:
        overall = OverallStatus.DEGRADED
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
