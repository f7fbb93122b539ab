"""Follow streams: ending one never waits for its reader, and a slow client holds the reader
rather than the server's memory. A fake engine stream stands in for the socket."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

from core_monitor.monitor.logs import BUFFERED_LINES, LogFollows


class SilentStream:
    """Like a quiet container's stream: a read blocks until aborted, and closing waits for
    the read to return (the response's buffer lock)."""

    def __init__(self) -> None:
        self.aborted = threading.Event()
        self.reading = threading.Lock()
        self.closed = threading.Event()
        self.frames: Iterator[tuple[bytes | None, bytes | None]] = self._frames()

    def _frames(self) -> Iterator[tuple[bytes | None, bytes | None]]:
        with self.reading:
            self.aborted.wait(10)
        return
        yield  # a generator that never yields a frame

    def abort(self) -> None:
        self.aborted.set()

    def close(self) -> None:
        with self.reading:
            self.closed.set()


class ChattyStream:
    """A container that prints without end; counts the frames taken from it."""

    def __init__(self) -> None:
        self.taken = 0
        self.stopped = threading.Event()
        self.frames: Iterator[tuple[bytes | None, bytes | None]] = self._frames()

    def _frames(self) -> Iterator[tuple[bytes | None, bytes | None]]:
        while not self.stopped.is_set():
            self.taken += 1
            yield f"line {self.taken}\n".encode(), None

    def abort(self) -> None:
        self.stopped.set()

    def close(self) -> None:
        self.stopped.set()


async def wait_until(condition: Any, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_leaving_a_silent_follow_returns_at_once_and_the_reader_lets_go() -> None:
    async def scenario() -> float:
        follows = LogFollows()
        stream = SilentStream()
        events = follows.sse(stream, timestamps=False, max_seconds=60)  # type: ignore[arg-type]
        assert (await anext(events)).startswith(":")
        await wait_until(lambda: follows.open == 1)
        started = time.monotonic()
        await events.aclose()
        took = time.monotonic() - started
        await wait_until(lambda: follows.open == 0 and stream.closed.is_set())
        return took

    assert asyncio.run(scenario()) < 0.05


def test_the_duration_limit_ends_a_silent_follow_and_its_reader() -> None:
    async def scenario() -> list[str]:
        follows = LogFollows()
        stream = SilentStream()
        chunks = [c async for c in follows.sse(stream, False, max_seconds=0.2)]  # type: ignore[arg-type]
        await wait_until(lambda: follows.open == 0 and stream.closed.is_set())
        return chunks

    assert asyncio.run(scenario())[-1].startswith("event: timeout")


def test_a_client_that_does_not_read_holds_the_reader_not_the_memory() -> None:
    async def scenario() -> int:
        follows = LogFollows()
        stream = ChattyStream()
        events = follows.sse(stream, timestamps=False, max_seconds=60)  # type: ignore[arg-type]
        await anext(events)
        await anext(events)  # one line read; then the client reads nothing
        await asyncio.sleep(0.3)
        taken = stream.taken
        await events.aclose()
        await wait_until(lambda: follows.open == 0)
        return taken

    assert asyncio.run(scenario()) <= BUFFERED_LINES + 2
