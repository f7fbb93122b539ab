"""Engine reads: typed answers (``engine.model``), every call through the one error table.

An engine that does not answer is ``EngineUnreachable`` ("Docker engine unreachable at …"),
never a stack trace; an engine refusal is a typed error with the engine's words.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import docker

from core_monitor.engine import labels as lbl
from core_monitor.engine.container_spec import Endpoint
from core_monitor.engine.docker import rows
from core_monitor.engine.docker.connection import (
    CONNECTIONS,
    TlsFiles,
    connect,
    engine_address,
    ssh_host_key,
)
from core_monitor.engine.docker.errors import CallKind, engine_call
from core_monitor.engine.docker.logs import open_logs
from core_monitor.engine.docker.ssh import SshAccess, cancellable
from core_monitor.engine.errors import ImageUnavailable, RegistryUnreachable
from core_monitor.engine.log_stream import LogStream
from core_monitor.engine.model import ObservedContainer, ObservedResource
from core_monitor.errors import InvalidInput, NotFound

T = TypeVar("T")

# Engine actions the monitor follows, for every type at once (the engine ANDs the type and
# event filters). With health_status among them the engine matches by prefix, which is
# what "health_status: healthy" needs; no value here is a prefix of an exec_* action.
EVENTS = [
    *("create", "start", "restart", "die", "kill", "stop", "destroy", "oom"),
    *("pause", "unpause", "rename", "update", "health_status"),
    *("connect", "disconnect", "remove"),  # networks
    *("delete", "import", "load", "pull", "tag", "untag", "prune"),  # images, and prunes
]


class DockerGateway:
    """Thin, typed wrapper over the Docker Engine API (reads; writes are ``DockerMutations``)."""

    def __init__(
        self,
        address: str | None = None,
        timeout: float = 60.0,
        tls: TlsFiles | None = None,
        ssh: SshAccess | None = None,
    ) -> None:
        self.address = engine_address(address)
        self._timeout = timeout
        self.tls = tls
        self.ssh = ssh
        self._client: docker.DockerClient | None = None
        # one client, even when threads ask for it at once (over SSH each would be a login)
        self._connecting = threading.Lock()

    # -- connection -----------------------------------------------------------------
    @property
    def client(self) -> docker.DockerClient:
        if self._client is not None:
            return self._client
        with self._connecting, engine_call("connect", self.address):
            if self._client is None:
                self._client = connect(
                    self.address,
                    self.tls,
                    self.ssh,
                    timeout=self._timeout,
                    max_pool_size=CONNECTIONS,
                )
        return self._client

    def call(self, what: str, fn: Callable[[Any], T]) -> T:
        """``fn(api)`` on the low-level client, its failures mapped by the one table."""
        with engine_call(what, self.address):
            return fn(self.client.api)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def ssh_host_key(self) -> str | None:
        """The host key an SSH engine's server showed (``type base64``), None otherwise."""
        return ssh_host_key(self.client) if self.ssh is not None else None

    def ping(self) -> dict[str, Any]:
        version: dict[str, Any] = self.call("engine version", lambda api: api.version())
        return version

    @property
    def api_version(self) -> str:
        """The Engine API version spoken with this engine (negotiated on connect)."""
        return str(self.client.api.api_version)

    # -- a stack's objects ----------------------------------------------------------
    def containers(self, project: str) -> list[ObservedContainer]:
        found = self.call(
            f"containers of {project}",
            lambda api: api.containers(all=True, filters=_project(project)),
        )
        return [rows.container(row) for row in found]

    def networks(self, project: str) -> list[ObservedResource]:
        found = self.call(
            f"networks of {project}", lambda api: api.networks(filters=_project(project))
        )
        return [rows.network(row) for row in found]

    def volumes(self, project: str) -> list[ObservedResource]:
        found = self.call(
            f"volumes of {project}", lambda api: api.volumes(filters=_project(project))
        )
        return [rows.volume(row) for row in found.get("Volumes") or []]

    def image_id(self, reference: str) -> str | None:
        try:
            image = self.call(f"image {reference}", lambda api: api.inspect_image(reference))
        except (ImageUnavailable, NotFound):
            return None
        return str(image["Id"])

    def image_label(self, reference: str, key: str) -> str | None:
        """One label of a local image (None: no such image, or no such label)."""
        try:
            image = self.call(f"image {reference}", lambda api: api.inspect_image(reference))
        except (ImageUnavailable, NotFound):
            return None
        found = ((image.get("Config") or {}).get("Labels") or {}).get(key)
        return str(found) if found is not None else None

    def inspect_image(self, reference: str) -> dict[str, Any] | None:
        """An image's inspect data (None: not here)."""
        try:
            found: dict[str, Any] = self.call(
                f"image {reference}", lambda api: api.inspect_image(reference)
            )
        except (ImageUnavailable, NotFound):
            return None
        return found

    def network_exists(self, name: str) -> bool:
        return self.inspect_resource("network", name) is not None

    def volume_exists(self, name: str) -> bool:
        return self.inspect_resource("volume", name) is not None

    def inspect_resource(self, kind: str, name: str) -> dict[str, Any] | None:
        """A volume's or network's inspect data (None: no such one)."""
        try:
            found: dict[str, Any] = self.call(
                f"{kind} {name}",
                lambda api: (api.inspect_volume if kind == "volume" else api.inspect_network)(name),
            )
        except NotFound:
            return None
        return found

    def resource_project(self, kind: str, name: str) -> tuple[bool, str | None]:
        """(exists, its Compose project label) for a volume or network of the engine."""
        found = self.inspect_resource(kind, name)
        if found is None:
            return False, None
        return True, (found.get("Labels") or {}).get(lbl.COMPOSE_PROJECT)

    def inspect_container(self, ref: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.call(
                f"container {ref}", lambda api: api.inspect_container(ref)
            )
        except NotFound:
            return None
        return found

    def networking_config(self, endpoint: Endpoint) -> dict[str, Any]:
        """The create request's networking config joining ``endpoint`` (docker-py's shape)."""
        api = self.client.api
        config: dict[str, Any] = api.create_networking_config(
            {
                endpoint.network: api.create_endpoint_config(
                    aliases=endpoint.aliases,
                    ipv4_address=endpoint.ipv4_address,
                    ipv6_address=endpoint.ipv6_address,
                    links=endpoint.links or None,
                )
            }
        )
        return config

    # -- images ---------------------------------------------------------------------
    def pull(self, reference: str, platform: str | None = None) -> str:
        repository, tag = _split_reference(reference)
        with engine_call(f"cannot pull image {reference}", self.address, CallKind.PULL):
            self.client.api.pull(repository, tag=tag, platform=platform)
        image = self.image_id(reference)
        if image is None:
            raise ImageUnavailable(f"image {reference} is still missing after a pull")
        return image

    def registry_answers(self, reference: str, timeout: float) -> bool:
        """Whether the registry of ``reference`` answers the engine within ``timeout``
        seconds (a refusal, an unknown image, is an answer)."""
        api = self.client.api
        url = api._url("/distribution/{0}/json", reference)
        try:
            with engine_call(f"registry of {reference}", self.address, CallKind.REGISTRY):
                # docker-py's inspect_distribution takes no time-out; its _get does
                api._raise_for_status(api._get(url, timeout=timeout))
        except RegistryUnreachable:
            return False
        except (ImageUnavailable, NotFound, InvalidInput):
            return True
        return True

    # -- every stack at once (the monitor) -------------------------------------------
    def list_all_containers(self) -> list[ObservedContainer]:
        """Every container carrying a Compose project label: ONE list call for all stacks."""
        found = self.call(
            "containers",
            lambda api: api.containers(all=True, filters={"label": lbl.COMPOSE_PROJECT}),
        )
        return [rows.container(row) for row in found]

    def container_stats(self, ref: str) -> dict[str, Any] | None:
        """One stats sample (the engine takes two readings, so CPU % can be computed)."""
        try:
            found: dict[str, Any] = self.call(
                f"stats of {ref}", lambda api: api.stats(ref, stream=False)
            )
        except NotFound:
            return None
        except ValueError:
            # the container stopped or went during the sample: the engine sent an empty body
            return None
        return found

    def container_logs(
        self,
        ref: str,
        *,
        tail: int,
        since: int | None,
        until: int | None = None,
        timestamps: bool,
        follow: bool,
        tty: bool,
    ) -> LogStream:
        """The open log stream; a follow stream is ended from another thread by ``abort()``."""
        params: dict[str, Any] = {
            "stdout": 1,
            "stderr": 1,
            "timestamps": int(timestamps),
            "follow": int(follow),
            "tail": str(tail),
            "since": since or 0,
        }
        if until is not None:
            params["until"] = until
        return self.call(f"logs of {ref}", lambda api: open_logs(api, ref, params, tty))

    def events(self, since: int | None = None) -> Any:
        """The engine's event stream (a CancellableStream of decoded dicts; ``close()`` it).

        Only the actions that change what the monitor shows: a health probe is three exec_*
        events, so a host of health-checked containers would otherwise send mostly those
        (fifty containers probed twice a second: 300 events a second to decode)."""
        stream = self.call(
            "events",
            lambda api: api.events(
                since=since,
                decode=True,
                filters={"type": ["container", "image", "network", "volume"], "event": EVENTS},
            ),
        )
        return cancellable(stream) if self.ssh is not None else stream

    def info(self) -> dict[str, Any]:
        found: dict[str, Any] = self.call("engine host", lambda api: api.info())
        return found

    def df(self) -> dict[str, Any]:
        found: dict[str, Any] = self.call("disk usage", lambda api: api.df())
        return found

    def list_images(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call("images", lambda api: api.images())
        return found

    def list_networks(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call(
            "networks", lambda api: api.networks(filters={"label": lbl.COMPOSE_PROJECT})
        )
        return found

    def list_volumes(self) -> list[dict[str, Any]]:
        found = self.call(
            "volumes", lambda api: api.volumes(filters={"label": lbl.COMPOSE_PROJECT})
        )
        return list(found.get("Volumes") or [])


def _project(project: str) -> dict[str, str]:
    return {"label": f"{lbl.COMPOSE_PROJECT}={project}"}


def _split_reference(reference: str) -> tuple[str, str | None]:
    if "@" in reference:
        return reference, None
    name, _, tag = reference.rpartition(":")
    if name and "/" not in tag:
        return name, tag
    return reference, "latest"
