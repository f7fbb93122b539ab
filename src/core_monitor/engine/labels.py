"""Ownership labels and names: Docker Compose v2's (so `docker compose -p <stack> ps` sees
our stacks) plus Core Monitor's own. The one place that knows each key, the container name
rule and how ``depends_on`` is written into its label. Pure."""

from __future__ import annotations

from collections.abc import Mapping

COMPOSE_PROJECT = "com.docker.compose.project"
COMPOSE_SERVICE = "com.docker.compose.service"
COMPOSE_NUMBER = "com.docker.compose.container-number"
COMPOSE_CONFIG_HASH = "com.docker.compose.config-hash"
COMPOSE_ONEOFF = "com.docker.compose.oneoff"
COMPOSE_IMAGE = "com.docker.compose.image"
COMPOSE_VERSION = "com.docker.compose.version"
COMPOSE_NETWORK = "com.docker.compose.network"
COMPOSE_VOLUME = "com.docker.compose.volume"
COMPOSE_DEPENDS_ON = "com.docker.compose.depends_on"

STACK_ID = "io.coremon.stack-id"
STACK_VERSION = "io.coremon.version"
SERVICE = "io.coremon.service"
COMMAND_ID = "io.coremon.command-id"
PROBE = "io.coremon.probe"  # on the host probe container (never a stack's)
BUILD_DIGEST = "io.coremon.build.digest"  # on an image built from a version's files

# the keys a container's detail shows: ownership, never the image's own labels
OWNERSHIP_PREFIXES = ("com.docker.compose.", "io.coremon.")

COMPOSE_COMPAT_VERSION = "2.40.3"


def container_labels(
    *,
    project: str,
    service: str,
    number: int,
    config_hash: str,
    image_id: str,
    stack_id: str,
    version: int,
    command_id: str,
    depends_on: str,
) -> dict[str, str]:
    return {
        COMPOSE_PROJECT: project,
        COMPOSE_SERVICE: service,
        COMPOSE_NUMBER: str(number),
        COMPOSE_CONFIG_HASH: config_hash,
        COMPOSE_ONEOFF: "False",
        COMPOSE_IMAGE: image_id,
        COMPOSE_VERSION: COMPOSE_COMPAT_VERSION,
        COMPOSE_DEPENDS_ON: depends_on,
        STACK_ID: stack_id,
        STACK_VERSION: str(version),
        SERVICE: service,
        COMMAND_ID: command_id,
    }


def resource_labels(project: str, key: str, kind: str, stack_id: str) -> dict[str, str]:
    """Labels of a network (kind=network) or volume (kind=volume) we create."""
    compose_key = COMPOSE_NETWORK if kind == "network" else COMPOSE_VOLUME
    return {
        COMPOSE_PROJECT: project,
        compose_key: key,
        COMPOSE_VERSION: COMPOSE_COMPAT_VERSION,
        STACK_ID: stack_id,
    }


def container_name(project: str, service: str, number: int, explicit: str | None = None) -> str:
    """Compose's name for a service's container ``number``, unless it has its own
    ``container_name``."""
    return explicit or f"{project}-{service}-{number}"


def number_in_name(name: str) -> int:
    """The container number a name made by ``container_name`` ends with (0: none)."""
    last = name.rsplit("-", 1)[-1]
    return int(last) if last.isdigit() else 0


def encode_depends_on(depends_on: Mapping[str, str]) -> str:
    """Compose's depends_on label: ``service:condition:restart`` joined by commas."""
    return ",".join(f"{d}:{c}:false" for d, c in sorted(depends_on.items()))


def decode_depends_on(text: str) -> set[str]:
    """The services a depends_on label names."""
    return {entry.split(":")[0] for entry in text.split(",") if entry}
