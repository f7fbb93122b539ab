"""Relative binds end to end, through the REST API of a real server on a real engine: the
bind resolves in the stack's project directory under COREMON_PROJECTS_ROOT, is judged by the
default policy as that host path, and what the container writes there is on the host; a
path leaving the project directory is refused at creation, naming it."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import containers
from tests.support.server import ServerProcess, served

STACK_PREFIX = "pda"  # the shared `stack` fixture: <prefix>-<random>

IMAGE = "coremon-test/busybox:latest"
ROOT = Path(f"/srv/coremon-pdtest-{uuid.uuid4().hex[:8]}")  # /srv: a default allowed root
STACK = f"""
services:
  app:
    image: {IMAGE}
    command: [sh, -c, "echo written > /data/hello && exec sleep 3600"]
    volumes: ["./data:/data"]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(
        tmp_path_factory,
        "projectdir",
        COREMON_QUEUE_ON_FAILURE="continue",
        COREMON_PROJECTS_ROOT=str(ROOT),
    )
    shutil.rmtree(ROOT, ignore_errors=True)


def test_a_relative_bind_lives_in_the_stacks_project_directory(api: Api, stack: str) -> None:
    api.create_stack(stack, STACK)
    api.apply(stack, 1)
    app = containers(stack)[f"{stack}-app-1"]
    assert app["HostConfig"]["Binds"] == [f"{ROOT}/{stack}/data:/data:rw"]
    written = ROOT / stack / "data" / "hello"
    for _ in range(100):
        if written.exists():
            break
        time.sleep(0.05)
    assert written.read_text() == "written\n"


def test_a_path_leaving_the_project_directory_is_refused(api: Api, stack: str) -> None:
    response = api.http.post(
        "/stacks", json={"name": stack, "compose": STACK.replace("./data", "../data")}
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["path"] == "services.app.volumes[0]"
    assert "'../data'" in error["message"]
