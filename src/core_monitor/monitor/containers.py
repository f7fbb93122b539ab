"""One managed container's inspect summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from core_monitor.engine import labels as lbl
from core_monitor.engine.model import ObservedContainer
from core_monitor.monitor.status import ContainerStatus, container_status, parse_time


class MountOut(BaseModel):
    type: str | None
    source: str | None
    destination: str | None
    read_write: bool | None


class ContainerDetail(ContainerStatus):
    stack: str
    stack_id: str | None
    created_at: datetime | None
    finished_at: datetime | None
    oom_killed: bool
    command: list[str]
    restart_policy: str | None
    networks: dict[str, str | None]  # network → IPv4 address
    mounts: list[MountOut]
    labels: dict[str, str]  # ownership labels only


def detail(
    container: ObservedContainer,
    inspect: dict[str, Any],
    now: datetime,
    fingerprint: Callable[[str], str],
) -> ContainerDetail:
    base = container_status(container, inspect, now, fingerprint)
    config = inspect.get("Config") or {}
    host = inspect.get("HostConfig") or {}
    state = inspect.get("State") or {}
    labels = config.get("Labels") or {}
    networks = (inspect.get("NetworkSettings") or {}).get("Networks") or {}
    return ContainerDetail(
        **base.model_dump(),
        stack=labels.get(lbl.COMPOSE_PROJECT, ""),
        stack_id=labels.get(lbl.STACK_ID),
        created_at=parse_time(inspect.get("Created")),
        finished_at=parse_time(state.get("FinishedAt")),
        oom_killed=bool(state.get("OOMKilled")),
        command=[*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])],
        restart_policy=(host.get("RestartPolicy") or {}).get("Name") or None,
        networks={name: (n or {}).get("IPAddress") or None for name, n in networks.items()},
        mounts=[
            MountOut(
                type=m.get("Type"),
                source=m.get("Name") or m.get("Source"),
                destination=m.get("Destination"),
                read_write=m.get("RW"),
            )
            for m in inspect.get("Mounts") or []
        ],
        labels={
            k: base.config_hash or "" if k == lbl.COMPOSE_CONFIG_HASH else v
            for k, v in labels.items()
            if k.startswith(lbl.OWNERSHIP_PREFIXES)
        },
    )
