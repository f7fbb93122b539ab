"""Typed errors. The API maps them to HTTP in one place (``api/problems.py``).

CoreMonitorError
├── InvalidInput            4xx: the caller sent something wrong
│   ├── ValidationFailed    422: a list of {path, message}
│   ├── NotFound            404
│   ├── Conflict            409 (stale parent_version, duplicate name, illegal transition)
│   │   └── NoExecutor      409: a command type this server cannot run (refused, not queued)
│   ├── PayloadTooLarge     413
│   ├── Unauthenticated     401 (no identity, or a wrong one)
│   ├── Forbidden           403 (an identity whose role is too low)
│   └── TooManyRequests     429 (login throttling)
├── ConfigurationError      bad settings: the process refuses to start
└── ExecutionError          raised by executors inside the worker
    ├── RetryableError      transient (engine busy, timeout): the attempt may be retried
    └── TerminalError       retrying cannot help (bad image, policy)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one place of the input; ``path`` is dotted (``services.web.ports[0]``)."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class CoreMonitorError(Exception):
    """Root of every error the product raises on purpose."""


class InvalidInput(CoreMonitorError):
    status_code = 400
    title = "Invalid input"


class ValidationFailed(InvalidInput):
    status_code = 422
    title = "Validation failed"

    def __init__(self, errors: list[FieldError], **extra: object) -> None:
        self.errors = errors
        self.extra = extra  # more members of the problem document (the wizard's violations)
        summary = "; ".join(f"{e.path}: {e.message}" for e in errors[:5])
        more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(summary + more)


class NotFound(InvalidInput):
    status_code = 404
    title = "Not found"


class Conflict(InvalidInput):
    status_code = 409
    title = "Conflict"


class NoExecutor(Conflict):
    """A command of a type nothing here runs: 409, since the request is well-formed but
    the server's configuration (its executors) cannot honour it. Refused when asked, so it
    never sits FAILED at the head of the queue."""

    title = "No executor for this command type"


class PayloadTooLarge(InvalidInput):
    status_code = 413
    title = "Payload too large"


class Unauthenticated(InvalidInput):
    status_code = 401
    title = "Unauthenticated"


class LoginFailed(Unauthenticated):
    title = "Login failed"


class Forbidden(InvalidInput):
    status_code = 403
    title = "Forbidden"


class TooManyRequests(InvalidInput):
    status_code = 429
    title = "Too many requests"

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class ConfigurationError(CoreMonitorError):
    """Settings that cannot work; the process stops with this one line."""


class ExecutionError(CoreMonitorError):
    """Raised inside an executor; the worker records it on the command."""


class RetryableError(ExecutionError):
    pass


class TerminalError(ExecutionError):
    pass


class CommandCancelled(ExecutionError):
    """Raised at a step boundary when the running command was asked to cancel."""


class LeaseLost(ExecutionError):
    """This worker no longer holds the queue lease; it must stop acting at once."""
