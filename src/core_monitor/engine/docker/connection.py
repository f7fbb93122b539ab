"""Where the engine is and how docker-py reaches it (unix socket, tcp with TLS, ssh)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.utils
from docker.constants import MINIMUM_DOCKER_API_VERSION
from docker.tls import TLSConfig

from core_monitor.engine.docker.ssh import PinnedSshAdapter, SshAccess

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
# docker-py keeps 10 connections by default; the executor's pool, the observer's concurrent
# lists and the monitor all talk at once
CONNECTIONS = 32


@dataclass(frozen=True)
class TlsFiles:
    """A TLS engine's CA and this client's certificate and key, as files (docker-py and
    Python's ssl read them from files only)."""

    ca: Path
    cert: Path
    key: Path


class _PinnedCaApiClient(docker.APIClient):  # type: ignore[misc]
    """requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace a session's own CA on
    every request; an engine's client must trust that engine's CA and nothing else."""

    def merge_environment_settings(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        settings: dict[str, Any] = super().merge_environment_settings(*args, **kwargs)
        settings["verify"] = self.verify
        return settings


class _SshApiClient(docker.APIClient):  # type: ignore[misc]
    """An engine over SSH with our key and pinned host key (``PinnedSshAdapter``).

    docker-py builds its SSH adapter inside ``APIClient.__init__`` from ``~/.ssh``: it is
    asked for the shell-out kind (which opens nothing until used), with a version given so
    that no request is made, and replaced by ours before the first request."""

    def __init__(
        self, address: str, access: SshAccess, timeout: float = 60.0, **options: Any
    ) -> None:
        options.pop("max_pool_size", None)  # SSH channels are capped by the adapter
        version = options.pop("version", None)
        super().__init__(
            base_url=address,
            timeout=timeout,
            use_ssh_client=True,
            version=MINIMUM_DOCKER_API_VERSION,
            **options,
        )
        adapter = PinnedSshAdapter(address, access, timeout)
        self._custom_adapter = adapter
        self.mount("http+docker://ssh", adapter)
        if version is not None and version != "auto":
            self._version = version
            return
        try:
            self._version = self._retrieve_server_version()
        except docker.errors.DockerException:
            adapter.require_docker_cli()  # the likely reason, said plainly
            raise


def connect(
    address: str, tls: TlsFiles | None, ssh: SshAccess | None = None, **options: Any
) -> docker.DockerClient:
    """A docker-py client for an address: with ``tls``, that CA and client certificate;
    with ``ssh``, that key and pinned host key."""
    if tls is None and ssh is None:
        return docker.DockerClient(**client_arguments(address), **options)
    client = docker.DockerClient.__new__(docker.DockerClient)
    if ssh is not None:
        client.api = _SshApiClient(address, ssh, **options)
        return client
    assert tls is not None
    client.api = _PinnedCaApiClient(
        base_url=address,
        tls=TLSConfig(client_cert=(str(tls.cert), str(tls.key)), ca_cert=str(tls.ca), verify=True),
        **options,
    )
    return client


def ssh_host_key(client: docker.DockerClient) -> str | None:
    """The host key an SSH engine's server showed (``type base64``); None for others."""
    adapter = getattr(client.api, "_custom_adapter", None)
    return adapter.host_key_line() if isinstance(adapter, PinnedSshAdapter) else None


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
