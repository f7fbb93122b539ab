"""Docker hosts as data (issue 18): the configured engine is `local`; an admin adds a second
engine over TLS (its keys stored encrypted, never returned); Core Monitor reads what each
engine is, trusts the first engine seen at an address, and refuses a changed one until an
admin confirms it; an engine that stops is reported unreachable, with why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from fastapi.testclient import TestClient

from core_monitor.api.app import create_app
from core_monitor.runtime import Runtime
from tests.support.docker_probe import require_docker
from tests.support.helpers import login, make_settings
from tests.support.second_engine import SecondEngine, start_second_engine

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecondEngine]:
    require_docker()
    started = start_second_engine(Path(tmp_path_factory.mktemp("hosts-engine")))
    yield started
    started.remove()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(f"sqlite:///{tmp_path / 'c.db'}", data_dir=tmp_path)
    with TestClient(create_app(Runtime.build(settings), run_worker=False)) as test_client:
        login(test_client)
        yield test_client


def _tls(engine: SecondEngine) -> dict[str, str]:
    return {k: (engine.tls / f"{k}.pem").read_text() for k in ("ca", "cert", "key")}


def _engine_id(engine: SecondEngine) -> str:
    tls = docker.tls.TLSConfig(
        client_cert=(str(engine.tls / "cert.pem"), str(engine.tls / "key.pem")),
        ca_cert=str(engine.tls / "ca.pem"),
        verify=True,
    )
    api = docker.APIClient(base_url=engine.url, tls=tls, version="1.41")
    api.trust_env = False
    return str(api.info()["ID"])


def test_hosts_are_data_probed_trusted_and_guarded(
    client: TestClient, engine: SecondEngine
) -> None:
    hosts = client.get("/api/v1/hosts").json()
    assert [h["name"] for h in hosts] == ["local"]
    assert hosts[0]["state"] == "reachable"
    assert hosts[0]["engine_id"] == docker.from_env().info()["ID"]

    refusals = {
        "tls": {"name": "plain", "address": engine.url},
        "address": {"name": "viaftp", "address": "ftp://127.0.0.1"},
        "name": {"name": "Not A Name", "address": engine.url, "tls": _tls(engine)},
        "tls.key": {"name": "badkey", "address": engine.url, "tls": {**_tls(engine), "key": "x"}},
    }
    for field, body in refusals.items():
        refused = client.post("/api/v1/hosts", json=body)
        assert refused.status_code == 422, refused.text
        assert field in {e["path"] for e in refused.json()["errors"]}, refused.text

    created = client.post(
        "/api/v1/hosts",
        json={
            "name": "second",
            "address": engine.url,
            "labels": {"zone": "b"},
            "tls": _tls(engine),
        },
    )
    assert created.status_code == 201, created.text
    second = created.json()
    assert "PRIVATE KEY" not in created.text and "CERTIFICATE" not in created.text
    assert second["state"] == "reachable" and second["tls"] is True
    assert second["engine_id"] == _engine_id(engine) != hosts[0]["engine_id"]
    assert second["facts"]["cpus"] >= 1 and second["facts"]["version"]

    # the address now leads to another engine (here: the same one with a new identity)
    engine.stop()
    (engine.directory / "etc" / "key.json").unlink()
    engine.start()
    changed = client.get("/api/v1/hosts/second", params={"refresh": True}).json()
    assert changed["state"] == "engine_changed", changed
    new_id = _engine_id(engine)
    assert new_id in changed["problem"] and second["engine_id"] in changed["problem"]
    wrong = client.post("/api/v1/hosts/second/confirm", json={"engine_id": "NOT:THE:ONE"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["path"] == "engine_id"
    confirmed = client.post("/api/v1/hosts/second/confirm", json={"engine_id": new_id})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "reachable" and confirmed.json()["engine_id"] == new_id

    engine.stop()
    try:
        down = client.get("/api/v1/hosts", params={"refresh": True}).json()
        by_name = {h["name"]: h for h in down}
        assert by_name["second"]["state"] == "unreachable"
        assert "unreachable" in by_name["second"]["problem"]
        assert by_name["local"]["state"] == "reachable"  # the other host is unaffected
    finally:
        engine.start()

    assert client.delete("/api/v1/hosts/local").status_code == 409
    assert client.delete("/api/v1/hosts/second").status_code == 204
    actions = [e["action"] for e in client.get("/api/v1/audit").json()["items"]]
    assert {"host.create", "host.confirm", "host.delete"} <= set(actions)
