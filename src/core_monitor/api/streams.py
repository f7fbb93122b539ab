"""Server-sent event responses that stay authorized for as long as they last.

A stream may stay open for COREMON_MAX_STREAM_SECONDS. The caller's credential is checked
again every few seconds while the stream produces anything, so a revoked token, a logout or
a disabled user ends it with an ``end`` event instead of leaving it open.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from core_monitor.api.security import credential

RECHECK_SECONDS = 5.0
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
REVOKED = 'event: end\ndata: {"reason": "your credential was revoked or expired"}\n\n'


def event_stream(request: Request, chunks: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        _while_authorized(request, chunks), media_type="text/event-stream", headers=SSE_HEADERS
    )


async def _while_authorized(request: Request, chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    secret, _ = credential(request)
    auth = request.app.state.runtime.auth
    checked = time.monotonic()
    try:
        async for chunk in chunks:
            if time.monotonic() - checked > RECHECK_SECONDS:
                checked = time.monotonic()
                if not secret or await run_in_threadpool(auth.authenticate, secret) is None:
                    yield REVOKED
                    return
            yield chunk
    finally:
        close = getattr(chunks, "aclose", None)
        if close is not None:
            await close()  # releases what the stream holds (an engine log connection…)
