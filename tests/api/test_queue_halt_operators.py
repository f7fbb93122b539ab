"""A FAILED command halts the queue; an operator of its stack may retry or dismiss it
(audited), others get 404/403 as the RBAC rules say, and GET /queue says who may act."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_api_commands import wait_status
from tests.api.test_security_routes import add_user, client_for

WEB = "services:\n  web:\n    image: busybox:1\n"


def _halted(admin: TestClient) -> tuple[str, dict[str, TestClient]]:
    """alpha's APPLY FAILED (no engine here), and one user per binding."""
    for name in ("alpha", "beta"):
        assert admin.post("/api/v1/stacks", json={"name": name, "compose": WEB}).status_code == 201
    add_user(admin, "carol", None, stack_roles={"alpha": "operator"})
    add_user(admin, "dave", None, stack_roles={"beta": "operator"})
    add_user(admin, "vera", None, stack_roles={"alpha": "viewer"})
    failed = admin.post("/api/v1/stacks/alpha/apply/1").json()["command_id"]
    wait_status(admin, failed, "FAILED")
    return failed, {n: client_for(admin, n) for n in ("carol", "dave", "vera")}


def test_the_queue_names_the_failed_command_its_stack_error_and_who_may_act(
    working_client: TestClient,
) -> None:
    failed, users = _halted(working_client)
    carol: dict[str, Any] = users["carol"].get("/api/v1/queue").json()
    halt = carol["halted_by"]
    assert carol["halted"] is True and halt["visible"] is True
    assert halt["command_id"] == failed and halt["type"] == "APPLY"
    assert halt["stack_name"] == "alpha" and "no engine" in halt["error"]
    assert "operator" in halt["may_act"] and "alpha" in halt["may_act"]
    assert halt["you_may_act"] is True
    assert users["vera"].get("/api/v1/queue").json()["halted_by"]["you_may_act"] is False
    # another stack's operator learns the queue is halted, not by what
    dave = users["dave"].get("/api/v1/queue").json()
    assert dave["halted"] is True and dave["head"] is None and dave["halted_reason"] is None
    assert dave["halted_by"]["visible"] is False and dave["halted_by"]["stack_name"] is None
    assert "alpha" not in str(dave) and failed not in str(dave)


def test_an_operator_of_the_stack_retries_and_dismisses_its_failed_command(
    working_client: TestClient,
) -> None:
    failed, users = _halted(working_client)
    dismiss = {"reason": "image fixed by hand"}
    assert users["dave"].post(f"/api/v1/commands/{failed}/retry").status_code == 404
    assert users["dave"].post(f"/api/v1/commands/{failed}/dismiss", json=dismiss).status_code == 404
    assert users["vera"].post(f"/api/v1/commands/{failed}/retry").status_code == 403
    assert users["vera"].post(f"/api/v1/commands/{failed}/dismiss", json=dismiss).status_code == 403
    retried = users["carol"].post(f"/api/v1/commands/{failed}/retry")
    assert retried.status_code == 200, retried.text
    wait_status(working_client, failed, "FAILED")  # it fails again: still no engine
    dismissed = users["carol"].post(f"/api/v1/commands/{failed}/dismiss", json=dismiss)
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "CANCELLED"
    assert working_client.get("/api/v1/queue").json()["halted"] is False
    trail = working_client.get("/api/v1/audit", params={"actor": "carol"}).json()["items"]
    rows = {e["action"]: e for e in trail}
    assert {"command.retry", "command.dismiss"} <= set(rows)
    alpha = working_client.get("/api/v1/stacks/alpha").json()["stack_id"]
    assert rows["command.dismiss"]["details"] == {"stack_id": alpha, **dismiss}
    assert rows["command.retry"]["target"] == f"command:{failed}"
