"""A real compose project end to end on the real engine (issue 15): a version carries its
files — a config file bound by a relative path, a `./data` bind, an env_file, a file secret
and a `build` of a local base image. Apply, read each inside the container, write runtime
data, apply v2, roll back: the data survived and the config file is v1's again."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import docker, remove_project, require_docker
from tests.support.server import ServerProcess

BASE = "coremon-test/busybox:latest"
COMPOSE = """\
services:
  app:
    build: ./app
    env_file: app.env
    environment:
      GREETING: ${GREETING}
    volumes:
      - ./conf/site.conf:/etc/site.conf:ro
      - ./data:/data
    secrets: [db_password]
secrets:
  db_password:
    file: ./secrets/db_password.txt
"""
DOCKERFILE = f"FROM {BASE}\nCOPY hello.txt /hello.txt\n"


def files(conf: str) -> dict[str, str]:
    return {
        "app/Dockerfile": DOCKERFILE,
        "app/hello.txt": "built from the bundle\n",
        "app.env": '# the app\'s settings\nMODE=production\nQUOTED="a b"\n',
        "conf/site.conf": conf,
        "secrets/db_password.txt": "s3cret-from-a-file\n",
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    require_docker()
    tmp = tmp_path_factory.mktemp("bundle")
    process = ServerProcess(
        f"sqlite:///{tmp / 'coremon.db'}",
        tmp / "server.log",
        COREMON_PROJECTS_ROOT=str(tmp / "projects"),
    ).start()
    yield process
    process.stop()


@pytest.fixture
def stack() -> Iterator[str]:
    name = f"bundle-{uuid.uuid4().hex[:8]}"
    yield name
    remove_project(name)
    # the image `build` made for the stack (no `image:` given: <project>-<service>)
    docker_quiet("rmi", "-f", f"{name}-app")


def docker_quiet(*args: str) -> None:
    with contextlib.suppress(AssertionError):
        docker(*args)


def in_app(stack: str, script: str) -> str:
    return docker("exec", f"{stack}-app-1", "sh", "-c", script)


def test_a_bundle_applies_and_its_runtime_data_survives_a_rollback(api: Api, stack: str) -> None:
    variables = {"GREETING": {"value": "hello"}}
    api.create_stack(stack, COMPOSE, files=files("listen 8080; # v1\n"), variables=variables)
    api.apply(stack, 1)
    assert in_app(stack, "cat /etc/site.conf") == "listen 8080; # v1\n"
    assert in_app(stack, "cat /hello.txt") == "built from the bundle\n"
    env = in_app(stack, "env")
    assert "MODE=production" in env and "QUOTED=a b" in env and "GREETING=hello" in env
    assert in_app(stack, "cat /run/secrets/db_password") == "s3cret-from-a-file\n"
    in_app(stack, "echo kept > /data/state.txt")

    v2 = api.new_version(stack, COMPOSE, files=files("listen 9090; # v2\n"))
    api.apply(stack, v2)
    assert in_app(stack, "cat /etc/site.conf") == "listen 9090; # v2\n"
    assert in_app(stack, "cat /data/state.txt") == "kept\n"

    api.run(f"/stacks/{stack}/rollback/1")
    assert in_app(stack, "cat /etc/site.conf") == "listen 8080; # v1\n"
    assert in_app(stack, "cat /data/state.txt") == "kept\n"
    # the secret file never comes back through the API
    listed = api.http.get(f"/stacks/{stack}/versions/1/files").json()
    secret = [f for f in listed if f["path"] == "secrets/db_password.txt"]
    assert secret and secret[0]["secret"] is True
    shown = api.http.get(f"/stacks/{stack}/versions/1/files/secrets/db_password.txt")
    assert "s3cret-from-a-file" not in shown.text
    assert "s3cret-from-a-file" not in api.http.get(f"/stacks/{stack}/versions/1").text


def test_a_reapply_of_the_same_bundle_plans_nothing(api: Api, stack: str) -> None:
    api.create_stack(stack, COMPOSE, files=files("x\n"), variables={"GREETING": {"value": "h"}})
    api.apply(stack, 1)
    assert api.plan(stack, 1) == []
