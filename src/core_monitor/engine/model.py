"""What the engine reports, as typed data: containers, networks, volumes, host paths.

Pure: no docker-py here. The adapter (``engine/docker``) builds these from the engine's
answers; the planner, drift and the monitor read only these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core_monitor.engine import labels as lbl


@dataclass(frozen=True)
class PublishedPort:
    """A container port bound on the host."""

    container_port: int
    protocol: str
    host_ip: str | None
    host_port: int | None


@dataclass(frozen=True)
class BindMount:
    """A host path a container binds."""

    source: str
    read_write: bool


@dataclass(frozen=True)
class ObservedContainer:
    id: str
    name: str
    service: str
    number: int
    state: str  # created | running | exited | paused | restarting | dead
    health: str | None  # healthy | unhealthy | starting | None
    exit_code: int | None
    image_id: str
    config_hash: str
    labels: dict[str, str] = field(default_factory=dict)
    image: str | None = None  # the reference it was created from
    names: tuple[str, ...] = ()  # every name the engine lists (the first is ``name``)
    ports: tuple[PublishedPort, ...] = ()  # bound on the host, sorted, no duplicates
    binds: tuple[BindMount, ...] = ()

    @property
    def project(self) -> str:
        return self.labels.get(lbl.COMPOSE_PROJECT, "")

    @property
    def version(self) -> int | None:
        """The stack version it was created from (None: not ours, or unreadable)."""
        found = self.labels.get(lbl.STACK_VERSION, "")
        return int(found) if found.isdigit() else None


@dataclass(frozen=True)
class ObservedResource:
    id: str
    name: str
    key: str  # the compose key (networks: default, back …)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PathStat:
    """A host path as the engine's lstat sees it."""

    is_dir: bool
    is_link: bool
