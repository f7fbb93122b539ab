"""The one parser of the engine's list rows into ``engine.model`` types (no docker-py).

The planner's observer, the executor and the monitor all read containers through
``container``: a row's labels, state, health, exit code and ports are read here only.
"""

from __future__ import annotations

import re
from typing import Any

from core_monitor.engine import labels as lbl
from core_monitor.engine.model import (
    BindMount,
    ObservedContainer,
    ObservedResource,
    PublishedPort,
)

_EXITED = re.compile(r"Exited \((-?\d+)\)")
# the list row's status text carries the health the engine last recorded
_HEALTH = {"(healthy)": "healthy", "(unhealthy)": "unhealthy", "(health: starting)": "starting"}


def container(row: dict[str, Any]) -> ObservedContainer:
    """A container list row (``GET /containers/json``) as typed data."""
    labels: dict[str, str] = row.get("Labels") or {}
    status = row.get("Status") or ""
    exited = _EXITED.match(status)
    names = tuple(str(n).lstrip("/") for n in row.get("Names") or ["/?"])
    return ObservedContainer(
        id=row["Id"],
        name=names[0],
        service=labels.get(lbl.COMPOSE_SERVICE, ""),
        number=int(labels.get(lbl.COMPOSE_NUMBER, "0") or 0),
        state=row.get("State") or "unknown",
        health=_health(status),
        exit_code=int(exited.group(1)) if exited else None,
        image_id=row.get("ImageID") or "",
        config_hash=labels.get(lbl.COMPOSE_CONFIG_HASH, ""),
        labels=labels,
        image=row.get("Image"),
        names=names,
        ports=_ports(row),
        binds=tuple(
            BindMount(str(m["Source"]), bool(m.get("RW")))
            for m in row.get("Mounts") or []
            if m.get("Type") == "bind" and m.get("Source")
        ),
    )


def _health(status: str) -> str | None:
    found = None
    for word, health in _HEALTH.items():
        if word in status:
            found = health
    return found


def _ports(row: dict[str, Any]) -> tuple[PublishedPort, ...]:
    """Published ports (only those bound on the host), each once."""
    seen: dict[tuple[int, str, str | None, int | None], None] = {}  # kept in row order
    for p in row.get("Ports") or []:
        if p.get("PublicPort"):
            key = (
                int(p["PrivatePort"]),
                str(p.get("Type", "tcp")),
                p.get("IP"),
                p.get("PublicPort"),
            )
            seen[key] = None
    ports = [PublishedPort(*key) for key in seen]
    return tuple(sorted(ports, key=lambda p: (p.container_port, p.protocol, p.host_ip or "")))


def network(row: dict[str, Any]) -> ObservedResource:
    labels: dict[str, str] = row.get("Labels") or {}
    return ObservedResource(row["Id"], row["Name"], labels.get(lbl.COMPOSE_NETWORK, ""), labels)


def volume(row: dict[str, Any]) -> ObservedResource:
    labels: dict[str, str] = row.get("Labels") or {}
    return ObservedResource(row["Name"], row["Name"], labels.get(lbl.COMPOSE_VOLUME, ""), labels)
