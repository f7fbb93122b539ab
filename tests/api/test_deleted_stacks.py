"""A deleted stack keeps its history: listed with ``?deleted=true``, its versions, diffs and
audit readable by id (by name while unambiguous), and restorable as a new live stack."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from core_monitor.runtime import Runtime
from core_monitor.services.definitions import project_of
from core_monitor.store import stacks as stack_store
from tests.api.test_security_routes import add_user, client_for

SECRET = "restored-secret-value-7"
TEXT = (
    "services:\n  app:\n    image: busybox:1\n    environment:\n      PW: ${PW:?PW is required}\n"
)


def _deleted_stack(
    client: TestClient, runtime: Runtime, name: str = "gone", viewer: str | None = None
) -> str:
    """A stack with two versions (``viewer``: a user bound to it as viewer), then deleted
    (as the DELETE executor leaves it)."""
    body = {"name": name, "compose": TEXT, "variables": {"PW": {"value": SECRET, "secret": True}}}
    created = client.post("/api/v1/stacks", json=body)
    assert created.status_code == 201, created.text
    stack_id = str(created.json()["stack_id"])
    edited = TEXT.replace("busybox:1", "busybox:2")
    assert client.post(f"/api/v1/stacks/{name}/versions", json={"compose": edited}).is_success
    if viewer:
        add_user(client, viewer, None, stack_roles={name: "viewer"})
    with runtime.db.write() as session:
        stack_store.soft_delete(session, stack_id)
    return stack_id


def _names(client: TestClient, query: str = "") -> list[str]:
    return [s["name"] for s in client.get(f"/api/v1/stacks{query}").json()["items"]]


def test_deleted_stacks_are_listed_apart_and_their_history_stays_readable(
    client: TestClient, runtime: Runtime
) -> None:
    stack_id = _deleted_stack(client, runtime)
    alive = {"name": "alive", "compose": TEXT, "variables": {"PW": "x"}}
    assert client.post("/api/v1/stacks", json=alive).status_code == 201
    assert _names(client) == ["alive"]
    assert _names(client, "?deleted=true") == ["gone"]
    for ref in (stack_id, "gone"):  # by id, and by a name no live stack holds
        stack = client.get(f"/api/v1/stacks/{ref}")
        assert stack.status_code == 200 and stack.json()["status"] == "DELETED"
        versions = client.get(f"/api/v1/stacks/{ref}/versions").json()
        assert [v["version"] for v in versions["items"]] == [2, 1]
        assert client.get(f"/api/v1/stacks/{ref}/versions/1").json()["compose"] == TEXT
        diff = client.get(f"/api/v1/stacks/{ref}/versions/1/diff/2")
        assert diff.status_code == 200 and "busybox:2" in diff.text
    trail = client.get("/api/v1/audit", params={"target": f"stack:{stack_id}"}).json()
    assert {"stack.create", "version.create"} <= {e["action"] for e in trail["items"]}
    # writes still refuse it
    assert client.post(f"/api/v1/stacks/{stack_id}/apply/1").status_code == 404
    edit = client.post(f"/api/v1/stacks/{stack_id}/versions", json={"compose": TEXT})
    assert edit.status_code == 404


def test_a_new_stack_may_take_a_deleted_stacks_name(client: TestClient, runtime: Runtime) -> None:
    old_id = _deleted_stack(client, runtime)
    body = {"name": "gone", "compose": TEXT, "variables": {"PW": "new"}}
    new_id = client.post("/api/v1/stacks", json=body).json()["stack_id"]
    assert client.get("/api/v1/stacks/gone").json()["stack_id"] == new_id  # the live one wins
    assert client.get(f"/api/v1/stacks/{old_id}").json()["status"] == "DELETED"
    # once two deleted stacks had the name, only an id says which
    with runtime.db.write() as session:
        stack_store.soft_delete(session, new_id)
    ambiguous = client.get("/api/v1/stacks/gone")
    assert ambiguous.status_code == 409 and "by id" in ambiguous.text


def test_restore_creates_a_live_stack_from_any_version_secrets_kept(
    client: TestClient, runtime: Runtime
) -> None:
    old_id = _deleted_stack(client, runtime)
    restored = client.post(f"/api/v1/stacks/{old_id}/restore", json={"version": 1})
    assert restored.status_code == 201, restored.text
    body: dict[str, Any] = restored.json()
    assert body["name"] == "gone" and body["version"] == 1 and body["stack_id"] != old_id
    assert SECRET not in restored.text
    with runtime.db.read() as session:
        version = stack_store.get_version(session, body["stack_id"], 1)
    assert "busybox:1" in version.compose_text and SECRET not in str(version.variables)
    env = project_of(version, runtime.convergence.box).services["app"].environment
    assert env["PW"] == SECRET
    assert client.get(f"/api/v1/stacks/{old_id}").json()["status"] == "DELETED"
    trail = client.get("/api/v1/audit", params={"action": "stack.restore"}).json()["items"]
    assert trail[0]["details"]["from_stack_id"] == old_id
    assert trail[0]["target"] == f"stack:{body['stack_id']}"


def test_restore_refusals_name_what_is_wrong(client: TestClient, runtime: Runtime) -> None:
    old_id = _deleted_stack(client, runtime)
    url = f"/api/v1/stacks/{old_id}/restore"
    assert client.post(url, json={"version": 1}).status_code == 201
    taken = client.post(url, json={"version": 2})
    assert taken.status_code == 409 and "name" in taken.json()["detail"]
    assert client.post(url, json={"version": 2, "name": "gone-2"}).status_code == 201
    assert client.post(url, json={"version": 9, "name": "gone-3"}).status_code == 404
    bad = client.post(url, json={"version": 1, "name": "Bad Name"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "name"
    assert client.post(url, json={}).status_code == 422
    live = client.post("/api/v1/stacks/gone/restore", json={"version": 1})
    assert live.status_code == 409 and "not deleted" in live.text


def test_deleted_stacks_are_listed_only_to_who_may_see_them(
    client: TestClient, runtime: Runtime
) -> None:
    old_id = _deleted_stack(client, runtime, viewer="dora")
    _deleted_stack(client, runtime, name="other")
    dora = client_for(client, "dora")
    assert _names(dora, "?deleted=true") == ["gone"]
    assert dora.get(f"/api/v1/stacks/{old_id}/versions").status_code == 200
    assert dora.post(f"/api/v1/stacks/{old_id}/restore", json={"version": 1}).status_code == 403
