"""The one error table at the adapter's boundary: every engine call runs in ``engine_call``.

    no answer (transport error, no client)   → EngineUnreachable  (retryable)
    time-out                                  → EngineUnreachable  (retryable)
    any answer to an image pull               → ImageUnavailable   (terminal)
    5xx or time-out asking a registry         → RegistryUnreachable (terminal)
    404 for an image                          → ImageUnavailable   (terminal)
    404                                       → EngineNotFound     (terminal; HTTP 404)
    409, 501 (this container cannot)          → EngineConflict     (terminal; HTTP 409)
    other 4xx                                 → EngineRefused      (terminal; HTTP 422)
    5xx                                       → EngineFailed       (retryable)

A pull the engine answers with an error is the registry's failure relayed (dockerd says 500
when no registry answers): trying again in a few seconds changes nothing, so it fails at once.
Asking a registry about an image (the engine relays it) gets the same 500 when the registry
does not answer, and a bounded wait that runs out means the same.

The typed error keeps the engine's words after ``what`` and the docker-py error as its cause.
Anything else (a bug of ours) goes through untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

import docker.errors
import requests.exceptions

from core_monitor.engine.errors import (
    EngineConflict,
    EngineFailed,
    EngineNotFound,
    EngineRefused,
    EngineUnreachable,
    ImageUnavailable,
    RegistryUnreachable,
)
from core_monitor.errors import CoreMonitorError, TerminalError


class CallKind(Enum):
    """What a call asks, where the table reads an answer differently."""

    ENGINE = "engine"  # the engine about its own objects
    PULL = "pull"  # an image pull: the engine relays the registry's failure
    REGISTRY = "registry"  # an image's registry, through the engine (distribution inspect)


# requests' ConnectTimeout is a ConnectionError; ReadTimeout is the engine not answering
NO_ANSWER = (requests.exceptions.ConnectionError, requests.exceptions.Timeout)


def translate(
    exc: BaseException, what: str, address: str, kind: CallKind = CallKind.ENGINE
) -> CoreMonitorError | None:
    """The typed error for a docker-py failure; None for anything that is not one."""
    if kind is CallKind.REGISTRY and isinstance(exc, requests.exceptions.ReadTimeout):
        return RegistryUnreachable(f"{what}: no answer in time")
    if isinstance(exc, NO_ANSWER):
        return EngineUnreachable(unreachable(address, exc))
    if isinstance(exc, docker.errors.APIError):
        return _answered(exc, what, kind)
    if isinstance(exc, docker.errors.DockerException):
        # raised before any answer: docker-py could not ask the engine its API version, or
        # its connection settings (TLS files, the address) are unusable
        return EngineUnreachable(unreachable(address, exc))
    return None


def _answered(exc: docker.errors.APIError, what: str, kind: CallKind) -> CoreMonitorError:
    words = f"{what}: {exc.explanation or exc}"
    status = exc.status_code or 500
    if kind is CallKind.PULL:
        return ImageUnavailable(words)
    if kind is CallKind.REGISTRY and status >= 500:
        return RegistryUnreachable(words)
    if isinstance(exc, docker.errors.ImageNotFound):
        return ImageUnavailable(words)
    if status == 404:
        return EngineNotFound(words)
    if status in (409, 501):
        return EngineConflict(words)
    if 400 <= status < 500:
        return EngineRefused(words)
    return EngineFailed(words)


def unreachable(address: str, exc: BaseException) -> str:
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    return f"Docker engine unreachable at {address}: {first[:300]}"


@contextmanager
def engine_call(what: str, address: str, kind: CallKind = CallKind.ENGINE) -> Iterator[None]:
    """Runs one engine call; a docker-py failure leaves as its typed error."""
    try:
        yield
    except Exception as exc:
        mapped = translate(exc, what, address, kind)
        if mapped is None:
            raise
        raise mapped from exc


@contextmanager
def request_rendering() -> Iterator[None]:
    """docker-py building a request from our settings (no engine involved): its refusal is
    a fault of those settings."""
    try:
        yield
    except (docker.errors.DockerException, ValueError, TypeError) as exc:
        raise TerminalError(f"invalid container settings: {exc}") from exc
