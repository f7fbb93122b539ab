"""Desired and observed state: the planner's two inputs, plain frozen data (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core_monitor.compose import service_config_hash
from core_monitor.domain.bundle import NO_FILES, ProjectFiles
from core_monitor.domain.compose import ComposeProject
from core_monitor.domain.delivery import Pin
from core_monitor.engine import project_files
from core_monitor.engine.model import ObservedContainer, ObservedResource


@dataclass(frozen=True)
class DesiredService:
    name: str
    replicas: int
    config_hash: str
    image: str
    container_name: str | None
    depends_on: dict[str, str]  # dependency → condition
    restart_with: frozenset[str]  # dependencies whose recreation restarts this service
    restart_policy: str
    pull_policy: str
    config: dict[str, Any]  # normalized service config, for reasons ("config changed: …")
    build_digest: str | None = None  # built from the bundle (``image`` is its tag)
    optional: frozenset[str] = frozenset()  # dependencies marked required: false
    joins: frozenset[str] = frozenset()  # services whose namespaces its container joins
    # what it ran when its version last succeeded: ``image`` is then the pinned image ID
    # (or repo digest), and the pin's ``reference`` the tag (see services/pins.py)
    pin: Pin | None = None


@dataclass(frozen=True)
class DesiredState:
    project: str
    stack_id: str
    version: int
    services: dict[str, DesiredService]
    networks: dict[str, tuple[str, bool]]  # key → (engine name, external)
    volumes: dict[str, tuple[str, bool]]
    run: bool = True  # containers should be running
    # the version's bundle, written to the project directory
    files: ProjectFiles = field(default_factory=dict)
    manifest: dict[str, str] = field(default_factory=dict)  # path → sha256 of ``files``


@dataclass(frozen=True)
class ObservedState:
    containers: list[ObservedContainer]
    networks: list[ObservedResource]
    volumes: list[ObservedResource]
    present_networks: frozenset[str]  # engine names that exist (ours or external)
    present_volumes: frozenset[str]
    images: dict[str, str | None]  # reference → local image id (None: not present)
    # reference of a built image → the build digest its label records (None: no such label)
    built: dict[str, str | None] = field(default_factory=dict)
    previous_configs: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    # the bundle manifest read back from the project directory (None: none there, or not
    # read because the version has no files)
    project_files: dict[str, str] | None = None
    # adopted containers that differ from the adopted version: id → the differing fields
    adopted_differences: dict[str, list[str]] = field(default_factory=dict)


ConfigHasher = Callable[[ComposeProject, str], str]  # (project, service) → config hash


def desired_state(
    project: ComposeProject,
    stack_id: str,
    version: int,
    profiles: frozenset[str] = frozenset(),
    hash_of: ConfigHasher = service_config_hash,
    files: ProjectFiles = NO_FILES,
) -> DesiredState:
    """Services switched off by profiles are left out (and so are not orphans either).
    ``hash_of``: keyed for services that hold a secret (see services.definitions).
    ``files``: the version's bundle; a service's config hash covers the bundle files its
    relative binds mount, so a changed file recreates it (a file bind keeps the replaced
    file's old inode: only a new container sees the new content)."""
    manifest = project_files.manifest(files)
    services = {}
    for name, spec in project.services.items():
        if spec.profiles and not profiles.intersection(spec.profiles):
            continue
        services[name] = DesiredService(
            name=name,
            replicas=spec.replicas,
            config_hash=project_files.with_mounted(hash_of(project, name), spec.volumes, manifest),
            image=spec.image,
            container_name=spec.container_name,
            depends_on={dep: d.condition for dep, d in spec.depends_on.items()},
            restart_with=frozenset(dep for dep, d in spec.depends_on.items() if d.restart),
            restart_policy=spec.restart,
            pull_policy=spec.pull_policy,
            config=spec.model_dump(mode="json"),
            build_digest=spec.build.digest if spec.build else None,
            optional=frozenset(dep for dep, d in spec.depends_on.items() if not d.required),
            joins=frozenset(spec.joined_services()),
        )
    used_networks = {n for s in services for n in project.services[s].networks}
    used_volumes = {
        m.source
        for s in services
        for m in project.services[s].volumes
        if m.type == "volume" and m.source
    }
    return DesiredState(
        project=project.name,
        stack_id=stack_id,
        version=version,
        services=services,
        networks={
            k: (n.name, n.external) for k, n in project.networks.items() if k in used_networks
        },
        volumes={k: (v.name, v.external) for k, v in project.volumes.items() if k in used_volumes},
        files=files,
        manifest=manifest,
    )
