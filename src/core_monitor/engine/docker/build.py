"""Image builds through the Engine API's build endpoint (never the CLI).

The context is sent as the request's gzipped tar; the engine's answer is a stream of JSON
events, each handed on as it comes (``on_output``), so a long build shows progress and the
worker's lease is checked between events. An error event ends the build as ``BuildFailed``
with the engine's words; a refused request goes through the one error table.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from core_monitor.engine.build_context import BuildRequest
from core_monitor.engine.docker.errors import engine_call
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.errors import BuildFailed, ImageUnavailable

# a RUN may print nothing for a long time: the wait for the next event, not the whole build
BUILD_READ_TIMEOUT = 3600.0


def build_image(
    gateway: DockerGateway,
    request: BuildRequest,
    on_output: Callable[[str], None],
    between: Callable[[], None] | None = None,
) -> str:
    """Builds and tags ``request.tag``; returns the image ID. ``between``: called between
    events (raises to stop following the build, e.g. a lost lease or a cancel)."""
    with engine_call(f"cannot build image {request.tag}", gateway.address):
        events = gateway.client.api.build(**_arguments(request))
        image_id = _follow(events, on_output, between)
    found = image_id or gateway.image_id(request.tag)
    if not found:
        raise ImageUnavailable(f"image {request.tag} is missing after its build")
    return found


def _arguments(request: BuildRequest) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "fileobj": io.BytesIO(request.archive),
        "custom_context": True,
        "encoding": "gzip",
        "tag": request.tag,
        "dockerfile": request.dockerfile,
        "buildargs": request.buildargs or None,
        "target": request.target,
        "labels": request.labels or None,
        "network_mode": request.network_mode,
        "shmsize": request.shmsize,
        "nocache": request.nocache,
        "pull": request.pull,
        "rm": True,
        "forcerm": True,
        "decode": True,
        "timeout": BUILD_READ_TIMEOUT,
    }
    return {k: v for k, v in arguments.items() if v is not None}


def _follow(
    events: Any, on_output: Callable[[str], None], between: Callable[[], None] | None
) -> str | None:
    image_id: str | None = None
    for event in events:
        if between is not None:
            between()
        if not isinstance(event, dict):
            continue
        if event.get("error") or event.get("errorDetail"):
            detail = event.get("errorDetail") or {}
            raise BuildFailed(str(event.get("error") or detail.get("message") or "build failed"))
        if isinstance(event.get("stream"), str):
            on_output(event["stream"])
        elif isinstance(event.get("status"), str):  # a base image pulled (``pull: true``)
            on_output(f"{event['status']} {event.get('id') or ''}".rstrip() + "\n")
        aux = event.get("aux")
        if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
            image_id = aux["ID"]
    return image_id
