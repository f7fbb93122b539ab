"""Streams stay authorized: a quiet stream ends soon after its credential is revoked, a
stream's own clean-up runs however it ends, and watching costs one credential check per
change of the revocation mark (not one per tick)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

from starlette.requests import Request

from core_monitor.api.streams import REVOKED, TICK_SECONDS, _while_authorized


class FakeAuth:
    def __init__(self) -> None:
        self.mark = 0
        self.valid = True
        self.checks = 0
        self.revocations = self  # cached() and current(), like RevocationMark

    def cached(self) -> int:
        return self.mark

    def current(self) -> int:
        return self.mark

    def authenticate(self, secret: str) -> object | None:
        self.checks += 1
        return object() if self.valid and secret == "tok" else None

    def revoke(self) -> None:
        self.valid = False
        self.mark += 1


class Quiet:
    """A stream that says nothing; remembers whether its clean-up ran."""

    def __init__(self) -> None:
        self.cleaned = False

    async def chunks(self) -> AsyncIterator[str]:
        try:
            yield "retry: 1000\n\n"
            await asyncio.Event().wait()
            yield "never"
        finally:
            self.cleaned = True


async def rest(stream: AsyncIterator[str]) -> list[str]:
    return [chunk async for chunk in stream]


def request() -> Request:
    """A request whose app holds nothing: the stream gets its services as arguments."""
    scope: dict[str, Any] = {
        "type": "http",
        "headers": [(b"authorization", b"Bearer tok")],
        "app": SimpleNamespace(state=SimpleNamespace()),
    }
    return Request(scope)


def watched(auth: FakeAuth, chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    return _while_authorized(auth, request(), chunks)  # type: ignore[arg-type]


def test_a_quiet_stream_ends_soon_after_the_revocation_and_cleans_up() -> None:
    async def scenario() -> tuple[list[str], float, bool]:
        auth, quiet = FakeAuth(), Quiet()
        stream = watched(auth, quiet.chunks())
        received = [await anext(stream)]
        await asyncio.sleep(0.5)
        auth.revoke()
        revoked = time.monotonic()
        received += await asyncio.wait_for(rest(stream), 2)
        took = time.monotonic() - revoked
        await asyncio.sleep(0.05)  # the cancelled wait cleans up on the next turn of the loop
        return received, took, quiet.cleaned

    received, took, cleaned = asyncio.run(scenario())
    assert received == ["retry: 1000\n\n", REVOKED]
    assert took <= TICK_SECONDS + 0.1
    assert cleaned


def test_a_client_leaving_runs_the_streams_clean_up() -> None:
    async def scenario() -> bool:
        quiet = Quiet()
        stream = watched(FakeAuth(), quiet.chunks())
        await anext(stream)
        waiting = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.3)
        waiting.cancel()  # what the server does when the client goes
        await asyncio.gather(waiting, return_exceptions=True)
        await stream.aclose()
        await asyncio.sleep(0.05)
        return quiet.cleaned

    assert asyncio.run(scenario())


def test_an_unchanged_mark_costs_no_credential_checks() -> None:
    async def scenario() -> int:
        auth = FakeAuth()
        stream = watched(auth, Quiet().chunks())
        await anext(stream)
        waiting = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(8 * TICK_SECONDS)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await stream.aclose()
        return auth.checks

    assert asyncio.run(scenario()) == 1  # the first look; the mark never moved after
