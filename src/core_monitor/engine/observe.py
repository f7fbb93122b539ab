"""Observed state: a few list calls for a whole stack, never one call per container."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core_monitor.engine.gateway import DockerGateway
from core_monitor.engine.state import DesiredState, ObservedState

PreviousConfigs = Callable[[set[int]], dict[tuple[int, str], dict[str, Any]]]


def observe(
    gateway: DockerGateway, desired: DesiredState, previous: PreviousConfigs | None = None
) -> ObservedState:
    containers = gateway.containers(desired.project)
    networks = gateway.networks(desired.project)
    volumes = gateway.volumes(desired.project)
    present_networks = {n.name for n in networks}
    present_volumes = {v.name for v in volumes}
    for name, external in desired.networks.values():
        if external and gateway.network_exists(name):
            present_networks.add(name)
    for name, external in desired.volumes.values():
        if external and gateway.volume_exists(name):
            present_volumes.add(name)
    # one inspect per distinct image, not one per service (they often share one)
    images = {
        image: gateway.image_id(image) for image in {s.image for s in desired.services.values()}
    }
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
