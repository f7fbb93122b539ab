"""Stacks on two Docker engines (issue 18): one on `local`, one on a second engine added over
TLS, applied one after the other and each running on its own engine; the second engine
stopped → only its stack's command fails (unreachable, at once, the queue goes on with the
local stack's); restarted → applied again; its engine replaced → refused until an admin
confirms; a stack moved from local to the second engine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import containers, remove_project
from tests.support.second_engine import SecondEngine, start_second_engine
from tests.support.server import ServerProcess, served

pytestmark = [pytest.mark.docker, pytest.mark.slow]

IMAGE = "coremon-test/busybox:latest"
COMPOSE = f'services:\n  app:\n    image: {IMAGE}\n    command: ["sleep", "3600"]\n'


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecondEngine]:
    started = start_second_engine(Path(tmp_path_factory.mktemp("hexec-engine")))
    yield started
    started.remove()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, engine: SecondEngine
) -> Iterator[ServerProcess]:
    yield from served(tmp_path_factory, "hexec")


@pytest.fixture(scope="module")
def second(server: ServerProcess, engine: SecondEngine) -> str:
    """The second engine, registered over TLS through the API: its host id."""
    api = Api(server.url, server.headers)
    tls = {k: (engine.tls / f"{k}.pem").read_text() for k in ("ca", "cert", "key")}
    made = api.http.post("/hosts", json={"name": "hexec-second", "address": engine.url, "tls": tls})
    api.close()
    assert made.status_code == 201, made.text
    assert made.json()["state"] == "reachable", made.json()
    return str(made.json()["host_id"])


@pytest.fixture
def names() -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for name in made:
        remove_project(name)


def _name(names: list[str]) -> str:
    names.append(f"hexec-{uuid.uuid4().hex[:8]}")
    return names[-1]


def _on(engine: SecondEngine, project: str) -> list[str]:
    """The states of the project's containers on the second engine."""
    tls = docker.tls.TLSConfig(
        client_cert=(str(engine.tls / "cert.pem"), str(engine.tls / "key.pem")),
        ca_cert=str(engine.tls / "ca.pem"),
        verify=True,
    )
    client = docker.APIClient(base_url=engine.url, tls=tls, version="1.41")
    client.trust_env = False  # this engine's CA, not the environment's bundle
    try:
        label = f"com.docker.compose.project={project}"
        return [str(c["State"]) for c in client.containers(all=True, filters={"label": label})]
    finally:
        client.close()


def _running_here(project: str) -> bool:
    found = containers(project)
    return bool(found) and all(c["State"]["Running"] for c in found.values())


def test_two_stacks_on_two_engines_and_one_engine_away(
    api: Api, engine: SecondEngine, second: str, names: list[str]
) -> None:
    here, there = _name(names), _name(names)
    api.create_stack(here, COMPOSE)
    assert api.create_stack(there, COMPOSE, host="hexec-second")["host_id"] == second
    applies = [api.enqueue(f"/stacks/{s}/apply/1") for s in (here, there)]
    for command_id in applies:
        assert api.wait(command_id)["status"] == "DONE", api.log_messages(command_id)
    assert _running_here(here) and not containers(there)  # each on its own engine
    assert _on(engine, there) == ["running"]
    assert _on(engine, here) == []

    engine.stop()
    try:
        away = api.enqueue(f"/stacks/{there}/restart")
        after = api.enqueue(f"/stacks/{here}/restart")  # queued behind the failing one
        failed = api.wait(away, timeout=60)
        assert failed["status"] == "FAILED", failed
        assert f"Docker engine unreachable at {engine.url}" in failed["error"]
        assert failed["failure_cause"] == "host_unreachable" and failed["attempts"] == 1
        assert api.wait(after, timeout=60)["status"] == "DONE"  # the queue did not halt
        assert api.http.get("/queue").json()["halted"] is False
    finally:
        engine.start()
    api.apply(there, 1)  # the engine is back: applied again
    assert _on(engine, there) == ["running"]


def test_a_replaced_engine_is_refused_until_an_admin_confirms_it(
    api: Api, engine: SecondEngine, second: str, names: list[str]
) -> None:
    there = _name(names)
    api.create_stack(there, COMPOSE, host=second)
    api.apply(there, 1)
    was = api.http.get(f"/hosts/{second}").json()["engine_id"]
    engine.stop()
    (engine.directory / "etc" / "key.json").unlink()  # a new identity: "another machine"
    engine.start()
    failed = api.wait(api.enqueue(f"/stacks/{there}/apply/1"), timeout=60)
    assert failed["status"] == "FAILED" and failed["failure_cause"] == "engine_changed"
    assert failed["error"].startswith(
        f"host hexec-second: the engine at {engine.url} is not the one trusted (was {was}, now "
    )
    assert f"/api/v1/hosts/{second}/confirm" in failed["error"]
    refused = api.http.post(f"/stacks/{there}/apply/1")
    assert refused.status_code == 409 and "hexec-second" in refused.json()["detail"]
    now = api.http.get(f"/hosts/{second}").json()["facts"]["engine_id"]
    confirmed = api.http.post(f"/hosts/{second}/confirm", json={"engine_id": now})
    assert confirmed.status_code == 200, confirmed.text
    api.apply(there, 1)


def test_a_stack_moves_from_local_to_the_second_engine(
    api: Api, engine: SecondEngine, second: str, names: list[str]
) -> None:
    mover = _name(names)
    api.create_stack(mover, COMPOSE)
    api.apply(mover, 1)
    assert _running_here(mover)
    asked = api.http.post(f"/stacks/{mover}/move", json={"host": "hexec-second"})
    assert asked.status_code == 202, asked.text
    assert "named volumes are not migrated" in asked.json()["note"]
    moved = api.wait(asked.json()["command_id"])
    assert moved["status"] == "DONE", api.log_messages(moved["command_id"])
    assert containers(mover) == {}  # gone from local
    assert _on(engine, mover) == ["running"]
    stack = api.http.get(f"/stacks/{mover}").json()
    assert stack["host_id"] == second and stack["status"] == "RUNNING"
    again = api.wait(api.enqueue(f"/stacks/{mover}/move", {"host": "local"}))
    assert again["status"] == "DONE" and _running_here(mover) and _on(engine, mover) == []
