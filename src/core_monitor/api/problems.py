"""Exceptions → RFC 9457 problem+json. The only place that knows errors' HTTP shape."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core_monitor.api.masking import MaskedJSONResponse
from core_monitor.errors import (
    CoreMonitorError,
    FieldError,
    InvalidInput,
    RetryableError,
    TerminalError,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
)
from core_monitor.log import get_logger

log = get_logger("core_monitor.api")
PROBLEM = "application/problem+json"
RETRY_AFTER_SECONDS = 2
# No free pooled connection in time, or the database refused or lost one (PostgreSQL: too
# many connections, a restart; SQLite: still locked after its busy timeout). Each passes;
# the client is told when to try again instead of getting a 500.
DATABASE_BUSY = (PoolTimeout, OperationalError)


def problem(status: int, title: str, detail: str, instance: str, **extra: Any) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return MaskedJSONResponse(body, status_code=status, media_type=PROBLEM)


def busy(instance: str, exc: Exception) -> JSONResponse:
    """503 + Retry-After for an overloaded or unreachable database."""
    log.warning("database busy", path=instance, error=type(exc).__name__)
    response = problem(
        503,
        "Service unavailable",
        "the server is busy (no database connection free in time); "
        f"retry in {RETRY_AFTER_SECONDS} s",
        instance,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseBusy:
    """Pure ASGI: the 503 for a busy database raised outside a route too (authentication
    reads the database before any route runs), as long as no answer has started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except DATABASE_BUSY as exc:
            if started:
                raise
            await busy(scope["path"], exc)(scope, receive, send)


def _request_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        path = ""
        for part in loc:
            path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
        errors.append(FieldError(path or "body", str(err.get("msg", "invalid"))))
    return errors


def install(app: FastAPI) -> None:
    @app.exception_handler(ValidationFailed)
    async def _validation(request: Request, exc: ValidationFailed) -> JSONResponse:
        errors = [e.as_dict() for e in exc.errors]
        return problem(422, exc.title, str(exc), request.url.path, errors=errors, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _request_errors(exc)
        detail = "; ".join(f"{e.path}: {e.message}" for e in errors[:5])
        return problem(
            422, "Validation failed", detail, request.url.path, errors=[e.as_dict() for e in errors]
        )

    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, exc: InvalidInput) -> JSONResponse:
        response = problem(exc.status_code, exc.title, str(exc), request.url.path)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        elif isinstance(exc, Unauthenticated):
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: Exception) -> JSONResponse:
        return busy(request.url.path, exc)

    @app.exception_handler(RetryableError)
    async def _unavailable(request: Request, exc: RetryableError) -> JSONResponse:
        return problem(503, "Service unavailable", str(exc), request.url.path)

    @app.exception_handler(TerminalError)
    async def _terminal(request: Request, exc: TerminalError) -> JSONResponse:
        return problem(502, "Engine error", str(exc), request.url.path)

    @app.exception_handler(CoreMonitorError)
    async def _other(request: Request, exc: CoreMonitorError) -> JSONResponse:
        return problem(500, "Internal error", str(exc), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail), request.url.path)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return problem(
            500,
            "Internal error",
            "an unexpected error occurred; see the server log",
            request.url.path,
        )
