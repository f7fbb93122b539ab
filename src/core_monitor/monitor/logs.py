"""Container logs: demultiplexed frames → lines that say which stream they came from."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from pydantic import BaseModel

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


async def sse(
    response: Any,
    frames: Iterable[tuple[bytes | None, bytes | None]],
    timestamps: bool,
    max_seconds: float,
    keepalive: float = 15.0,
) -> AsyncIterator[str]:
    """A follow stream as server-sent events (event: stdout | stderr), bounded in time.
    A thread reads the blocking engine stream; closing the response ends it."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[LogLine | None] = asyncio.Queue()

    def put(item: LogLine | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: the client left
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def pump() -> None:
        try:
            for line in lines(frames, timestamps):
                put(line)
        except Exception:  # noqa: S110 - the response was closed under us: the stream ends
            pass
        finally:
            put(None)

    threading.Thread(target=pump, name="coremon-logs", daemon=True).start()
    deadline = time.monotonic() + max_seconds
    number = 0
    try:
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
    finally:
        with contextlib.suppress(Exception):
            response.close()
