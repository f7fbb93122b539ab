"""The host registry: the only place that builds Docker clients.

Today it holds one host, ``local``, addressed by ``COREMON_DOCKER_HOST``. It is keyed by a
host id so that driving several hosts adds rows here instead of rewiring the services:
convergence and monitoring receive their gateway from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NewType

from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.errors import NotFound
from core_monitor.settings import Settings

HostId = NewType("HostId", str)
LOCAL = HostId("local")
EVENTS_TIMEOUT = 10.0  # seconds; the event listener reconnects rather than hang


@dataclass(frozen=True)
class Host:
    id: HostId
    gateway: DockerGateway  # shared: reads, plans, convergence

    @property
    def address(self) -> str:
        return self.gateway.address

    def events_gateway(self) -> DockerGateway:
        """A client of its own for the engine's event stream: that long-lived connection is
        dropped and reopened by its listener, never taking the shared client with it."""
        return DockerGateway(self.address, timeout=EVENTS_TIMEOUT, tls=self.gateway.tls)


class HostRegistry:
    def __init__(self, hosts: Mapping[HostId, Host], default: HostId = LOCAL) -> None:
        if default not in hosts:
            raise ValueError(f"the default host {default!r} is not among {sorted(hosts)}")
        self._hosts = dict(hosts)
        self._default = default
        self._listeners: list[Callable[[HostId], None]] = []

    def on_change(self, callback: Callable[[HostId], None]) -> None:
        """``callback(host_id)`` after a host is added, changed, confirmed or deleted."""
        self._listeners.append(callback)

    def changed(self, host_id: HostId) -> None:
        """Tell every ``on_change`` callback (whoever changed the host's record calls it)."""
        for callback in list(self._listeners):
            callback(host_id)

    @classmethod
    def from_settings(cls, settings: Settings) -> HostRegistry:
        return cls({LOCAL: Host(LOCAL, DockerGateway(settings.docker_host))})

    @property
    def ids(self) -> list[HostId]:
        return sorted(self._hosts)

    def host(self, host_id: HostId) -> Host:
        try:
            return self._hosts[host_id]
        except KeyError:
            raise NotFound(f"no host {host_id!r}") from None

    def get(self, host_id: HostId) -> DockerGateway:
        return self.host(host_id).gateway

    def default_host(self) -> Host:
        return self._hosts[self._default]

    def default(self) -> DockerGateway:
        return self.default_host().gateway

    def close_all(self) -> None:
        for host in self._hosts.values():
            host.gateway.close()
