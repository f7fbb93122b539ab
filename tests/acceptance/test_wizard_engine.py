"""The wizard on the real engine, through a real server: nginx (reverse proxy) + a Java app
slot (Tomcat added) + PostgreSQL, applied; a request on nginx's port on 127.0.0.1 reaches
Tomcat, whose manager answers the generated credentials and whose applications get the
database's connection; then a changed answer makes v2 (diff, applied, the new port)."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from core_monitor.catalog.params import variable_name
from tests.support.api_client import Api
from tests.support.docker_probe import docker, remove_project
from tests.support.helpers import missing
from tests.support.server import ServerProcess, free_port, served

IMAGES = ("nginx:1.27", "tomcat:10.1", "postgres:16")  # the stand-ins carry these exact refs
SELECTION = [{"component": "nginx-proxy"}, {"component": "java-app"}, {"component": "postgresql"}]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    for image in IMAGES:
        found = subprocess.run(["docker", "image", "inspect", image], capture_output=True)
        if found.returncode != 0:
            missing(f"stand-in image {image} not built (no registry here)")
    yield from served(tmp_path_factory, "wizard", COREMON_QUEUE_ON_FAILURE="continue")


@pytest.fixture
def name() -> Iterator[str]:
    stack = f"wiz-{uuid.uuid4().hex[:8]}"
    yield stack
    remove_project(stack)


def _reaches_tomcat(port: int, timeout: float = 120) -> str:
    deadline, last = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            last = httpx.get(f"http://127.0.0.1:{port}/nope", timeout=5).text
            if "Apache Tomcat" in last:
                return last
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(1)
    raise AssertionError(f"nothing from Tomcat through 127.0.0.1:{port}: {last[:300]}")


def _container(stack: str, service: str) -> str:
    return f"{stack}-{service}-1"


def test_the_wizards_stack_runs_and_a_changed_answer_makes_v2(
    server: ServerProcess, name: str
) -> None:
    api = Api(server.url, server.headers)
    port, port2 = free_port(), free_port()
    answers = {"nginx-proxy": {"http_port": port}, "tomcat": {"manager_password": "m4nager-Secret"}}
    made = api.http.post(
        "/wizard/stacks", json={"name": name, "selection": SELECTION, "answers": answers}
    )
    assert made.status_code == 201, made.text
    api.apply(name, 1)
    _reaches_tomcat(port)
    tomcat = _container(name, "tomcat")
    manager = docker(
        "exec",
        tomcat,
        "curl",
        "-s",
        "-u",
        "coremon-deployer:m4nager-Secret",
        "http://localhost:8080/manager/text/list",
    )
    assert manager.startswith("OK"), manager
    env = json.loads(docker("inspect", tomcat))[0]["Config"]["Env"]
    assert "DB_HOST=postgresql" in env and "DB_NAME=app" in env
    assert (
        variable_name("postgresql", "password")
        in api.http.get(f"/stacks/{name}/versions/1").json()["variables"]
    )

    remade = api.http.post(
        f"/stacks/{name}/wizard", json={"answers": {"nginx-proxy": {"http_port": port2}}}
    )
    assert remade.status_code == 201, remade.text
    assert remade.json()["version"] == 2 and remade.json()["overwritten_edits"] == []
    api.apply(name, 2)
    _reaches_tomcat(port2)
    # the generated database password was kept: Tomcat's copy still matches PostgreSQL's
    pg_env = json.loads(docker("inspect", _container(name, "postgresql")))[0]["Config"]["Env"]
    tc_env = json.loads(docker("inspect", tomcat))[0]["Config"]["Env"]
    pg_password = next(e for e in pg_env if e.startswith("POSTGRES_PASSWORD="))
    assert pg_password.split("=", 1)[1] in [e.split("=", 1)[1] for e in tc_env]
    api.close()
