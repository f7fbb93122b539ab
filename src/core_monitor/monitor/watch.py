"""One Docker host watched: its engine cache, its event listener, its facts, and reads that
never wait on it longer than a bound.

A host that does not answer makes only its own reads fail ("Docker engine unreachable at
…"), at once after the first failure (until its listener reconnects or ``RETRY_SECONDS``
pass): a read of another host never waits behind it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.errors import EngineUnreachable
from core_monitor.engine.model import ObservedContainer
from core_monitor.hosts.registry import HostId
from core_monitor.log import get_logger
from core_monitor.monitor import host as host_facts
from core_monitor.monitor.cache import EngineCache
from core_monitor.monitor.events import EngineEventListener

log = get_logger("core_monitor.monitor")
T = TypeVar("T")

READ_SECONDS = 5.0
"""The longest a read waits for one host's engine (the shared client's own time-out is
long: it also pulls and builds)."""

RETRY_SECONDS = 2.0
"""After a failed read, the host's reads fail at once for this long (or until its event
stream is back): the next request need not wait the bound again."""

_DF_SECONDS = 30.0

EventSink = Callable[[HostId, dict[str, Any]], None]
StateSink = Callable[[HostId, bool, str | None], None]


class WatchedHost(Protocol):
    """What a watcher needs of a registered host (hosts/registry.py ``Host``)."""

    @property
    def id(self) -> HostId: ...

    @property
    def gateway(self) -> DockerGateway: ...

    @property
    def address(self) -> str: ...

    def events_gateway(self) -> DockerGateway: ...


class HostWatch:
    def __init__(self, host: WatchedHost, read_seconds: float = READ_SECONDS) -> None:
        self.host_id = host.id
        self.address = host.address
        self.gateway = host.gateway
        self.cache = EngineCache(host.gateway)
        self.read_seconds = read_seconds
        self._host = host
        self._listener: EngineEventListener | None = None
        self._lock = threading.Lock()
        self._failure: tuple[float, str] | None = None  # (when, why) of the last failed read
        self._df: tuple[float, dict[str, Any]] | None = None

    # -- life cycle ----------------------------------------------------------------------
    def start(self, on_event: EventSink, on_state: StateSink) -> None:
        if self._listener is not None:
            return
        self._listener = EngineEventListener(
            self._host.events_gateway(),
            lambda event: self._on_event(on_event, event),
            lambda connected, reason: self._on_state(on_state, connected, reason),
        )
        self._listener.start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()

    def _on_event(self, tell: EventSink, event: dict[str, Any]) -> None:
        self.cache.on_event(event)
        tell(self.host_id, event)

    def _on_state(self, tell: StateSink, connected: bool, reason: str | None) -> None:
        self.cache.set_live(connected)
        with self._lock:
            self._failure = None if connected else self._failure
        tell(self.host_id, connected, reason)

    @property
    def connected(self) -> bool:
        """Whether the engine's event stream is connected (the cache is live)."""
        return self._listener is not None and self._listener.connected

    @property
    def problem(self) -> str | None:
        """Why the last read failed, while that still holds (None: no known problem)."""
        with self._lock:
            failure = self._failure
        if failure is None or time.monotonic() - failure[0] > RETRY_SECONDS:
            return None
        return failure[1]

    # -- bounded reads -------------------------------------------------------------------
    def read(self, what: Callable[[], T]) -> T:
        """``what()`` (an engine read), within ``read_seconds``; EngineUnreachable otherwise."""
        known = self.problem
        if known is not None and not self.connected:
            raise EngineUnreachable(known)
        if self.cache.live:  # the engine's event stream is connected: it answers
            return what()
        try:
            return _within(what, self.read_seconds)
        except _Late:
            why = f"Docker engine unreachable at {self.address}: no answer within "
            why += f"{self.read_seconds:g} s"
        except EngineUnreachable as exc:
            why = str(exc)
        with self._lock:
            self._failure = (time.monotonic(), why)
        raise EngineUnreachable(why)

    def by_project(self) -> dict[str, list[ObservedContainer]]:
        return self.read(self.cache.by_project)

    def containers(self) -> list[ObservedContainer]:
        return self.read(self.cache.containers)

    def inspect(self, container_id: str) -> dict[str, Any] | None:
        return self.read(lambda: self.cache.inspect(container_id))

    # -- the host's facts ----------------------------------------------------------------
    def facts(self) -> host_facts.HostFacts:
        info = self.read(self.gateway.info)
        return host_facts.facts(info, self._disk_usage())

    def _disk_usage(self) -> dict[str, Any] | None:
        with self._lock:
            if self._df is not None and time.monotonic() - self._df[0] < _DF_SECONDS:
                return self._df[1]
        try:
            df = self.read(self.gateway.df)
        except Exception as exc:  # disk usage is best effort: the engine may be busy
            log.warning("docker df failed", host=self.host_id, error=str(exc)[:200])
            return None
        with self._lock:
            self._df = (time.monotonic(), df)
        return df


class _Late(Exception):
    pass


def _within(what: Callable[[], T], seconds: float) -> T:
    """``what()`` in a thread of its own, waited for ``seconds`` at most (a thread per read,
    not a pool: reads queued behind a busy pool would time out while the host answers)."""
    done = threading.Event()
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, what()))
        except BaseException as exc:  # handed to the caller, raised there
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=run, name="coremon-host-read", daemon=True).start()
    if not done.wait(seconds):
        raise _Late
    ok, value = outcome[0]
    if not ok:
        raise value
    result: T = value
    return result
