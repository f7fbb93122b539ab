"""What the policy asks the engine: the HostConfig docker-py will send, and the engine
host's paths (lstat, readlink) through a probe container."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import tarfile
from typing import Any

import docker.types

from core_monitor.engine import labels as lbl
from core_monitor.engine.docker.errors import request_rendering
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.errors import PathUnreadable
from core_monitor.engine.model import PathStat
from core_monitor.errors import NotFound, TerminalError

PROBE_ROOT = "/coremon-host"  # where a probe container sees the engine host's root
_GO_MODE_DIR = 1 << 31
_GO_MODE_SYMLINK = 1 << 27


def render_host_config(host: dict[str, Any], api_version: str) -> dict[str, Any]:
    """The Engine API HostConfig docker-py sends for ``host`` (create_host_config's keyword
    arguments): what the policy judges is exactly what goes out."""
    with request_rendering():
        return dict(docker.types.HostConfig(version=api_version, **host))


class HostProbe:
    """A container that is created, never started, with the engine host's root mounted read
    only: the engine's archive API then answers lstat and readlink on the host's paths, so a
    bind source's links are followed where the engine will follow them."""

    def __init__(self, gateway: DockerGateway, image: str) -> None:
        self.gw = gateway
        mount = docker.types.Mount(PROBE_ROOT, "/", type="bind", read_only=True)
        created = gateway.call(
            "cannot resolve bind sources on the host",
            lambda api: api.create_container(
                image,
                entrypoint=["/coremon-probe-is-never-started"],
                network_disabled=True,
                labels={lbl.PROBE: "bind-resolution"},
                host_config=api.create_host_config(mounts=[mount], network_mode="none"),
            ),
        )
        self.id = str(created["Id"])

    def stat(self, path: str) -> PathStat | None:
        # a HEAD of the archive: its header is the lstat, without the content (a GET of a
        # directory would send the whole tree)
        response = self.gw.call(
            f"stat {path}",
            lambda api: api.head(
                f"{api.base_url}/v{api.api_version}/containers/{self.id}/archive",
                params={"path": PROBE_ROOT + path},
            ),
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PathUnreadable(f"the engine cannot stat {path!r} ({response.status_code})")
        header = response.headers.get("X-Docker-Container-Path-Stat", "")
        mode = int(json.loads(base64.b64decode(header) or b"{}").get("mode", 0))
        return PathStat(is_dir=bool(mode & _GO_MODE_DIR), is_link=bool(mode & _GO_MODE_SYMLINK))

    def read_link(self, path: str) -> str:
        data = self.gw.call(
            f"read link {path}",
            lambda api: b"".join(api.get_archive(self.id, PROBE_ROOT + path)[0]),
        )
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            member = archive.next()
        if member is None or not member.issym():
            raise TerminalError(f"cannot read the link {path!r} on the host")
        return member.linkname

    def close(self) -> None:
        with contextlib.suppress(NotFound):
            self.gw.call(
                "remove the host probe", lambda api: api.remove_container(self.id, force=True)
            )
