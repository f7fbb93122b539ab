"""Events: an in-memory hub (monotonic ids, bounded ring buffer, fan-out to SSE subscribers,
Last-Event-ID resume) and the Docker event listener thread that reconnects by itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.log import get_logger
from core_monitor.vault import REDACTOR

log = get_logger("core_monitor.monitor.events")


@dataclass(frozen=True)
class HubEvent:
    id: int
    kind: str  # container | command | engine
    action: str  # start, die, health_status, oom, destroy…; queued, started, finished…
    time: float
    stack: str | None = None  # stack name (None: not about one stack)
    stack_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    host: str | None = None  # the Docker host it happened on (None: not about one host)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "action": self.action,
            "time": self.time,
            "stack": self.stack,
            "stack_id": self.stack_id,
            "host": self.host,
            **self.data,
        }

    def sse(self) -> str:
        return f"id: {self.id}\nevent: {self.kind}\ndata: {json.dumps(self.as_dict())}\n\n"


class _Subscriber:
    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.wake = asyncio.Event()

    def notify(self) -> None:
        with contextlib.suppress(RuntimeError):  # loop closed: the subscriber is gone
            self.loop.call_soon_threadsafe(self.wake.set)


class EventHub:
    """Thread-safe publish; async subscribe. Ids start at the wall clock in milliseconds so
    that they keep increasing across restarts of the process (an old Last-Event-ID is then
    simply older than the buffer, and the client is told it missed events)."""

    def __init__(self, capacity: int = 2000, first_id: int | None = None) -> None:
        self._lock = threading.Lock()
        self._buffer: deque[HubEvent] = deque(maxlen=capacity)
        self._next = first_id if first_id is not None else int(time.time() * 1000)
        self._subscribers: set[_Subscriber] = set()

    @property
    def last_id(self) -> int:
        with self._lock:
            return self._next - 1

    def publish(
        self,
        kind: str,
        action: str,
        *,
        stack: str | None = None,
        stack_id: str | None = None,
        data: dict[str, Any] | None = None,
        at: float | None = None,
        host: str | None = None,
    ) -> HubEvent:
        with self._lock:
            # masked once, here: the JSON list and the event stream both encode these values
            event = HubEvent(
                self._next,
                kind,
                action,
                at or time.time(),
                stack,
                stack_id,
                REDACTOR.mask_value(data or {}),
                host,
            )
            self._next += 1
            self._buffer.append(event)
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.notify()
        return event

    def since(self, last_id: int | None) -> tuple[list[HubEvent], bool]:
        """Events after ``last_id`` and whether some were lost (older than the buffer).
        ``None``: a new client, who gets only what comes next."""
        with self._lock:
            if last_id is None:
                return [], False
            events = [e for e in self._buffer if e.id > last_id]
            oldest = self._buffer[0].id if self._buffer else self._next
            gap = last_id < oldest - 1
            return events, gap

    async def stream(
        self,
        last_id: int | None,
        max_seconds: float,
        accept: Callable[[HubEvent], bool] = lambda _e: True,
        keepalive: float = 15.0,
    ) -> AsyncIterator[str]:
        subscriber = _Subscriber()
        with self._lock:
            self._subscribers.add(subscriber)
            cursor = self._next - 1 if last_id is None else last_id
        try:
            yield "retry: 1000\n\n"
            _, gap = self.since(cursor)
            if gap:
                missed = json.dumps({"reason": "events were missed", "after": cursor})
                yield f"event: gap\ndata: {missed}\n\n"
            deadline = time.monotonic() + max_seconds
            while True:
                subscriber.wake.clear()
                events, _ = self.since(cursor)
                for event in events:
                    cursor = event.id
                    if accept(event):
                        yield event.sse()
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    await asyncio.wait_for(subscriber.wake.wait(), min(keepalive, left))
                except TimeoutError:
                    if deadline - time.monotonic() > 0:
                        yield ": keep-alive\n\n"
            yield 'event: timeout\ndata: {"reason": "stream duration limit reached; reconnect"}\n\n'
        finally:
            with self._lock:
                self._subscribers.discard(subscriber)


class EngineEventListener:
    """Reads the engine's event stream in a thread; on any failure (the engine restarts, the
    socket closes) it reports the loss, waits a little and connects again, resuming from the
    time of the last event it saw (duplicates are dropped)."""

    def __init__(
        self,
        gateway: DockerGateway,
        on_event: Callable[[dict[str, Any]], None],
        on_state: Callable[[bool, str | None], None],
        max_backoff: float = 2.0,
    ) -> None:
        self.gateway = gateway
        self.on_event = on_event
        self.on_state = on_state
        self.max_backoff = max_backoff
        self.connected = False
        self._stop = threading.Event()
        self._stream: Any = None
        self._thread: threading.Thread | None = None
        self._since: int | None = None
        self._seen: deque[tuple[Any, ...]] = deque(maxlen=512)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="coremon-events", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()
        if self._thread is not None:
            self._thread.join(timeout)
        self.gateway.close()

    def _run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                self._stream = self.gateway.events(since=self._since)
                self._set(True, None)
                backoff = 0.2
                for event in self._stream:
                    if self._stop.is_set():
                        break
                    self._handle(event)
                reason = "event stream ended"
            except Exception as exc:
                reason = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            finally:
                stream, self._stream = self._stream, None
                if stream is not None:
                    with contextlib.suppress(Exception):
                        stream.close()
            if self._stop.is_set():
                break
            self._set(False, reason)
            self.gateway.close()  # a fresh connection next time
            self._stop.wait(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    def _set(self, connected: bool, reason: str | None) -> None:
        if connected == self.connected:
            return
        self.connected = connected
        if connected:
            log.info("engine event stream connected", address=self.gateway.address)
        else:
            log.warning("engine event stream lost; reconnecting", reason=reason)
        try:
            self.on_state(connected, reason)
        except Exception:
            log.exception("event state callback failed")

    def _handle(self, event: dict[str, Any]) -> None:
        key = (
            event.get("timeNano"),
            event.get("Type"),
            event.get("Action"),
            (event.get("Actor") or {}).get("ID"),
        )
        if key in self._seen:
            return
        self._seen.append(key)
        if isinstance(event.get("time"), int):
            self._since = int(event["time"])
        try:
            self.on_event(event)
        except Exception:
            log.exception("engine event handler failed", action=event.get("Action"))
