"""Server-sent event responses that stay authorized for as long as they last.

A stream may stay open for COREMON_MAX_STREAM_SECONDS. Whether it speaks or not, it looks
every ``TICK_SECONDS`` at the revocation mark (services/revocations.py, shared by all streams
and read from the database at most twice a second) and checks its credential again when the
mark changed, and every ``RECHECK_SECONDS`` anyway (for expiry). A revoked token, a logout or
a disabled user so ends it with an ``end`` event within a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Hashable

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from core_monitor.api.security import credential
from core_monitor.services.auth import AuthService

TICK_SECONDS = 0.25
RECHECK_SECONDS = 5.0
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
REVOKED = 'event: end\ndata: {"reason": "your credential was revoked or expired"}\n\n'

# streams' next-chunk tasks being cancelled: kept referenced until they have cleaned up
_CLOSING: set[asyncio.Future[str | None]] = set()


def event_stream(
    auth: AuthService, request: Request, chunks: AsyncIterator[str]
) -> StreamingResponse:
    """``auth``: the route's own (api/deps.py), to check the request's credential again."""
    return StreamingResponse(
        _while_authorized(auth, request, chunks),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )


class CredentialWatch:
    """Whether one stream's credential still holds; cheap to ask often."""

    def __init__(self, auth: AuthService, secret: str | None) -> None:
        self.auth = auth
        self.secret = secret
        self._mark: Hashable = None  # none seen yet: the first look checks the credential
        self._checked = time.monotonic()

    async def revoked(self) -> bool:
        mark = self.auth.revocations.cached()
        if mark is None:
            mark = await run_in_threadpool(self.auth.revocations.current)
        now = time.monotonic()
        if mark == self._mark and now - self._checked < RECHECK_SECONDS:
            return False
        self._mark, self._checked = mark, now
        if not self.secret:
            return True
        return await run_in_threadpool(self.auth.authenticate, self.secret) is None


async def _next(chunks: AsyncIterator[str]) -> str | None:
    try:
        return await anext(chunks)
    except StopAsyncIteration:
        return None


async def _while_authorized(
    auth: AuthService, request: Request, chunks: AsyncIterator[str]
) -> AsyncIterator[str]:
    secret, _ = credential(request)
    watch = CredentialWatch(auth, secret)
    # the next chunk is awaited in a task of its own, so a quiet stream is watched too
    pending: asyncio.Future[str | None] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(_next(chunks))
            await asyncio.wait({pending}, timeout=TICK_SECONDS)
            if await watch.revoked():
                yield REVOKED
                return
            if not pending.done():
                continue
            chunk, pending = pending.result(), None
            if chunk is None:
                return
            yield chunk
    finally:
        if pending is not None and not pending.done():
            # the stream waits inside that task: cancelling it runs the stream's own clean-up
            # (never blocking: see monitor/logs.py) there
            _CLOSING.add(pending)
            pending.add_done_callback(_CLOSING.discard)
            pending.cancel()
        else:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()  # releases what the stream holds (an engine log connection…)
