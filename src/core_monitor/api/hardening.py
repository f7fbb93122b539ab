"""Response headers every answer carries, and JSON-only request bodies on the API."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core_monitor.api.problems import problem

# The UI is served from this same origin and loads nothing from elsewhere.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI (/docs) loads its assets from a CDN; it gets its own, looser policy.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline' https:; "
    "script-src 'self' 'unsafe-inline' https:; frame-ancestors 'none'"
)
HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
FORM_PATHS = {"/api/v1/auth/token"}  # OAuth2's password grant is form-encoded by the standard


def is_upload(path: str) -> bool:
    """A project directory's upload (multipart, and bigger than a JSON body)."""
    return path.startswith("/api/v1/stacks/") and path.endswith("/upload")


def is_artifact_upload(path: str) -> bool:
    """An artifact's upload (multipart, capped by COREMON_MAX_ARTIFACT_BYTES)."""
    return path.rstrip("/") == "/api/v1/artifacts"


BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault(
                    "content-security-policy", DOCS_CSP if path.startswith("/docs") else CSP
                )
                if path.startswith("/api/"):
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


class JsonBodiesOnly:
    """A body sent to the API must be JSON (415 otherwise): a cross-site form cannot post
    JSON without a CORS preflight, which we do not grant."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self._refusal(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, title, detail = refusal
        await problem(status, title, detail, scope.get("path", ""))(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        if _nul_in_address(scope):  # no database stores NUL in text: never its 500
            return 422, "Validation failed", "NUL characters are not allowed in a path or query"
        if self._refused(scope):
            return 415, "Unsupported media type", "send the body as application/json"
        return None

    @staticmethod
    def _refused(scope: Scope) -> bool:
        path: str = scope.get("path", "")
        if scope.get("method") not in BODY_METHODS or not path.startswith("/api/"):
            return False
        headers = Headers(scope=scope)
        has_body = headers.get("content-length", "0") not in ("", "0") or (
            "transfer-encoding" in headers
        )
        if not has_body:
            return False
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if path in FORM_PATHS:
            return media not in ("application/x-www-form-urlencoded", "multipart/form-data")
        if (is_upload(path) or is_artifact_upload(path)) and media == "multipart/form-data":
            return False  # a cookie's write still needs the CSRF header a form cannot send
        return media != "application/json" and not media.endswith("+json")


def _nul_in_address(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return "\x00" in str(scope.get("path", "")) or b"%00" in query.lower()
