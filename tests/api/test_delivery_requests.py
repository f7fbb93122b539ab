"""Safe delivery's requests (no engine): options of APPLY and ROLLBACK, the freeze as the
enqueue sees it, unfreeze, the stack's APPLY defaults; bad input names its field."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core_monitor.runtime import Runtime
from core_monitor.store import delivery as delivery_store
from core_monitor.store import stacks as stack_store

COMPOSE = "services:\n  app:\n    image: busybox:1\n"


def new_stack(client: TestClient, name: str) -> str:
    created = client.post("/api/v1/stacks", json={"name": name, "compose": COMPOSE})
    assert created.status_code == 201, created.text
    client.post(f"/api/v1/stacks/{name}/versions", json={"compose": COMPOSE + "    init: true\n"})
    return str(created.json()["stack_id"])


def freeze(runtime: Runtime, stack_id: str) -> None:
    with runtime.db.write() as session:
        delivery_store.freeze(session, stack_id, 1, "alice", "v2 broke checkout")


def test_apply_options_are_stored_typed(client: TestClient) -> None:
    new_stack(client, "opts")
    body = {"atomic": True, "timeout": "5m", "allow_repin": True}
    accepted = client.post("/api/v1/stacks/opts/apply/1", json=body)
    assert accepted.status_code == 202, accepted.text
    command = client.get(accepted.headers["Location"])
    assert command.json()["payload"] == {
        "version": 1,
        "atomic": True,
        "timeout": 300,
        "allow_repin": True,
    }
    plain = client.post("/api/v1/stacks/opts/apply/1")
    assert plain.status_code == 202, plain.text
    assert client.get(f"/api/v1/commands/{plain.json()['command_id']}").json()["payload"] == {
        "version": 1
    }


def test_bad_options_name_their_field(client: TestClient) -> None:
    new_stack(client, "bad")
    for body, field in (
        ({"timeout": "5x"}, "timeout"),
        ({"timeout": "2h"}, "timeout"),
        ({"atomic": "maybe"}, "atomic"),
        ({"atomik": True}, "atomik"),
    ):
        response = client.post("/api/v1/stacks/bad/apply/1", json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in response.text, (body, response.text)
    reason = client.post("/api/v1/stacks/bad/rollback/1", json={"reason": "x" * 1001})
    assert reason.status_code == 422 and "reason" in reason.text
    patch = client.patch("/api/v1/stacks/bad", json={"atomic_timeout": "0"})
    assert patch.status_code == 422 and "atomic_timeout" in patch.text
    assert client.get("/api/v1/commands", params={"stack_id": "bad"}).json()["total"] == 0


def test_a_frozen_stack_refuses_another_version_unless_forced(
    client: TestClient, runtime: Runtime
) -> None:
    stack_id = new_stack(client, "ice")
    freeze(runtime, stack_id)
    shown = client.get("/api/v1/stacks/ice").json()["frozen"]
    assert (shown["version"], shown["by"], shown["reason"]) == (1, "alice", "v2 broke checkout")
    listed = client.get("/api/v1/stacks", params={"q": "ice"}).json()["items"]
    assert listed[0]["frozen"]["version"] == 1
    refused = client.post("/api/v1/stacks/ice/apply/2")
    assert refused.status_code == 409, refused.text
    assert "frozen at v1 by alice" in refused.json()["detail"]
    assert client.post("/api/v1/stacks/ice/apply/1").status_code == 202  # the frozen one
    assert client.post("/api/v1/stacks/ice/apply/2", json={"force": True}).status_code == 202
    audit = client.get("/api/v1/audit", params={"target": f"stack:{stack_id}"}).json()["items"]
    assert [e["outcome"] for e in audit if e["action"] == "command.apply"] == [
        "ok",
        "ok",
        "refused",
    ]


def test_unfreeze_and_the_stack_defaults(client: TestClient, runtime: Runtime) -> None:
    stack_id = new_stack(client, "thaw")
    assert client.post("/api/v1/stacks/thaw/unfreeze").status_code == 409
    freeze(runtime, stack_id)
    thawed = client.post("/api/v1/stacks/thaw/unfreeze")
    assert thawed.status_code == 200, thawed.text
    assert thawed.json()["frozen"] is None
    with runtime.db.read() as session:
        assert delivery_store.freeze_of(session, stack_id) is None
        assert stack_store.get_stack(session, "thaw").stack_id == stack_id
    patched = client.patch("/api/v1/stacks/thaw", json={"atomic": True, "atomic_timeout": "2m"})
    assert patched.status_code == 200, patched.text
    assert patched.json() == {"atomic": True, "atomic_timeout_seconds": 120, "frozen": None}
    assert client.get("/api/v1/stacks/thaw/delivery").json()["atomic"] is True
    actions = {
        e["action"]
        for e in client.get("/api/v1/audit", params={"target": f"stack:{stack_id}"}).json()["items"]
    }
    assert {"stack.unfreeze", "stack.delivery"} <= actions
