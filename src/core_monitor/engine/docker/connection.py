"""Where the engine is and how docker-py reaches it (unix socket, tcp with TLS, ssh)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.utils
from docker.tls import TLSConfig

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


def connect(address: str, tls: TlsFiles | None, **options: Any) -> docker.DockerClient:
    """A docker-py client for an address: with ``tls``, that CA and client certificate."""
    if tls is None:
        return docker.DockerClient(**client_arguments(address), **options)
    client = docker.DockerClient.__new__(docker.DockerClient)
    client.api = _PinnedCaApiClient(
        base_url=address,
        tls=TLSConfig(client_cert=(str(tls.cert), str(tls.key)), ca_cert=str(tls.ca), verify=True),
        **options,
    )
    return client


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
