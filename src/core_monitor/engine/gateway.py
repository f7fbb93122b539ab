"""The only module that imports docker-py: typed calls and error mapping.

Engine errors become our typed errors: an engine that does not answer is
``EngineUnreachable`` ("Docker engine unreachable at …"), never a stack trace.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import docker
import docker.errors
import docker.types
import docker.utils
import requests.exceptions

from core_monitor.engine import labels as lbl
from core_monitor.engine.log_stream import LogStream
from core_monitor.errors import (
    Conflict,
    CoreMonitorError,
    InvalidInput,
    NotFound,
    RetryableError,
    TerminalError,
)

DEFAULT_SOCKET = "unix:///var/run/docker.sock"


class EngineUnreachable(RetryableError):
    pass


class ImageUnavailable(TerminalError):
    pass


class EngineRefused(InvalidInput):
    """The engine refused a request for a reason in what was asked (its words say which)."""

    status_code = 422
    title = "Refused by the Docker engine"


class EngineFailed(TerminalError):
    """The engine answered with an error of its own (a 5xx)."""


def engine_error(exc: docker.errors.APIError, what: str) -> CoreMonitorError:
    """An engine error answer as our typed error, with the engine's words: 404 → NotFound;
    409, and 501 (this container cannot: e.g. its log driver keeps no logs) → Conflict;
    other 4xx → EngineRefused (422); 5xx → EngineFailed (502)."""
    words = f"{what}: {exc.explanation or exc}"
    status = exc.status_code or 500
    if status == 404:
        return NotFound(words)
    if status in (409, 501):
        return Conflict(words)
    if 400 <= status < 500:
        return EngineRefused(words)
    return EngineFailed(words)


P = ParamSpec("P")
R = TypeVar("R")


def engine_answers(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """For read-side use cases an API request runs: an engine error answer that gets this far
    becomes a typed error (``engine_error``), so the caller sees a 4xx or 502, never a 500."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def mapped(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except docker.errors.APIError as exc:
                raise engine_error(exc, what) from None

        return mapped

    return decorate


@dataclass(frozen=True)
class ObservedContainer:
    id: str
    name: str
    service: str
    number: int
    state: str  # created | running | exited | paused | restarting | dead
    health: str | None  # healthy | unhealthy | starting | None
    exit_code: int | None
    image_id: str
    config_hash: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ObservedResource:
    id: str
    name: str
    key: str  # the compose key (networks: default, back …)
    labels: dict[str, str] = field(default_factory=dict)


