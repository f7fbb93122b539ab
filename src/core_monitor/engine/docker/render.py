"""Our create request as the engine receives it: docker-py's rendering of the Config and
HostConfig for a ``ContainerConfig``, so adoption compares exactly what would go out."""

from __future__ import annotations

from typing import Any

import docker.types

from core_monitor.engine.adoption import RenderedRequest
from core_monitor.engine.container_spec import ContainerConfig
from core_monitor.engine.docker.errors import request_rendering


def render_request(
    config: ContainerConfig, api_version: str, image_id: str | None
) -> RenderedRequest:
    with request_rendering():
        host = dict(docker.types.HostConfig(version=api_version, **config.host))
        arguments: dict[str, Any] = {"command": None, **config.create}
        rendered = dict(docker.types.ContainerConfig(api_version, **arguments))
    return RenderedRequest(
        config=rendered,
        host=host,
        networks={e.network: list(e.aliases) for e in config.endpoints},
        image_id=image_id,
    )
