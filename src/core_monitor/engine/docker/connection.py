"""Where the engine is and how docker-py reaches it (unix socket, tcp with TLS, ssh)."""

from __future__ import annotations

import os
from typing import Any

import docker.utils

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
# docker-py keeps 10 connections by default; the executor's pool, the observer's concurrent
# lists and the monitor all talk at once
CONNECTIONS = 32


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
