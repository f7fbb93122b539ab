"""The one rule for adopted containers, pure: a container Compose created and an adoption
verified stands for our configuration while it still carries the Compose hash it had then.

A matching one is observed with our config hash (so the plan leaves it alone); one that
differs keeps Compose's hash and is recreated for ``ADOPTED_DIFFERS`` with its fields.
Once recreated (a new id) or changed by Compose again (a new hash), the record no longer
applies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from core_monitor.engine.model import ObservedContainer


@dataclass(frozen=True)
class AdoptedContainer:
    container_id: str
    compose_hash: str  # the com.docker.compose.config-hash it carried when adopted
    our_hash: str  # our config hash of its service in the adopted version
    differences: tuple[str, ...] = ()  # the fields that differ (empty: it matched)


def substitute(
    containers: Iterable[ObservedContainer], adopted: Iterable[AdoptedContainer]
) -> tuple[list[ObservedContainer], dict[str, list[str]]]:
    """(the containers, matching ones with our hash; container id → differing fields)."""
    records = {a.container_id: a for a in adopted}
    result: list[ObservedContainer] = []
    differing: dict[str, list[str]] = {}
    for container in containers:
        found = records.get(container.id)
        if found is None or container.config_hash != found.compose_hash:
            result.append(container)
        elif found.differences:
            result.append(container)
            differing[container.id] = list(found.differences)
        else:
            result.append(dataclasses.replace(container, config_hash=found.our_hash))
    return result, differing
