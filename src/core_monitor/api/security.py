"""Who is calling (a middleware, before anything else runs) and what each route needs.

Every route of the API declares exactly one ``Guard`` — the permission it needs and what
that permission applies to (``global``, a ``stack``, the stack of a ``command`` or of a
``container``, or ``any`` for lists filtered by what the caller sees). ``check_guards``
refuses to build an app in which a route forgot to, and ``describe_guards`` writes each one
into the OpenAPI schema as ``x-permission`` / ``x-scope``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from core_monitor.runtime import Runtime

from core_monitor.api.problems import problem
from core_monitor.domain.actor import Actor
from core_monitor.domain.auth import AuthKind, Identity, Permission
from core_monitor.errors import Forbidden, NotFound, Unauthenticated
from core_monitor.services.auth import AuthService

SESSION_COOKIE = "coremon_session"
CSRF_COOKIE = "coremon_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
OPEN_PATHS = {"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
AUTH_PREFIX = "/api/v1/auth/"

Scope_ = Literal["global", "stack", "command", "container", "any"]


def needs_identity(path: str) -> bool:
    """The API and the metrics need an identity; health probes, docs, the UI do not."""
    if path in OPEN_PATHS or path.startswith(AUTH_PREFIX):
        return False
    return path.startswith("/api/") or path == "/metrics"


def credential(request: Request) -> tuple[str | None, bool]:
    """(secret, came from the session cookie). An Authorization header wins over a cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


class Authentication:
    """Pure ASGI (streams pass through untouched). Sets ``request.state.identity``; answers
    401 itself, and 403 to a cookie-authenticated write without the CSRF header."""

    def __init__(self, app: ASGIApp, auth: AuthService) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        secret, via_cookie = credential(request)
        identity = await run_in_threadpool(self.auth.authenticate, secret) if secret else None
        scope.setdefault("state", {})["identity"] = identity
        if needs_identity(path):
            if identity is None:
                detail = "log in, or send an 'Authorization: Bearer <token>' header"
                if secret:
                    detail = "the credential is unknown, expired, revoked, or its user disabled"
                response = problem(401, "Unauthenticated", detail, path)
                response.headers["WWW-Authenticate"] = "Bearer"
                await response(scope, receive, send)
                return
            if via_cookie and request.method not in SAFE_METHODS and not csrf_ok(request, identity):
                response = problem(403, "Forbidden", "CSRF token missing or wrong", path)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def csrf_ok(request: Request, identity: Identity) -> bool:
    from core_monitor.auth.credentials import same

    sent = request.headers.get(CSRF_HEADER, "")
    return bool(identity.csrf and sent and same(sent, identity.csrf))


# -- per-route permissions -------------------------------------------------------------------


def identity_of(request: Request) -> Identity:
    identity: Identity | None = getattr(request.state, "identity", None)
    if identity is None:
        raise Unauthenticated("log in, or send an 'Authorization: Bearer <token>' header")
    return identity


def source_of(request: Request) -> str | None:
    return request.client.host if request.client else None


class Guard:
    """The permission a route needs, on what. Raises 401, 403 or — for a stack the caller
    may not see at all — 404, so existence does not leak."""

    def __init__(self, permission: Permission, on: Scope_) -> None:
        self.permission = permission
        self.on = on

    async def __call__(self, request: Request) -> None:
        identity = identity_of(request)
        if self.on == "global":
            self._require(identity, None)
        elif self.on == "any":
            if not identity.sees_some_stack():
                raise Forbidden("your role grants access to no stack")
            if not identity.can_somewhere(self.permission):
                raise Forbidden(f"needs the {_ROLE_FOR[self.permission]} role on some stack")
        else:
            stack_id = await run_in_threadpool(self._stack_of, request)
            self._require(identity, stack_id)

    def _stack_of(self, request: Request) -> str | None:
        """The stack the route acts on; None when it has none (or does not exist, which the
        route itself will answer with 404 to those allowed to know)."""
        runtime: Runtime = request.app.state.runtime
        params = request.path_params
        if self.on == "container":
            return runtime.monitor.container_stack_id(params["container_id"])
        if self.on == "command":
            try:
                return runtime.command_reads.get(params["command_id"]).stack_id
            except NotFound:
                return None
        return runtime.stacks.stack_id_of(params["stack_id"])

    def _require(self, identity: Identity, stack_id: str | None) -> None:
        if stack_id is not None and not identity.sees(stack_id):
            raise NotFound("no such stack")
        if stack_id is None and self.on not in ("global", "any") and identity.global_role() is None:
            raise NotFound("not found")
        if not identity.can(self.permission, stack_id):
            role = identity.global_role() if stack_id is None else identity.role_on(stack_id)
            raise Forbidden(
                f"needs the {_ROLE_FOR[self.permission]} role"
                + (" on this stack" if stack_id else "")
                + f"; you have {role or 'none'}"
            )


_ROLE_FOR = {Permission.READ: "viewer", Permission.OPERATE: "operator", Permission.ADMIN: "admin"}


def allow(permission: Permission, on: Scope_ = "global") -> Any:
    """``dependencies=[allow(Permission.OPERATE, "stack")]`` on a route."""
    return Depends(Guard(permission, on))


def get_identity(request: Request) -> Identity:
    return identity_of(request)


def get_actor(request: Request) -> Actor:
    return Actor(name=identity_of(request).username, source=source_of(request))


IdentityDep = Annotated[Identity, Depends(get_identity)]
ActorDep = Annotated[Actor, Depends(get_actor)]


def guard_of(route: APIRoute) -> Guard | None:
    guards = [d.dependency for d in route.dependencies if isinstance(d.dependency, Guard)]
    return guards[0] if len(guards) == 1 else None


def declare_guards(router: APIRouter, prefix: str) -> None:
    """Before a router is included: every route that needs an identity must say what it
    needs, exactly once (else the app refuses to build), and the OpenAPI schema shows it
    as ``x-permission`` / ``x-scope`` (``open`` for the others)."""
    missing = []
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        guard = guard_of(route)
        extra = dict(route.openapi_extra or {})
        if guard is not None:
            extra["x-permission"] = guard.permission.label
            extra["x-scope"] = guard.on
        elif needs_identity(prefix + route.path):
            missing.append(f"{sorted(route.methods or ())} {prefix}{route.path}")
        else:
            extra["x-permission"] = "open"
        route.openapi_extra = extra
    if missing:
        raise RuntimeError(f"routes without exactly one Guard: {missing}")


def is_session(identity: Identity) -> bool:
    return identity.kind == AuthKind.SESSION
