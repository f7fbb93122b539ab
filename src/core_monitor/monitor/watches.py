"""Every registered Docker host's watcher, kept in step with the host registry: one is made
for each host, made again when its host changes, and stopped when its host goes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from core_monitor.errors import NotFound
from core_monitor.hosts.registry import HostId
from core_monitor.monitor.watch import READ_SECONDS, EventSink, HostWatch, StateSink, WatchedHost


class Hosts(Protocol):
    """What the monitor needs of the host registry (hosts/registry.py ``HostRegistry``)."""

    @property
    def ids(self) -> list[HostId]: ...

    def host(self, host_id: HostId) -> WatchedHost: ...

    def on_change(self, callback: Callable[[HostId], None]) -> None: ...


class HostWatches:
    def __init__(
        self,
        hosts: Hosts,
        on_event: EventSink,
        on_state: StateSink,
        read_seconds: float = READ_SECONDS,
    ) -> None:
        self._hosts = hosts
        self._on_event = on_event
        self._on_state = on_state
        self._read_seconds = read_seconds
        self._lock = threading.Lock()
        self._watches: dict[HostId, tuple[WatchedHost, HostWatch]] = {}
        self._started = False
        hosts.on_change(self.sync)

    @property
    def ids(self) -> list[HostId]:
        return self._hosts.ids

    def start(self) -> None:
        with self._lock:
            self._started = True
        for host_id in self.ids:
            self.get(host_id)

    def stop(self) -> None:
        with self._lock:
            self._started = False
            gone, self._watches = list(self._watches.values()), {}
        for _, watch in gone:
            watch.stop()

    def sync(self, host_id: HostId) -> None:
        """The registry changed ``host_id``: its watcher is made again, or stopped."""
        with self._lock:
            old = self._watches.pop(host_id, None)
        if old is not None:
            old[1].stop()
        if host_id in self.ids:
            self.get(host_id)

    def get(self, host_id: HostId) -> HostWatch:
        """The host's watcher (NotFound: no such host), made for the registry's host now."""
        host = self._hosts.host(host_id)
        with self._lock:
            known = self._watches.get(host_id)
            # the same engine (a registry may hand out a new Host object per call): kept
            if known is not None and _same(known[0], host):
                return known[1]
            watch = HostWatch(host, self._read_seconds)
            self._watches[host_id] = (host, watch)
            started = self._started
        if known is not None:
            known[1].stop()
        if started:
            watch.start(self._on_event, self._on_state)
        return watch

    def all(self) -> list[HostWatch]:
        found = []
        for host_id in self.ids:
            try:
                found.append(self.get(host_id))
            except NotFound:  # removed meanwhile
                continue
        return found


def _same(a: WatchedHost, b: WatchedHost) -> bool:
    return a is b or (a.address, a.gateway.tls) == (b.address, b.gateway.tls)