def client_arguments(address: str, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """docker-py client arguments for an address: unix socket, tcp (TLS from
    DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, as the docker CLI reads them) or ssh."""
    env = dict(os.environ if environ is None else environ)
    env["DOCKER_HOST"] = address
    arguments: dict[str, Any] = docker.utils.kwargs_from_env(environment=env)
    arguments["use_ssh_client"] = address.startswith("ssh://")
    return arguments


def engine_address(configured: str | None) -> str:
    return configured or os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET


CONNECTIONS = 32

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
    """Thin, typed wrapper over the Docker Engine API."""

    def __init__(self, address: str | None = None, timeout: float = 60.0) -> None:
        self.address = engine_address(address)
        self._timeout = timeout
        self._client: docker.DockerClient | None = None

    # -- connection -----------------------------------------------------------------
    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            try:
                self._client = docker.DockerClient(
                    **client_arguments(self.address),
                    timeout=self._timeout,
                    # docker-py keeps 10 connections by default; the executor's pool, the
                    # observer's concurrent lists and the monitor all talk at once
                    max_pool_size=CONNECTIONS,
                )
            except docker.errors.DockerException as exc:
                raise EngineUnreachable(self._unreachable(exc)) from None
        return self._client

    def _unreachable(self, exc: BaseException) -> str:
        return f"Docker engine unreachable at {self.address}: {str(exc).splitlines()[0][:300]}"

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one engine call, mapping transport failures to EngineUnreachable."""
        try:
            return fn(*args, **kwargs)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise EngineUnreachable(self._unreachable(exc)) from None
        except docker.errors.DockerException as exc:
            if "Error while fetching server API version" in str(exc):
                raise EngineUnreachable(self._unreachable(exc)) from None
            raise

    def ping(self) -> dict[str, Any]:
        version: dict[str, Any] = self.call(self.client.version)
        return version

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- observation ----------------------------------------------------------------
    def containers(self, project: str) -> list[ObservedContainer]:
        rows = self.call(
            self.client.api.containers,
            all=True,
            filters={"label": f"{lbl.COMPOSE_PROJECT}={project}"},
        )
        return [_observed_container(row) for row in rows]

    def networks(self, project: str) -> list[ObservedResource]:
        rows = self.call(
            self.client.api.networks, filters={"label": f"{lbl.COMPOSE_PROJECT}={project}"}
        )
        return [
            ObservedResource(
                r["Id"],
                r["Name"],
                (r.get("Labels") or {}).get(lbl.COMPOSE_NETWORK, ""),
                r.get("Labels") or {},
            )
            for r in rows
        ]

    def volumes(self, project: str) -> list[ObservedResource]:
        found = self.call(
            self.client.api.volumes, filters={"label": f"{lbl.COMPOSE_PROJECT}={project}"}
        )
        return [
            ObservedResource(
                v["Name"],
                v["Name"],
                (v.get("Labels") or {}).get(lbl.COMPOSE_VOLUME, ""),
                v.get("Labels") or {},
            )
            for v in found.get("Volumes") or []
        ]

    def image_id(self, reference: str) -> str | None:
        try:
            image = self.call(self.client.api.inspect_image, reference)
        except docker.errors.ImageNotFound:
            return None
        return str(image["Id"])

    def network_exists(self, name: str) -> bool:
        try:
            self.call(self.client.api.inspect_network, name)
        except docker.errors.NotFound:
            return False
        return True

    def volume_exists(self, name: str) -> bool:
        try:
            self.call(self.client.api.inspect_volume, name)
        except docker.errors.NotFound:
            return False
        return True

    def inspect_container(self, ref: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.call(self.client.api.inspect_container, ref)
        except docker.errors.NotFound:
            return None
        return found

    # -- images ---------------------------------------------------------------------
    def pull(self, reference: str) -> str:
        repository, tag = _split_reference(reference)
        try:
            self.call(self.client.api.pull, repository, tag=tag)
        except docker.errors.APIError as exc:
            raise ImageUnavailable(
                f"cannot pull image {reference}: {exc.explanation or exc}"
            ) from None
        image = self.image_id(reference)
        if image is None:
            raise ImageUnavailable(f"image {reference} is still missing after a pull")
        return image

    # -- monitoring (read-only) -----------------------------------------------------
    def list_all_containers(self) -> list[dict[str, Any]]:
        """Every container carrying a Compose project label: ONE list call for all stacks."""
        rows: list[dict[str, Any]] = self.call(
            self.client.api.containers, all=True, filters={"label": lbl.COMPOSE_PROJECT}
        )
        return rows

    def observed(self, row: dict[str, Any]) -> ObservedContainer:
        """A raw list row as the planner sees it (the same parsing as ``containers``)."""
        return _observed_container(row)

    def container_stats(self, ref: str) -> dict[str, Any] | None:
        """One stats sample (the engine takes two readings, so CPU % can be computed)."""
        try:
            found: dict[str, Any] = self.call(self.client.api.stats, ref, stream=False)
        except docker.errors.NotFound:
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
        """The open log stream; a follow stream is ended from another thread by
        ``abort()``. Engine refusals raise typed errors (``engine_error``)."""
        api = self.client.api
        params = {
            "stdout": 1,
            "stderr": 1,
            "timestamps": int(timestamps),
            "follow": int(follow),
            "tail": str(tail),
            "since": since or 0,
        }
        if until is not None:
            params["until"] = until
        url = api._url("/containers/{0}/logs", ref)
        # the client's time-out while the engine answers: a wedged engine must not hold the
        # thread that asked for ever; none once the lines flow (a quiet follow is no failure)
        response = self.call(api._get, url, params=params, stream=True)
        try:
            api._raise_for_status(response)
        except docker.errors.APIError as exc:
            response.close()
            raise engine_error(exc, f"logs of {ref}") from None
        raw = api._get_raw_response_socket(response)
        api._disable_socket_timeout(raw)
        return LogStream(response, raw, tty)

    def events(self, since: int | None = None) -> Any:
        """The engine's event stream (a CancellableStream of decoded dicts; ``close()`` it).

        Only the actions that change what the monitor shows: a health probe is three exec_*
        events, so a host of health-checked containers would otherwise send mostly those
        (fifty containers probed twice a second: 300 events a second to decode)."""
        return self.call(
            self.client.api.events,
            since=since,
            decode=True,
            filters={"type": ["container", "image", "network", "volume"], "event": EVENTS},
        )

    def info(self) -> dict[str, Any]:
        found: dict[str, Any] = self.call(self.client.api.info)
        return found

    def df(self) -> dict[str, Any]:
        found: dict[str, Any] = self.call(self.client.api.df)
        return found

    def list_images(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.call(self.client.api.images)
        return rows

    def list_networks(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.call(
            self.client.api.networks, filters={"label": lbl.COMPOSE_PROJECT}
        )
        return rows

    def list_volumes(self) -> list[dict[str, Any]]:
        found = self.call(self.client.api.volumes, filters={"label": lbl.COMPOSE_PROJECT})
        return list(found.get("Volumes") or [])


def _split_reference(reference: str) -> tuple[str, str | None]:
    if "@" in reference:
        return reference, None
    name, _, tag = reference.rpartition(":")
    if name and "/" not in tag:
        return name, tag
    return reference, "latest"


def _observed_container(row: dict[str, Any]) -> ObservedContainer:
    labels = row.get("Labels") or {}
    status = row.get("Status") or ""
    health = None
    for word in ("healthy", "unhealthy", "health: starting"):
        if f"({word})" in status:
            health = "starting" if word == "health: starting" else word
    name = (row.get("Names") or ["/?"])[0].lstrip("/")
    exited = re.match(r"Exited \((-?\d+)\)", status)
    return ObservedContainer(
        id=row["Id"],
        name=name,
        service=labels.get(lbl.COMPOSE_SERVICE, ""),
        number=int(labels.get(lbl.COMPOSE_NUMBER, "0") or 0),
        state=row.get("State") or "unknown",
        health=health,
        exit_code=int(exited.group(1)) if exited else None,
        image_id=row.get("ImageID") or "",
        config_hash=labels.get(lbl.COMPOSE_CONFIG_HASH, ""),
        labels=labels,
    )


class DockerMutations:
    """Engine writes, kept apart from reads so planning code never sees them.

    ``fence`` runs before every write and raises to stop it (a worker that lost its queue
    lease must not touch the engine any more)."""

    def __init__(self, gateway: DockerGateway, fence: Callable[[], None] | None = None) -> None:
        self.gw = gateway
        self._fence = fence

    def _write(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._fence is not None:
            self._fence()
        return self.gw.call(fn, *args, **kwargs)

    @property
    def api(self) -> Any:
        return self.gw.client.api

    def create_network(self, name: str, spec: dict[str, Any]) -> str:
        try:
            created = self._write(self.api.create_network, name, **spec)
        except docker.errors.APIError as exc:
            if exc.status_code == 409:  # created meanwhile: converge, don't fail
                return name
            raise TerminalError(f"cannot create network {name}: {exc.explanation}") from None
        return str(created["Id"])

    def create_volume(self, name: str, spec: dict[str, Any]) -> str:
        try:
            self._write(self.api.create_volume, name, **spec)
        except docker.errors.APIError as exc:
            raise TerminalError(f"cannot create volume {name}: {exc.explanation}") from None
        return name

    def create_container(self, name: str, config: dict[str, Any]) -> str:
        try:
            created = self._write(self.api.create_container, name=name, **config)
        except docker.errors.ImageNotFound as exc:
            raise ImageUnavailable(f"image not found: {exc.explanation}") from None
        except docker.errors.APIError as exc:
            raise TerminalError(f"cannot create container {name}: {exc.explanation}") from None
        return str(created["Id"])

    def connect(
        self, container: str, network: str, aliases: list[str], ipv4: str | None, ipv6: str | None
    ) -> None:
        self._write(
            self.api.connect_container_to_network,
            container,
            network,
            aliases=aliases or None,
            ipv4_address=ipv4,
            ipv6_address=ipv6,
        )

    def start(self, container: str) -> None:
        try:
            self._write(self.api.start, container)
        except docker.errors.APIError as exc:
            raise TerminalError(f"cannot start {container}: {exc.explanation}") from None

    def stop(self, container: str, timeout: int | None) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self._write(self.api.stop, container, timeout=timeout)

    def restart(self, container: str, timeout: int | None) -> None:
        # stop + start: the engine's restart needs an explicit timeout, while a plain stop
        # honours the container's own stop_grace_period
        self.stop(container, timeout)
        self.start(container)

    def remove_container(self, container: str, *, anonymous_volumes: bool = False) -> None:
        """``anonymous_volumes``: also remove the container's anonymous volumes (`down -v`)."""
        with contextlib.suppress(docker.errors.NotFound):
            self._write(self.api.remove_container, container, force=True, v=anonymous_volumes)

    def rename(self, container: str, name: str) -> None:
        """Refused when another container holds ``name`` (the engine never takes a name
        from its holder): that one may be another worker's, so fail rather than steal."""
        try:
            self._write(self.api.rename, container, name)
        except docker.errors.APIError as exc:
            raise TerminalError(f"cannot name {container[:12]} {name}: {exc.explanation}") from None

    def remove_network(self, name: str) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self._write(self.api.remove_network, name)

    def remove_volume(self, name: str) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self._write(self.api.remove_volume, name, force=True)


# -- what the policy asks the engine ------------------------------------------------------
PROBE_ROOT = "/coremon-host"  # where a probe container sees the engine host's root
_GO_MODE_DIR = 1 << 31
_GO_MODE_SYMLINK = 1 << 27


class PathUnreadable(TerminalError):
    """The engine could not stat a host path (a link loop makes its archive API fail)."""


@dataclass(frozen=True)
class PathStat:
    """A host path as the engine's lstat sees it."""

    is_dir: bool
    is_link: bool


def render_host_config(host: dict[str, Any], api_version: str) -> dict[str, Any]:
    """The Engine API HostConfig docker-py sends for ``host`` (create_host_config's keyword
    arguments): what the policy judges is exactly what goes out."""
    try:
        return dict(docker.types.HostConfig(version=api_version, **host))
    except (docker.errors.DockerException, ValueError, TypeError) as exc:
        raise TerminalError(f"invalid container settings: {exc}") from None


class HostProbe:
    """A container that is created, never started, with the engine host's root mounted read
    only: the engine's archive API then answers lstat and readlink on the host's paths, so a
    bind source's links are followed where the engine will follow them."""

    def __init__(self, gateway: DockerGateway, image: str) -> None:
        self.gw = gateway
        api = gateway.client.api
        mount = docker.types.Mount(PROBE_ROOT, "/", type="bind", read_only=True)
        try:
            created = gateway.call(
                api.create_container,
                image,
                entrypoint=["/coremon-probe-is-never-started"],
                network_disabled=True,
                labels={"io.coremon.probe": "bind-resolution"},
                host_config=api.create_host_config(mounts=[mount], network_mode="none"),
            )
        except docker.errors.APIError as exc:
            reason = f"cannot resolve bind sources on the host: {exc.explanation}"
            raise TerminalError(reason) from None
        self.id = str(created["Id"])

    def stat(self, path: str) -> PathStat | None:
        api = self.gw.client.api
        url = f"{api.base_url}/v{api.api_version}/containers/{self.id}/archive"
        response = self.gw.call(api.head, url, params={"path": PROBE_ROOT + path})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PathUnreadable(f"the engine cannot stat {path!r} ({response.status_code})")
        header = response.headers.get("X-Docker-Container-Path-Stat", "")
        mode = int(json.loads(base64.b64decode(header) or b"{}").get("mode", 0))
        return PathStat(is_dir=bool(mode & _GO_MODE_DIR), is_link=bool(mode & _GO_MODE_SYMLINK))

    def read_link(self, path: str) -> str:
        stream, _ = self.gw.call(self.gw.client.api.get_archive, self.id, PROBE_ROOT + path)
        data = b"".join(stream)
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            member = archive.next()
        if member is None or not member.issym():
            raise TerminalError(f"cannot read the link {path!r} on the host")
        return member.linkname

    def close(self) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self.gw.call(self.gw.client.api.remove_container, self.id, force=True)


def resource_project(gateway: DockerGateway, kind: str, name: str) -> tuple[bool, str | None]:
    """(exists, its Compose project label) for a volume or network of the engine."""
    api = gateway.client.api
    inspect = api.inspect_volume if kind == "volume" else api.inspect_network
    try:
        found = gateway.call(inspect, name)
    except docker.errors.NotFound:
        return False, None
    return True, (found.get("Labels") or {}).get(lbl.COMPOSE_PROJECT)
