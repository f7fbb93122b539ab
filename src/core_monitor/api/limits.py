"""Request body cap: refuse big bodies before reading them all (413)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core_monitor.api.hardening import is_artifact_upload, is_upload


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(
        self, app: ASGIApp, max_bytes: int, upload_bytes: int = 0, artifact_bytes: int = 0
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = max(max_bytes, upload_bytes)  # an archive's upload and its form
        self.artifact_bytes = max(max_bytes, artifact_bytes)  # an artifact and its form

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._refuse(scope, send, limit)

    def _limit(self, path: str) -> int:
        if is_artifact_upload(path):
            return self.artifact_bytes
        return self.upload_bytes if is_upload(path) else self.max_bytes

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Payload too large",
                "status": 413,
                "detail": f"request body exceeds {limit} bytes",
                "instance": scope.get("path", ""),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
