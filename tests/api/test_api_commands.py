"""Commands through the REST API: 202 + Location, queue state, retry/dismiss, SSE logs."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient

from core_monitor.runtime import Runtime
from core_monitor.store import commands as command_store

WEB = "services:\n  web:\n    image: busybox:1\n"


def make_stack(client: TestClient) -> str:
    response = client.post("/api/v1/stacks", json={"name": "shop", "compose": WEB})
    return str(response.json()["stack_id"])


def wait_status(client: TestClient, cid: str, want: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/commands/{cid}").json()
        if body["status"] == want:
            return dict(body)
        time.sleep(0.05)
    raise AssertionError(f"{cid} never reached {want}: {body}")


def test_write_commands_are_accepted_with_location(client: TestClient) -> None:
    stack_id = make_stack(client)
    for path in (
        "apply/1",
        "rollback/1",
        "delete",
        "start",
        "stop",
        "restart",
        "services/web/restart",
    ):
        response = client.post(f"/api/v1/stacks/{stack_id}/{path}")
        assert response.status_code == 202, (path, response.text)
        body = response.json()
        assert response.headers["location"] == f"/api/v1/commands/{body['command_id']}"
        assert client.get(response.headers["location"]).json()["status"] == "PENDING"
    deploy = client.post(
        f"/api/v1/stacks/{stack_id}/deploy", json={"service": "web", "artifact": "app.war"}
    )
    assert deploy.status_code == 202
    listing = client.get("/api/v1/commands", params={"stack_id": "shop", "type": "APPLY"}).json()
    assert listing["total"] == 1
    assert listing["items"][0]["payload"] == {"version": 1}
    seqs = [c["seq"] for c in client.get("/api/v1/commands").json()["items"]]
    assert seqs == sorted(seqs, reverse=True)
    queue = client.get("/api/v1/queue").json()
    assert queue["depth"] == 8
    assert queue["halted"] is False


def test_unknown_service_is_422(client: TestClient) -> None:
    stack_id = make_stack(client)
    response = client.post(f"/api/v1/stacks/{stack_id}/services/nope/stop")
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "service"


def test_idempotency_key_enqueues_once(client: TestClient) -> None:
    stack_id = make_stack(client)
    headers = {"Idempotency-Key": "abc-123"}
    first = client.post(f"/api/v1/stacks/{stack_id}/apply/1", headers=headers).json()
    again = client.post(f"/api/v1/stacks/{stack_id}/apply/1", headers=headers).json()
    assert first["command_id"] == again["command_id"]
    assert client.get("/api/v1/commands").json()["total"] == 1
    other = client.post(f"/api/v1/stacks/{stack_id}/stop", headers=headers)
    assert other.status_code == 409
    for _ in range(2):  # an empty key is no key
        assert (
            client.post(
                f"/api/v1/stacks/{stack_id}/stop", headers={"Idempotency-Key": ""}
            ).status_code
            == 202
        )
    assert client.get("/api/v1/commands").json()["total"] == 3


def test_cancel_pending_and_conflicts(client: TestClient) -> None:
    stack_id = make_stack(client)
    cid = client.post(f"/api/v1/stacks/{stack_id}/apply/1").json()["command_id"]
    assert client.post(f"/api/v1/commands/{cid}/cancel").json()["status"] == "CANCELLED"
    assert client.post(f"/api/v1/commands/{cid}/cancel").status_code == 409
    assert client.post(f"/api/v1/commands/{cid}/retry").status_code == 409
    assert client.post(f"/api/v1/commands/{cid}/dismiss", json={"reason": "x"}).status_code == 409
    assert client.post(f"/api/v1/commands/{cid}/dismiss", json={}).status_code == 422


def test_halted_queue_is_explained_then_dismissed(working_client: TestClient) -> None:
    client = working_client
    stack_id = make_stack(client)
    # No executor for APPLY is registered in this runtime: the command fails clearly.
    failed = client.post(f"/api/v1/stacks/{stack_id}/apply/1").json()["command_id"]
    wait_status(client, failed, "FAILED")
    queue = client.get("/api/v1/queue").json()
    assert queue["halted"] is True
    assert failed in queue["halted_reason"]
    assert "no executor" in queue["head"]["error"]
    dismissed = client.post(f"/api/v1/commands/{failed}/dismiss", json={"reason": "known"})
    assert dismissed.json()["status"] == "CANCELLED"
    assert client.get("/api/v1/queue").json()["halted"] is False


def test_logs_follow_streams_lines_until_the_command_ends(
    working_client: TestClient, runtime: Runtime
) -> None:
    client = working_client
    with runtime.db.write() as s:
        command, _ = command_store.enqueue(
            s, type="TEST_SLEEP", stack_id=None, payload={"seconds": 0.5}, requested_by="t"
        )
    runtime.wakeup.notify()
    events: list[tuple[str, dict]] = []
    with client.stream("GET", f"/api/v1/commands/{command.command_id}/logs?follow=1") as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        event = ""
        for line in resp.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[6:])))
    kinds = [k for k, _ in events]
    assert kinds[-1] == "end"
    assert events[-1][1]["status"] == "DONE"
    messages = [d["message"] for k, d in events if k == "log"]
    assert messages[0].startswith("TEST_SLEEP queued")
    assert "slept" in messages
    plain = client.get(f"/api/v1/commands/{command.command_id}/logs", params={"after": 1}).json()
    assert [line["message"] for line in plain] == messages[1:]
