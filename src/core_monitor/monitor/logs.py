"""Container logs: demultiplexed frames → lines that say which stream they came from, and
follow streams that never hold the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import anyio.to_thread
from pydantic import BaseModel

from core_monitor.engine.log_stream import LogStream

MAX_TAIL = 10_000
BUFFERED_LINES = 1_000  # per follow stream, between its reader thread and its client


@dataclass(frozen=True)
class LogWindow:
    """Which lines: the last ``tail``, between ``since`` and ``until`` (Unix seconds)."""

    tail: int = 100
    since: int | None = None
    until: int | None = None


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

    Each stream's engine connection is read by a thread of its own (``_Reader``), which hands
    lines to the event loop. However a stream ends (the client leaves, the duration limit, the
    container stops logging), the loop only stops the reader — which never blocks — and the
    reader closes the connection and ends. ``open`` counts the readers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0

    @property
    def open(self) -> int:
        with self._lock:
            return self._open

    def count(self, change: int) -> None:
        with self._lock:
            self._open += change

    async def sse(
        self, stream: LogStream, timestamps: bool, max_seconds: float, keepalive: float = 15.0
    ) -> AsyncIterator[str]:
        reader = _Reader(stream, timestamps, self.count, asyncio.get_running_loop())
        try:
            # Thread.start() waits until the new thread runs: on a busy host long enough to
            # stall every other request, were the loop the one waiting
            await anyio.to_thread.run_sync(reader.thread.start)
            yield ": following\n\n"  # the answer starts now, even from a silent container
            async for chunk in _events(reader, max_seconds, keepalive):
                yield chunk
        finally:
            reader.stop()

    async def merged_sse(
        self,
        sources: Sequence[tuple[Callable[[LogLine], LogLine], LogStream]],
        timestamps: bool,
        max_seconds: float,
        keepalive: float = 15.0,
    ) -> AsyncIterator[str]:
        """Several streams as one (a stack's containers): each line through its source's
        ``tag`` (which says where it came from), in the order they arrive. Each stream has its
        reader thread, as in ``sse``; the event loop only moves lines between queues."""
        loop = asyncio.get_running_loop()
        readers = [(tag, _Reader(stream, timestamps, self.count, loop)) for tag, stream in sources]
        merge = _Merge(len(readers))
        try:
            for _, reader in readers:
                await anyio.to_thread.run_sync(reader.thread.start)
            merge.pump(readers)
            yield ": following\n\n"
            async for chunk in _events(merge, max_seconds, keepalive, "every container"):
                yield chunk
        finally:
            merge.stop()
            for _, reader in readers:
                reader.stop()


class _Merge:
    """The lines of several readers in one bounded queue: a slow client holds every reader
    (BUFFERED_LINES here, then each reader's own room), not the server's memory."""

    def __init__(self, sources: int) -> None:
        self._left = sources
        self._queue: asyncio.Queue[LogLine | None] = asyncio.Queue(maxsize=BUFFERED_LINES)
        self._pumps: list[asyncio.Task[None]] = []

    def pump(self, readers: Sequence[tuple[Callable[[LogLine], LogLine], _Reader]]) -> None:
        self._pumps = [asyncio.ensure_future(self._pump(tag, r)) for tag, r in readers]

    async def _pump(self, tag: Callable[[LogLine], LogLine], reader: _Reader) -> None:
        while (line := await reader.get()) is not None:
            await self._queue.put(tag(line))
        await self._queue.put(None)

    async def get(self) -> LogLine | None:
        """The next line of any reader; None once every one has ended."""
        while self._left:
            item = await self._queue.get()
            if item is not None:
                return item
            self._left -= 1
        return None

    def stop(self) -> None:
        for task in self._pumps:
            task.cancel()


class _Reader:
    """The thread that reads one engine log stream and hands its lines to the event loop,
    at most BUFFERED_LINES ahead of it: a client slower than the container holds the
    reader (and the engine, through the socket), not the server's memory."""

    def __init__(
        self,
        stream: LogStream,
        timestamps: bool,
        count: Callable[[int], None],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.stream = stream
        self.timestamps = timestamps
        self.count = count
        self._loop = loop
        self._queue: asyncio.Queue[LogLine | None] = asyncio.Queue()
        self._room = threading.Semaphore(BUFFERED_LINES)
        self._lock = threading.Lock()
        self._state = "new"  # new → reading → stopped, or new → dropped (before it ran)
        self.thread = threading.Thread(target=self._run, name="coremon-logs", daemon=True)

    async def get(self) -> LogLine | None:
        """The next line; None once the stream has ended."""
        item = await self._queue.get()
        if item is not None:
            self._room.release()
        return item

    def stop(self) -> None:
        """Never blocks. A reader that reads is aborted and closes the stream itself; one
        that never ran (the stream ended while it started) will not read at all."""
        with self._lock:
            unread = self._state == "new"
            self._state = "dropped" if unread else "stopped"
        if unread:
            self.stream.close()  # nobody reads it: closing waits for nothing
        else:
            self.stream.abort()
            self._room.release()  # in case it waits for room

    def _run(self) -> None:
        with self._lock:
            if self._state == "dropped":
                return
            self._state = "reading"
        self.count(+1)
        try:
            for line in lines(self.stream.frames, self.timestamps):
                self._room.acquire()
                if self._state == "stopped":
                    break
                self._put(line)
        except Exception:  # noqa: S110 - aborted under us: the stream ends
            pass
        finally:
            self.stream.close()  # here, where nothing else waits on the connection
            self.count(-1)
            self._put(None)

    def _put(self, item: LogLine | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: the server stops
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)


class _Lines(Protocol):
    async def get(self) -> LogLine | None: ...


async def _events(
    reader: _Lines, max_seconds: float, keepalive: float, source: str = "the container"
) -> AsyncIterator[str]:
    deadline = time.monotonic() + max_seconds
    number = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            yield 'event: timeout\ndata: {"reason": "stream duration limit reached"}\n\n'
            return
        try:
            item = await asyncio.wait_for(reader.get(), min(keepalive, left))
        except TimeoutError:
            yield ": keep-alive\n\n"
            continue
        if item is None:
            yield f'event: end\ndata: {{"reason": "{source} stopped logging"}}\n\n'
            return
        number += 1
        yield f"id: {number}\nevent: {item.stream}\ndata: {item.model_dump_json()}\n\n"
