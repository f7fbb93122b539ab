"""Engine writes, kept apart from reads so planning code never sees them.

Each write runs through the gateway's one error table; what a write tolerates (a container
already gone, a network created meanwhile) is caught by its typed error.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
from collections.abc import Callable
from typing import Any, TypeVar

from core_monitor.domain.compose import InjectedFile
from core_monitor.engine.container_spec import Endpoint
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.errors import Conflict, NotFound

T = TypeVar("T")


class DockerMutations:
    """``fence`` runs before every write and raises to stop it (a worker that lost its queue
    lease must not touch the engine any more)."""

    def __init__(self, gateway: DockerGateway, fence: Callable[[], None] | None = None) -> None:
        self.gw = gateway
        self._fence = fence

    def _write(self, what: str, fn: Callable[[Any], T]) -> T:
        if self._fence is not None:
            self._fence()
        return self.gw.call(what, fn)

    def create_network(self, name: str, spec: dict[str, Any]) -> str:
        try:
            created = self._write(
                f"cannot create network {name}", lambda api: api.create_network(name, **spec)
            )
        except Conflict:  # created meanwhile: converge, don't fail
            return name
        return str(created["Id"])

    def create_volume(self, name: str, spec: dict[str, Any]) -> str:
        self._write(f"cannot create volume {name}", lambda api: api.create_volume(name, **spec))
        return name

    def create_container(self, name: str, config: dict[str, Any]) -> str:
        created = self._write(
            f"cannot create container {name}", lambda api: api.create_container(name=name, **config)
        )
        return str(created["Id"])

    def put_files(self, container: str, files: list[InjectedFile]) -> None:
        """Writes secrets and configs into a created container (the archive upload recent
        Compose uses); missing parent directories are made by the engine (0755, root)."""
        if not files:
            return
        archive = files_archive(files)
        # the message names the container only: never a file's content
        self._write(
            f"cannot write secrets and configs into {container[:12]}",
            lambda api: api.put_archive(container, "/", archive),
        )

    def connect(self, container: str, endpoint: Endpoint) -> None:
        self._write(
            f"cannot connect {container[:12]} to {endpoint.network}",
            lambda api: api.connect_container_to_network(
                container,
                endpoint.network,
                aliases=endpoint.aliases or None,
                ipv4_address=endpoint.ipv4_address,
                ipv6_address=endpoint.ipv6_address,
                links=endpoint.links or None,
            ),
        )

    def start(self, container: str) -> None:
        self._write(f"cannot start {container}", lambda api: api.start(container))

    def stop(self, container: str, timeout: int | None) -> None:
        with contextlib.suppress(NotFound):
            self._write(
                f"cannot stop {container}", lambda api: api.stop(container, timeout=timeout)
            )

    def restart(self, container: str, timeout: int | None) -> None:
        # stop + start: the engine's restart needs an explicit timeout, while a plain stop
        # honours the container's own stop_grace_period
        self.stop(container, timeout)
        self.start(container)

    def remove_container(self, container: str, *, anonymous_volumes: bool = False) -> None:
        """``anonymous_volumes``: also remove the container's anonymous volumes (`down -v`)."""
        with contextlib.suppress(NotFound):
            self._write(
                f"cannot remove {container}",
                lambda api: api.remove_container(container, force=True, v=anonymous_volumes),
            )

    def rename(self, container: str, name: str) -> None:
        """Refused when another container holds ``name`` (the engine never takes a name
        from its holder): that one may be another worker's, so fail rather than steal."""
        self._write(f"cannot name {container[:12]} {name}", lambda api: api.rename(container, name))

    def remove_network(self, name: str) -> None:
        with contextlib.suppress(NotFound):
            self._write(f"cannot remove network {name}", lambda api: api.remove_network(name))

    def remove_volume(self, name: str) -> None:
        with contextlib.suppress(NotFound):
            self._write(
                f"cannot remove volume {name}", lambda api: api.remove_volume(name, force=True)
            )


def files_archive(files: list[InjectedFile]) -> bytes:
    """A tar of the files at their paths from the root, with their owner and mode."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for item in files:
            data = item.content.encode("utf-8")
            info = tarfile.TarInfo(item.target.lstrip("/"))
            info.size, info.mode, info.uid, info.gid = len(data), item.mode, item.uid, item.gid
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
