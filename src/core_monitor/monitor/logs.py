"""Container logs: demultiplexed frames → lines that say which stream they came from, and
follow streams that never hold the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator

from pydantic import BaseModel

from core_monitor.engine.log_stream import LogStream

MAX_TAIL = 10_000


class LogLine(BaseModel):
    stream: str  # stdout | stderr
    line: str
    time: str | None = None  # the engine's timestamp, when asked for


def _line(stream: str, raw: bytes, timestamps: bool) -> LogLine:
    text = raw.decode("utf-8", errors="replace").rstrip("\r")
    if timestamps:
        stamp, _, rest = text.partition(" ")
        return LogLine(stream=stream, line=rest, time=stamp)
    return LogLine(stream=stream, line=text)


def lines(
    frames: Iterable[tuple[bytes | None, bytes | None]], timestamps: bool
) -> Iterator[LogLine]:
    """Split (stdout, stderr) frames into lines, keeping a partial line per stream until its
    end arrives."""
    partial = {"stdout": b"", "stderr": b""}
    for out, err in frames:
        for stream, chunk in (("stdout", out), ("stderr", err)):
            if not chunk:
                continue
            data = partial[stream] + chunk
            *complete, partial[stream] = data.split(b"\n")
            for raw in complete:
                yield _line(stream, raw, timestamps)
    for stream, rest in partial.items():
        if rest:
            yield _line(stream, rest, timestamps)


class LogFollows:
    """Follow streams as server-sent events (event: stdout | stderr), bounded in time.

    Each stream's engine connection is read by a thread of its own, which hands lines to the
    event loop. However a stream ends (the client leaves, the duration limit, the container
    stops logging), the loop only ``abort()``s the engine stream — which never blocks — and
    the reader thread closes the connection and ends. ``open`` counts the reader threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0

    @property
    def open(self) -> int:
        with self._lock:
            return self._open

    def _count(self, change: int) -> None:
        with self._lock:
            self._open += change

    async def sse(
        self, stream: LogStream, timestamps: bool, max_seconds: float, keepalive: float = 15.0
    ) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[LogLine | None] = asyncio.Queue()

        def put(item: LogLine | None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is gone: the server stops
                loop.call_soon_threadsafe(queue.put_nowait, item)

        self._count(+1)
        threading.Thread(
            target=self._read, args=(stream, timestamps, put), name="coremon-logs", daemon=True
        ).start()
        try:
            yield ": following\n\n"  # the answer starts now, even from a silent container
            async for chunk in _events(queue, max_seconds, keepalive):
                yield chunk
        finally:
            stream.abort()

    def _read(
        self, stream: LogStream, timestamps: bool, put: Callable[[LogLine | None], None]
    ) -> None:
        try:
            for line in lines(stream.frames, timestamps):
                put(line)
        except Exception:  # noqa: S110 - aborted under us: the stream ends
            pass
        finally:
            stream.close()  # here, where nothing else waits on the connection
            self._count(-1)
            put(None)


async def _events(
    queue: asyncio.Queue[LogLine | None], max_seconds: float, keepalive: float
) -> AsyncIterator[str]:
    deadline = time.monotonic() + max_seconds
    number = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            yield 'event: timeout\ndata: {"reason": "stream duration limit reached"}\n\n'
            return
        try:
            item = await asyncio.wait_for(queue.get(), min(keepalive, left))
        except TimeoutError:
            yield ": keep-alive\n\n"
            continue
        if item is None:
            yield 'event: end\ndata: {"reason": "the container stopped logging"}\n\n'
            return
        number += 1
        yield f"id: {number}\nevent: {item.stream}\ndata: {item.model_dump_json()}\n\n"
