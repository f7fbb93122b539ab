"""Compose secrets and configs on a real engine through a real server: an environment-
sourced secret at /run/secrets/<name> with its uid/gid/mode, a content config at its target,
both written before the container starts; the secret's value never in a definition, a plan,
a command log or the server's log; a changed secret recreates the container."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import containers, docker
from tests.support.server import ServerProcess, served

STACK_PREFIX = "csec"  # the shared `stack` fixture: <prefix>-<random>

IMAGE = "coremon-test/busybox:latest"
RUN = uuid.uuid4().hex[:8]
TOKEN = f"tok-{RUN}-value"  # deliberately not marked secret: feeding a secret makes it one
COMPOSE = f"""
services:
  app:
    image: {IMAGE}
    init: true
    command: ["sleep", "300"]
    secrets:
      - token
      - source: token
        target: owned
        uid: "1000"
        gid: "1001"
        mode: 0400
    configs:
      - source: site
        target: /etc/app/site.conf
secrets:
  token:
    environment: TOKEN
configs:
  site:
    content: "listen ${{PORT}}"
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(tmp_path_factory, "compose-secrets")


def in_container(container: str, script: str) -> str:
    return docker("exec", container, "sh", "-c", script).strip()


def test_secrets_and_configs_are_written_into_the_container(
    server: ServerProcess, stack: str
) -> None:
    admin = Api(server.url, server.headers)
    try:
        variables = {"TOKEN": {"value": TOKEN}, "PORT": {"value": "8080"}}
        admin.create_stack(stack, COMPOSE, variables=variables)
        plan = admin.http.get(f"/stacks/{stack}/plan/1").text
        applied = admin.apply(stack, 1)
        container = f"{stack}-app-1"
        assert in_container(container, "cat /run/secrets/token") == TOKEN
        assert in_container(container, "cat /run/secrets/owned") == TOKEN
        assert in_container(container, "cat /etc/app/site.conf") == "listen 8080"
        modes = in_container(
            container,
            "stat -c '%a %u %g' /run/secrets/token /run/secrets/owned /etc/app/site.conf",
        )
        assert modes.splitlines() == ["444 0 0", "400 1000 1001", "444 0 0"]
        bodies = [
            plan,
            admin.http.get(f"/stacks/{stack}").text,
            admin.http.get(f"/stacks/{stack}/versions/1").text,
            admin.http.get(f"/commands/{applied['command_id']}/logs").text,
            admin.http.get(f"/stacks/{stack}/containers").text,
        ]
        first = containers(stack)[container]["Id"]
        changed = {**variables, "TOKEN": {"value": TOKEN + "-2"}}
        admin.new_version(stack, COMPOSE, variables=changed)
        admin.apply(stack, 2)
        assert containers(stack)[container]["Id"] != first  # a new secret: recreated
        assert in_container(container, "cat /run/secrets/token") == TOKEN + "-2"
        bodies.append(admin.http.get(f"/stacks/{stack}/versions/2").text)
    finally:
        admin.close()
    bodies.append(server.log_path.read_text(errors="replace"))
    assert not [body for body in bodies if TOKEN in body]


def test_a_read_only_service_cannot_take_an_injected_secret(
    server: ServerProcess, stack: str
) -> None:
    admin = Api(server.url, server.headers)
    try:
        compose = COMPOSE.replace("    init: true\n", "    init: true\n    read_only: true\n")
        response = admin.http.post(
            "/stacks",
            json={"name": stack, "compose": compose, "variables": {"TOKEN": {"value": TOKEN}}},
        )
    finally:
        admin.close()
    assert response.status_code == 422, response.text
    assert "services.app.secrets[0]" in response.text
    assert TOKEN not in response.text


def test_a_file_the_engine_cannot_write_fails_the_apply_and_leaves_no_container(
    server: ServerProcess, stack: str
) -> None:
    compose = COMPOSE.replace("target: /etc/app/site.conf", "target: /bin/sh/site.conf")
    admin = Api(server.url, server.headers)
    try:
        admin.create_stack(stack, compose, variables={"TOKEN": {"value": TOKEN}})
        failed = admin.apply(stack, 1, expect="FAILED")
        messages = admin.log_messages(failed["command_id"])
    finally:
        admin.close()
    assert "cannot write secrets and configs" in (failed["error"] or ""), failed
    assert containers(stack) == {}  # created, never started: removed
    assert not [m for m in [failed["error"], *messages] if TOKEN in (m or "")]
