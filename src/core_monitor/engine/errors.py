"""The engine's failures as typed errors (pure: the adapter raises them, anyone may catch).

Each is an ``ExecutionError`` (the worker retries a ``RetryableError``, fails on a
``TerminalError``); those that answer an API request also say their HTTP status, so a read
the engine refuses is a 404, 409 or 422, never a 500. The table that picks one is
``engine/docker/errors.py``.
"""

from __future__ import annotations

from core_monitor.errors import Conflict, InvalidInput, NotFound, RetryableError, TerminalError


class EngineUnreachable(RetryableError):
    """No answer: the engine is down, its socket absent, or it did not answer in time."""


class EngineFailed(RetryableError):
    """The engine answered with an error of its own (a 5xx): the next attempt may pass."""


class EngineNotFound(NotFound, TerminalError):
    """The engine knows no such object (a 404)."""


class EngineConflict(Conflict, TerminalError):
    """The object's state forbids the request (a 409; or a 501: this container cannot, e.g.
    its log driver keeps no logs)."""


class EngineRefused(InvalidInput, TerminalError):
    """The engine refused a request for a reason in what was asked (its words say which)."""

    status_code = 422
    title = "Refused by the Docker engine"


class ImageUnavailable(TerminalError):
    pass


class RegistryUnreachable(TerminalError):
    """Asked through the engine, an image's registry did not answer (or not in time)."""


class PathUnreadable(TerminalError):
    """The engine could not stat a host path (a link loop makes its archive API fail)."""


class BuildFailed(TerminalError):
    """An image build the engine ran and that failed (its message: the build's last lines)."""


class HostKeyChanged(EngineUnreachable):
    """An SSH host answered with another host key than the pinned one: nothing is sent to
    it (someone may be in the middle) until an admin confirms the key ``offered``."""

    def __init__(self, message: str, offered: str) -> None:
        super().__init__(message)
        self.offered = offered  # the fingerprint the server showed
