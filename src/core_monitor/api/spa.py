"""Serve the web console (the built single-page app) at ``/``.

The console is a client-side routed app, so any unknown GET outside the API's own paths
answers ``index.html`` and the browser's router takes over (deep links work). The route
matches nothing under the reserved prefixes and no method but GET/HEAD, so the API keeps its
own 404 and 405 answers exactly as without the console.
"""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URLPath
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

DIST = Path(__file__).resolve().parent.parent / "ui" / "dist"
RESERVED = ("/api", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")
# Vite names assets by content hash: they never change under one name.
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = (
    "The Core Monitor web console is not built into this installation.\n"
    "Build it with `make ui-build` (or start with `make run`, which builds it).\n"
    "The REST API is at /api/v1 and documented at /docs.\n"
)


def is_reserved(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in RESERVED)


class SpaRoute(BaseRoute):
    """A catch-all GET route for the console's files with an index.html fallback."""

    def __init__(self, dist: Path = DIST) -> None:
        self.dist = dist.resolve()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return Match.NONE, {}
        if is_reserved(scope["path"]):
            return Match.NONE, {}
        return Match.FULL, {}

    def url_path_for(self, name: str, /, **path_params: object) -> URLPath:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # respond() asks the file system: not on the event loop
        response = await run_in_threadpool(self.respond, Request(scope).url.path)
        await response(scope, receive, send)

    def respond(self, path: str) -> Response:
        index = self.dist / "index.html"
        if not index.is_file():
            return PlainTextResponse(NOT_BUILT, status_code=503)
        relative = path.lstrip("/")
        if relative:
            candidate = (self.dist / relative).resolve()
            # Never outside dist/ (../ tricks), and never a directory.
            if candidate.is_relative_to(self.dist) and candidate.is_file():
                cache = IMMUTABLE if relative.startswith("assets/") else "no-cache"
                return FileResponse(candidate, headers={"Cache-Control": cache})
            if relative.startswith("assets/"):
                # A missing script must not be answered with HTML the browser would run.
                return PlainTextResponse("not found", status_code=404)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
