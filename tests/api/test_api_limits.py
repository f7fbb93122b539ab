"""What one stack may ask for is bounded, and bad input is a 422 that writes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core_monitor.api.app import create_app
from core_monitor.runtime import Runtime
from tests.support.helpers import login, make_settings


def spread(services: int, replicas: int) -> str:
    return "services:\n" + "".join(
        f"  s{i}:\n    image: busybox:1\n    deploy: {{replicas: {replicas}}}\n"
        for i in range(services)
    )


@pytest.fixture
def capped(database_url: str) -> Iterator[TestClient]:
    """A server that allows 10 containers per stack."""
    runtime = Runtime.build(make_settings(database_url, max_containers_per_stack=10))
    with TestClient(create_app(runtime, run_worker=False)) as test_client:
        login(test_client)
        yield test_client


def test_a_stack_over_the_default_cap_is_refused_by_name(client: TestClient) -> None:
    response = client.post("/api/v1/stacks", json={"name": "huge", "compose": spread(100, 1000)})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["path"] == "services.s0.deploy.replicas"
    assert "100000 containers" in error["message"] and "at most 500" in error["message"]
    assert client.get("/api/v1/stacks").json()["total"] == 0


def test_the_cap_is_configurable_and_applies_to_every_version(capped: TestClient) -> None:
    created = capped.post("/api/v1/stacks", json={"name": "shop", "compose": spread(2, 5)})
    assert created.status_code == 201, created.text
    over = capped.post("/api/v1/stacks/shop/versions", json={"compose": spread(3, 4)})
    assert over.status_code == 422, over.text
    assert over.json()["errors"][0]["path"].endswith(".deploy.replicas")
    assert "at most 10" in over.json()["errors"][0]["message"]
    assert capped.get("/api/v1/stacks/shop").json()["latest_version"] == 1


def test_a_name_the_engine_would_misuse_is_422_naming_the_field(client: TestClient) -> None:
    bad = "services:\n  web:\n    image: busybox:1\n    container_name: ../../x\n"
    response = client.post("/api/v1/stacks", json={"name": "shop", "compose": bad})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["path"] for e in response.json()["errors"]] == ["services.web.container_name"]
    assert client.get("/api/v1/stacks").json()["total"] == 0
    good = "services:\n  web:\n    image: busybox:1\n"
    assert client.post("/api/v1/stacks", json={"name": "shop", "compose": good}).status_code == 201
    sneaky = good + "    networks: [n]\nnetworks:\n  n: {name: '${NET}'}\n"
    response = client.post(
        "/api/v1/stacks/shop/versions",
        json={"compose": sneaky, "variables": {"NET": "../../etc"}},
    )
    assert response.status_code == 422, response.text
    assert [e["path"] for e in response.json()["errors"]] == ["networks.n.name"]
    assert client.get("/api/v1/stacks/shop").json()["latest_version"] == 1


def test_no_free_database_connection_is_503_with_retry_after(database_url: str) -> None:
    settings = make_settings(database_url, db_pool_size=1, db_pool_timeout_seconds=0.2)
    runtime = Runtime.build(settings)
    with TestClient(create_app(runtime, run_worker=False)) as client:
        login(client)
        held = [runtime.db.engine.connect() for _ in range(3)]  # the pool and its overflow
        try:
            response = client.get("/api/v1/stacks")
        finally:
            for connection in held:
                connection.close()
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["Retry-After"]) >= 1
        assert client.get("/api/v1/stacks").status_code == 200


def test_a_nul_character_in_the_definition_or_a_variable_is_422(client: TestClient) -> None:
    nul = 'services:\n  web:\n    image: busybox:1\n    environment: {A: "x\\0y"}\n'
    response = client.post("/api/v1/stacks", json={"name": "shop", "compose": nul})
    assert response.status_code == 422, response.text
    assert [e["path"] for e in response.json()["errors"]] == ["services.web.environment.A"]
    via = "services:\n  web:\n    image: busybox:1\n    environment: {A: '${V}'}\n"
    response = client.post(
        "/api/v1/stacks", json={"name": "shop", "compose": via, "variables": {"V": "x\u0000y"}}
    )
    assert response.status_code == 422, response.text
    assert [e["path"] for e in response.json()["errors"]] == ["variables.V"]
    assert client.get("/api/v1/stacks").json()["total"] == 0
