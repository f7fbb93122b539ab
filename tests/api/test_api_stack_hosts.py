"""A stack's host through the API (no engine needed): ``host`` on create (unknown: 422 on
``host``), MOVE's refusals, a host with live stacks not deletable, and nothing queued for a
host whose engine is not the trusted one."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core_monitor.domain.hosts import EngineFacts, HostState
from core_monitor.domain.stack import StackStatus
from core_monitor.runtime import Runtime
from core_monitor.store import hosts as host_store
from core_monitor.store import stacks as stack_store

WEB = "services:\n  web:\n    image: coremon-test/busybox:latest\n"


def _stack(client: TestClient, name: str, **extra: object) -> dict:
    made = client.post("/api/v1/stacks", json={"name": name, "compose": WEB, **extra})
    assert made.status_code == 201, made.text
    return dict(made.json())


def _host(client: TestClient, name: str) -> dict:
    # an engine nobody runs: recorded (unreachable), which is all these refusals need
    made = client.post("/api/v1/hosts", json={"name": name, "address": f"unix:///no/{name}.sock"})
    assert made.status_code == 201, made.text
    return dict(made.json())


def _paths(answer: object) -> set[str]:
    return {e["path"] for e in answer.json()["errors"]}  # type: ignore[attr-defined]


def test_a_stack_is_created_on_a_host_named_or_local(client: TestClient) -> None:
    assert _stack(client, "hs-plain")["host_id"] == "local"
    other = _host(client, "hs-other")
    assert _stack(client, "hs-there", host="hs-other")["host_id"] == other["host_id"]
    assert _stack(client, "hs-byid", host=other["host_id"])["host_id"] == other["host_id"]
    unknown = client.post(
        "/api/v1/stacks", json={"name": "hs-nowhere", "compose": WEB, "host": "no-such-host"}
    )
    assert unknown.status_code == 422, unknown.text
    assert _paths(unknown) == {"host"}
    assert client.get("/api/v1/stacks/hs-nowhere").status_code == 404  # nothing half-written
    empty = client.post("/api/v1/stacks", json={"name": "hs-e", "compose": WEB, "host": ""})
    assert empty.status_code == 422 and any("host" in p for p in _paths(empty))


def test_a_move_is_refused_when_it_cannot_be_one(client: TestClient, runtime: Runtime) -> None:
    stack = _stack(client, "hs-mover")
    _host(client, "hs-target")
    never = client.post("/api/v1/stacks/hs-mover/move", json={"host": "hs-target"})
    assert never.status_code == 409 and "never applied" in never.json()["detail"]
    with runtime.db.write() as session:  # as if applied: v1 runs
        stack_store.set_status(session, stack["stack_id"], StackStatus.RUNNING, current_version=1)
    unknown = client.post("/api/v1/stacks/hs-mover/move", json={"host": "nope"})
    assert unknown.status_code == 422 and _paths(unknown) == {"host"}
    same = client.post("/api/v1/stacks/hs-mover/move", json={"host": "local"})
    assert same.status_code == 409 and "already" in same.json()["detail"]
    moved = client.post("/api/v1/stacks/hs-mover/move", json={"host": "hs-target"})
    assert moved.status_code == 202, moved.text
    assert "named volumes are not migrated" in moved.json()["note"]
    command = client.get(moved.headers["Location"]).json()
    assert command["type"] == "MOVE" and command["payload"]["version"] == 1


def test_a_host_that_still_runs_stacks_is_not_removed(client: TestClient) -> None:
    _host(client, "hs-busy")
    _stack(client, "hs-busy-a", host="hs-busy")
    _stack(client, "hs-busy-b", host="hs-busy")
    refused = client.delete("/api/v1/hosts/hs-busy")
    assert refused.status_code == 409, refused.text
    assert "hs-busy-a" in refused.json()["detail"] and "hs-busy-b" in refused.json()["detail"]
    for name in ("hs-busy-a", "hs-busy-b"):
        assert client.post(f"/api/v1/stacks/{name}/delete", json={}).status_code == 202
    assert client.delete("/api/v1/hosts/hs-busy").status_code == 409  # deletes not run yet


def test_nothing_is_queued_for_a_host_whose_engine_changed(
    client: TestClient, runtime: Runtime
) -> None:
    host = _host(client, "hs-changed")
    _stack(client, "hs-on-changed", host="hs-changed")
    was = EngineFacts(engine_id="WAS", name="n", version="v", os="o", cpus=1, memory=1)
    now = was.model_copy(update={"engine_id": "NOW"})
    with runtime.db.write() as session:
        host_store.record_probe(
            session, host["host_id"], was, HostState.REACHABLE, None, trust=True
        )
        host_store.record_probe(session, host["host_id"], now, HostState.ENGINE_CHANGED, "x")
    refused = client.post("/api/v1/stacks/hs-on-changed/apply/1")
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert "host hs-changed" in detail and "was WAS, now NOW" in detail
    assert f"/api/v1/hosts/{host['host_id']}/confirm" in detail
    assert client.post("/api/v1/stacks/hs-on-changed/delete", json={}).status_code == 409


def test_every_write_of_a_host_tells_the_registry(client: TestClient, runtime: Runtime) -> None:
    assert runtime.hosts is not None
    told: list[str] = []
    runtime.hosts.on_change(told.append)
    host_id = _host(client, "hs-told")["host_id"]
    assert runtime.hosts.get("hs-told").address == "unix:///no/hs-told.sock"
    assert host_id in runtime.hosts.ids
    moved = client.patch("/api/v1/hosts/hs-told", json={"address": "unix:///no/elsewhere.sock"})
    assert moved.status_code == 200, moved.text
    assert runtime.hosts.get(host_id).address == "unix:///no/elsewhere.sock"  # rebuilt
    assert client.delete("/api/v1/hosts/hs-told").status_code == 204
    assert told == [host_id, host_id, host_id]
    assert host_id not in runtime.hosts.ids


def test_the_wizard_creates_on_a_host_too(client: TestClient) -> None:
    other = _host(client, "hs-wiz")
    selection = [{"component": "postgresql"}]
    made = client.post(
        "/api/v1/wizard/stacks",
        json={"name": "hs-wiz-db", "selection": selection, "host": "hs-wiz"},
    )
    assert made.status_code == 201, made.text
    assert client.get("/api/v1/stacks/hs-wiz-db").json()["host_id"] == other["host_id"]
    unknown = client.post(
        "/api/v1/wizard/stacks", json={"name": "hs-wiz-no", "selection": selection, "host": "nope"}
    )
    assert unknown.status_code == 422 and _paths(unknown) == {"host"}
