"""Observed state: a few list calls for a whole stack, never one call per container."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from core_monitor.domain.project_dir import DEFAULT_PLACES, HostPlaces
from core_monitor.engine import labels as lbl
from core_monitor.engine.adopted import AdoptedContainer, substitute
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.docker.project_files import ProjectDirectory
from core_monitor.engine.state import DesiredState, ObservedState

PreviousConfigs = Callable[[set[int]], dict[tuple[int, str], dict[str, Any]]]
Adopted = Callable[[], list[AdoptedContainer]]  # the stack's adopted containers

# Threads kept for the process: a pool per call would start four threads on every observe.
# Its tasks are single engine calls that submit nothing, so callers can share it safely.
_LISTS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="coremon-observe")


def observe(
    gateway: DockerGateway,
    desired: DesiredState,
    previous: PreviousConfigs | None = None,
    places: HostPlaces = DEFAULT_PLACES,
    adopted: Adopted | None = None,
) -> ObservedState:
    """The project directory's manifest is read only when the version has files or binds
    from the project directory (whose earlier bundle files must then go);
    ``adopted``: read only when a container carries no version of ours (Compose's)."""
    project = desired.project
    manifest = (
        _LISTS.submit(ProjectDirectory(gateway, places.project_dir(project)).read_manifest)
        if desired.files or _binds_the_project_dir(desired)
        else None
    )
    # the engine answers list calls one by one, slowly while health checks keep it busy:
    # ask everything at once
    listed = _LISTS.submit(gateway.containers, project)
    listed_networks = _LISTS.submit(gateway.networks, project)
    listed_volumes = _LISTS.submit(gateway.volumes, project)
    references = sorted(
        {s.image for s in desired.services.values()}
        # a pinned service's tag too: the plan says where it points now
        | {s.pin.reference for s in desired.services.values() if s.pin is not None}
    )
    image_ids = list(_LISTS.map(gateway.image_id, references))
    built = sorted({s.image for s in desired.services.values() if s.build_digest})
    digests = list(_LISTS.map(lambda r: gateway.image_label(r, lbl.BUILD_DIGEST), built))
    containers = listed.result()
    networks = listed_networks.result()
    volumes = listed_volumes.result()
    present_networks = {n.name for n in networks}
    present_volumes = {v.name for v in volumes}
    for name, external in desired.networks.values():
        if external and gateway.network_exists(name):
            present_networks.add(name)
    for name, external in desired.volumes.values():
        if external and gateway.volume_exists(name):
            present_volumes.add(name)
    # one inspect per distinct image, not one per service (they often share one)
    images = dict(zip(references, image_ids, strict=True))
    versions = {c.version or 0 for c in containers}
    differing: dict[str, list[str]] = {}
    if adopted is not None and 0 in versions:
        containers, differing = substitute(containers, adopted())
    return ObservedState(
        containers=containers,
        networks=networks,
        volumes=volumes,
        present_networks=frozenset(present_networks),
        present_volumes=frozenset(present_volumes),
        images=images,
        built=dict(zip(built, digests, strict=True)),
        previous_configs=previous(versions - {0}) if previous else {},
        project_files=manifest.result() if manifest is not None else None,
        adopted_differences=differing,
    )


def _binds_the_project_dir(desired: DesiredState) -> bool:
    return any(
        m.get("type") == "bind" and str(m.get("source") or "").startswith(".")
        for service in desired.services.values()
        for m in service.config.get("volumes") or []
    )


def observe_resources(gateway: DockerGateway, desired: DesiredState) -> ObservedState:
    """After an execution: the stack's containers, networks and volumes as they now are."""
    containers = _LISTS.submit(gateway.containers, desired.project)
    networks = _LISTS.submit(gateway.networks, desired.project)
    volumes = _LISTS.submit(gateway.volumes, desired.project)
    found = (containers.result(), networks.result(), volumes.result())
    return ObservedState(
        containers=found[0],
        networks=found[1],
        volumes=found[2],
        present_networks=frozenset(n.name for n in found[1]),
        present_volumes=frozenset(v.name for v in found[2]),
        images={},
    )
