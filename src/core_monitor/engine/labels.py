"""Ownership labels: Docker Compose v2's (so `docker compose -p <stack> ps` sees our stacks)
plus Core Monitor's own."""

from __future__ import annotations

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
