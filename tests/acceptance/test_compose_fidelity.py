"""Issue 15's differences with Compose, on real containers through a real server.

A bare `environment` name takes its value from the version's variables; ${COMPOSE_PROJECT_NAME}
is the stack's name; a mount target loses its trailing slash; a bare `expose` entry reaches
the engine as Compose writes it ("9000", not "9000/tcp"). And the keys that need no bundle
(platform, runtime, links, volumes_from, mac_address, tty, reservations…) run under the
default policy, a re-apply of the same version is a no-op, and a change recreates only the
service that changed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import docker, remove_project, require_docker
from tests.support.server import ServerProcess

IMAGE = "coremon-test/busybox:latest"
LOOP = "[sh, -c, \"trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done\"]"

DIFFERENCES = f"""
services:
  app:
    image: {IMAGE}
    command: {LOOP}
    environment:
      - N8N_PATH
      - ABSENT_ONE
      - STACK=${{COMPOSE_PROJECT_NAME}}
    expose: ["9000", "9100-9101"]
    volumes: ["data:/media/"]
volumes:
  data:
"""

KEYS = f"""
services:
  app:
    image: {IMAGE}
    command: {LOOP}
    platform: linux/amd64
    runtime: runc
    tty: true
    stdin_open: true
    mac_address: "{{mac}}"
    links: ["store:archive"]
    volumes_from: [store]
    attach: false
    deploy:
      mode: replicated
      resources:
        reservations:
          memory: 64m
  store:
    image: {IMAGE}
    command: {LOOP}
    volumes: ["/store"]
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    require_docker()
    tmp = tmp_path_factory.mktemp("fidelity")
    server = ServerProcess(f"sqlite:///{tmp / 'coremon.db'}", tmp / "server.log").start()
    client = Api(server.url, server.headers)
    yield client
    client.close()
    server.stop()


@pytest.fixture
def stack() -> Iterator[str]:
    name = f"fid-{uuid.uuid4().hex[:8]}"
    yield name
    ids = docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={name}").split()
    if ids:  # -v: the anonymous volume of `store` goes with its container
        docker("rm", "-fv", *ids)
    remove_project(name)


def inspect(container: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = json.loads(docker("inspect", container))
    return found[0]


def test_the_four_differences_are_gone_on_a_real_container(api: Api, stack: str) -> None:
    api.create_stack(stack, DIFFERENCES, variables={"N8N_PATH": "/n8n/"})
    api.apply(stack, 1)
    container = f"{stack}-app-1"
    env = docker("exec", container, "env").splitlines()
    assert "N8N_PATH=/n8n/" in env
    assert f"STACK={stack}" in env
    assert not [line for line in env if line.startswith("ABSENT_ONE")]  # unset, like Compose
    seen = inspect(container)
    assert [m["Destination"] for m in seen["Mounts"]] == ["/media"]
    assert seen["Config"]["ExposedPorts"] == {"9000": {}, "9100-9101": {}}


def test_new_keys_run_reapply_is_a_no_op_and_a_change_recreates(api: Api, stack: str) -> None:
    api.create_stack(stack, KEYS.replace("{mac}", "02:42:ac:11:00:99"))
    api.apply(stack, 1)
    app = inspect(f"{stack}-app-1")
    store = inspect(f"{stack}-store-1")
    assert app["Config"]["Tty"] and app["Config"]["OpenStdin"]
    assert app["Config"]["MacAddress"] == "02:42:ac:11:00:99"
    assert app["HostConfig"]["Runtime"] == "runc"
    assert app["HostConfig"]["VolumesFrom"] == [store["Id"]]
    assert app["HostConfig"]["MemoryReservation"] == 64 * 1024 * 1024
    endpoint = app["NetworkSettings"]["Networks"][f"{stack}_default"]
    assert f"{stack}-store-1:archive" in endpoint["Links"]
    # the link's alias resolves (the engine's DNS on a user-defined network) to the store
    store_ip = store["NetworkSettings"]["Networks"][f"{stack}_default"]["IPAddress"]
    assert store_ip in docker("exec", f"{stack}-app-1", "nslookup", "archive")
    assert api.plan(stack, 1) == []  # same version again: nothing to do

    version = api.new_version(stack, KEYS.replace("{mac}", "02:42:ac:11:00:42"))
    steps = api.plan(stack, version)
    changed = {(s["kind"], s["service"]) for s in steps if s["cause"] == "config_changed"}
    assert changed == {("recreate_container", "app")}
    api.apply(stack, version)
    assert inspect(f"{stack}-app-1")["Config"]["MacAddress"] == "02:42:ac:11:00:42"
    assert api.plan(stack, version) == []


def test_start_interval_is_honoured_or_refused_never_dropped(api: Api, stack: str) -> None:
    """Compose refuses healthcheck.start_interval on an engine before API 1.44; so do we,
    with a message that names it (before, it was dropped silently). A newer engine gets it."""
    api_version = docker("version", "--format", "{{.Server.APIVersion}}").strip()
    major, _, minor = api_version.partition(".")
    text = (
        f"services:\n  app:\n    image: {IMAGE}\n    command: {LOOP}\n"
        "    healthcheck: {test: [CMD, 'true'], start_interval: 2s}\n"
    )
    api.create_stack(stack, text)
    if (int(major), int(minor)) >= (1, 44):
        api.apply(stack, 1)
        check = inspect(f"{stack}-app-1")["Config"]["Healthcheck"]
        assert check["StartInterval"] == 2_000_000_000
        return
    result = api.apply(stack, 1, expect="FAILED")
    assert "start_interval" in str(result["error"])
