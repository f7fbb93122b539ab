"""The one error table at the adapter's boundary: every engine call runs in ``engine_call``.

    no answer (transport error, no client)   → EngineUnreachable  (retryable)
    time-out                                  → EngineUnreachable  (retryable)
    any answer to an image pull               → ImageUnavailable   (terminal)
    404 for an image                          → ImageUnavailable   (terminal)
    404                                       → EngineNotFound     (terminal; HTTP 404)
    409, 501 (this container cannot)          → EngineConflict     (terminal; HTTP 409)
    other 4xx                                 → EngineRefused      (terminal; HTTP 422)
    5xx                                       → EngineFailed       (retryable)

A pull the engine answers with an error is the registry's failure relayed (dockerd says 500
when no registry answers): trying again in a few seconds changes nothing, so it fails at once.

The typed error keeps the engine's words after ``what`` and the docker-py error as its cause.
Anything else (a bug of ours) goes through untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import docker.errors
import requests.exceptions

from core_monitor.engine.errors import (
    EngineConflict,
    EngineFailed,
    EngineNotFound,
    EngineRefused,
    EngineUnreachable,
    ImageUnavailable,
)
from core_monitor.errors import CoreMonitorError, TerminalError

# requests' ConnectTimeout is a ConnectionError; ReadTimeout is the engine not answering
NO_ANSWER = (requests.exceptions.ConnectionError, requests.exceptions.Timeout)


def translate(
    exc: BaseException, what: str, address: str, *, pulling: bool = False
) -> CoreMonitorError | None:
    """The typed error for a docker-py failure; None for anything that is not one.
    ``pulling``: the call was an image pull."""
    if isinstance(exc, NO_ANSWER):
        return EngineUnreachable(unreachable(address, exc))
    if isinstance(exc, docker.errors.APIError):
        if pulling:
            return ImageUnavailable(f"{what}: {exc.explanation or exc}")
        return _answered(exc, what)
    if isinstance(exc, docker.errors.DockerException):
        # raised before any answer: docker-py could not ask the engine its API version, or
        # its connection settings (TLS files, the address) are unusable
        return EngineUnreachable(unreachable(address, exc))
    return None


def _answered(exc: docker.errors.APIError, what: str) -> CoreMonitorError:
    words = f"{what}: {exc.explanation or exc}"
    status = exc.status_code or 500
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
def engine_call(what: str, address: str, *, pulling: bool = False) -> Iterator[None]:
    """Runs one engine call; a docker-py failure leaves as its typed error."""
    try:
        yield
    except Exception as exc:
        mapped = translate(exc, what, address, pulling=pulling)
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
