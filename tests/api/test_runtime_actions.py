"""Runtime actions act on what runs (the applied version); what can be seen to fail is
refused when asked; the stack's status and versions say what runs (issue 14)."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from core_monitor.domain.stack import StackStatus
from core_monitor.runtime import Runtime
from core_monitor.store import stacks as stack_store
from tests.support.applied import pretend_applied

TWO = "services:\n  web:\n    image: busybox:1\n  ticker:\n    image: busybox:1\n"
WEB = "services:\n  web:\n    image: busybox:1\n"


def make_stack(client: TestClient, compose: str = TWO) -> str:
    response = client.post("/api/v1/stacks", json={"name": "shop", "compose": compose})
    assert response.status_code == 201, response.text
    return str(response.json()["stack_id"])


def save(client: TestClient, stack_id: str, compose: str) -> None:
    response = client.post(f"/api/v1/stacks/{stack_id}/versions", json={"compose": compose})
    assert response.status_code == 201, response.text


def test_runtime_actions_act_on_the_applied_version(client: TestClient, runtime: Runtime) -> None:
    """v2 drops ticker and is saved, not applied: the ticker that runs can still stop."""
    stack_id = make_stack(client)
    pretend_applied(runtime.db, stack_id)
    save(client, stack_id, WEB)
    for verb in ("stop", "start", "restart"):
        response = client.post(f"/api/v1/stacks/{stack_id}/services/ticker/{verb}")
        assert response.status_code == 202, (verb, response.text)


def test_a_stack_never_applied_is_refused_with_the_reason(client: TestClient) -> None:
    stack_id = make_stack(client)
    for path in ("start", "stop", "restart", "services/web/restart"):
        response = client.post(f"/api/v1/stacks/{stack_id}/{path}")
        assert response.status_code == 409, (path, response.text)
        assert "never applied" in response.json()["detail"]
    assert client.get("/api/v1/queue").json()["depth"] == 0


def test_an_action_queued_behind_an_apply_waits_for_it(client: TestClient) -> None:
    """APPLY then RESTART in one go (a pipeline's habit): what the APPLY will run cannot be
    known in advance, so the RESTART is queued behind it; a service the APPLY's version does
    not run is still refused."""
    stack_id = make_stack(client, WEB)
    applying = client.post(f"/api/v1/stacks/{stack_id}/apply/1")
    assert applying.status_code == 202, applying.text
    for path in ("restart", "services/web/restart"):
        response = client.post(f"/api/v1/stacks/{stack_id}/{path}")
        assert response.status_code == 202, (path, response.text)
    save(client, stack_id, TWO)
    ticker = client.post(f"/api/v1/stacks/{stack_id}/services/ticker/restart")
    assert ticker.status_code == 409, ticker.text
    assert client.get("/api/v1/queue").json()["depth"] == 3


def test_a_service_without_containers_is_refused(client: TestClient, runtime: Runtime) -> None:
    """cache is in v2, saved but not applied: nothing of it runs to restart."""
    stack_id = make_stack(client, WEB)
    pretend_applied(runtime.db, stack_id)
    save(client, stack_id, WEB + "  cache:\n    image: busybox:1\n")
    response = client.post(f"/api/v1/stacks/{stack_id}/services/cache/restart")
    assert response.status_code == 409, response.text
    assert "no containers in the applied version 1" in response.json()["detail"]
    nowhere = client.post(f"/api/v1/stacks/{stack_id}/services/nope/restart")
    assert nowhere.status_code == 422
    assert nowhere.json()["errors"][0]["path"] == "service"


def test_only_the_applied_version_is_actual(client: TestClient, runtime: Runtime) -> None:
    """After a rollback to v1, v2 no longer claims to run, nor containers that are gone."""
    stack_id = make_stack(client)
    save(client, stack_id, WEB)
    pretend_applied(runtime.db, stack_id, 2)
    pretend_applied(runtime.db, stack_id, 1)
    listed = client.get(f"/api/v1/stacks/{stack_id}/versions").json()["items"]
    status = {v["version"]: (v["status"]["desired"], v["status"]["actual"]) for v in listed}
    assert status == {2: (False, None), 1: (True, "RUNNING")}
    assert client.get(f"/api/v1/stacks/{stack_id}/versions/2").json()["runtime"] == {}


def overall(client: TestClient, stack_id: str) -> str:
    return str(client.get(f"/api/v1/stacks/{stack_id}/status").json()["status"])


def finished(client: TestClient, command_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/api/v1/commands/{command_id}").json()
        if body["status"] not in ("PENDING", "RUNNING"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"{command_id} did not finish")


def test_a_dismissed_failure_gives_the_stack_its_status_back(
    working_client: TestClient, runtime: Runtime
) -> None:
    """The API tests' engine fails every command: the stack shows FAILED until the
    failure is dismissed, then what runs again (here: its containers are missing)."""
    client = working_client
    stack_id = make_stack(client, WEB)
    pretend_applied(runtime.db, stack_id)
    assert overall(client, stack_id) == "DRIFTED"
    command = client.post(f"/api/v1/stacks/{stack_id}/restart").json()["command_id"]
    assert finished(client, command)["status"] == "FAILED"
    assert overall(client, stack_id) == "FAILED"  # a failed RESTART shows on the stack
    with runtime.db.write() as session:  # as a failed APPLY records it
        stack_store.set_status(session, stack_id, StackStatus.FAILED)
    dismissed = client.post(f"/api/v1/commands/{command}/dismiss", json={"reason": "seen"})
    assert dismissed.status_code == 200, dismissed.text
    assert overall(client, stack_id) == "DRIFTED"
    # the recorded status the stack list shows is judged again too (its containers are
    # missing: degraded), not left FAILED forever
    assert client.get(f"/api/v1/stacks/{stack_id}").json()["status"] == "DEGRADED"
    listed = client.get("/api/v1/stacks").json()["items"]
    assert [s["status"] for s in listed if s["stack_id"] == stack_id] == ["DEGRADED"]
