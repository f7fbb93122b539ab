"""Observed state: a few list calls for a whole stack, never one call per container."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from core_monitor.engine.gateway import DockerGateway
from core_monitor.engine.state import DesiredState, ObservedState

PreviousConfigs = Callable[[set[int]], dict[tuple[int, str], dict[str, Any]]]


def observe(
    gateway: DockerGateway, desired: DesiredState, previous: PreviousConfigs | None = None
) -> ObservedState:
    project = desired.project
    # the engine answers list calls one by one, slowly while health checks keep it busy:
    # ask everything at once
    with ThreadPoolExecutor(max_workers=4) as pool:
        listed = pool.submit(gateway.containers, project)
        listed_networks = pool.submit(gateway.networks, project)
        listed_volumes = pool.submit(gateway.volumes, project)
        references = sorted({s.image for s in desired.services.values()})
        image_ids = list(pool.map(gateway.image_id, references))
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
    versions = {int(c.labels.get("io.coremon.version", "0") or 0) for c in containers}
    return ObservedState(
        containers=containers,
        networks=networks,
        volumes=volumes,
        present_networks=frozenset(present_networks),
        present_volumes=frozenset(present_volumes),
        images=images,
        previous_configs=previous(versions - {0}) if previous else {},
    )


def observe_resources(gateway: DockerGateway, desired: DesiredState) -> ObservedState:
    """After an execution: the stack's containers, networks and volumes as they now are."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        containers = pool.submit(gateway.containers, desired.project)
        networks = pool.submit(gateway.networks, desired.project)
        volumes = pool.submit(gateway.volumes, desired.project)
        found = (containers.result(), networks.result(), volumes.result())
    return ObservedState(
        containers=found[0],
        networks=found[1],
        volumes=found[2],
        present_networks=frozenset(n.name for n in found[1]),
        present_volumes=frozenset(v.name for v in found[2]),
        images={},
    )
