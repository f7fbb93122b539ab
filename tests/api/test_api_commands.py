"""Commands through the REST API: 202 + Location, queue state, retry/dismiss, SSE logs."""

from __future__ import annotations

import json
import time
from pathlib import Path

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from core_monitor.api.app import create_app
from core_monitor.api.routers import actions
from core_monitor.domain.commands import CommandType
from core_monitor.runtime import Runtime
from core_monitor.store import commands as command_store
from tests.support.applied import pretend_applied
from tests.support.deploys import site, upload
from tests.support.executors import sleep_order
from tests.support.helpers import login, make_settings

WEB = "services:\n  web:\n    image: busybox:1\n"
DEPLOYABLE = (
    "services:\n  web:\n    image: coremon-test/busybox:latest\n"
    "    volumes: ['site:/srv/sites']\n    x-coremon-deploy: {kind: nginx}\n"
    "volumes:\n  site: {}\n"
)


def make_stack(client: TestClient, compose: str = WEB) -> str:
    response = client.post("/api/v1/stacks", json={"name": "shop", "compose": compose})
    return str(response.json()["stack_id"])


def wait_status(client: TestClient, cid: str, want: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/commands/{cid}").json()
        if body["status"] == want:
            return dict(body)
        time.sleep(0.05)
    raise AssertionError(f"{cid} never reached {want}: {body}")


def test_write_commands_are_accepted_with_location(client: TestClient, runtime: Runtime) -> None:
    stack_id = make_stack(client)
    pretend_applied(runtime.db, stack_id)
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
    # a service without a deploy target: refused when asked, naming the field
    deploy = client.post(
        f"/api/v1/stacks/{stack_id}/deploy", json={"service": "web", "artifact": "0" * 64}
    )
    assert deploy.status_code == 422
    listing = client.get("/api/v1/commands", params={"stack_id": "shop", "type": "APPLY"}).json()
    assert listing["total"] == 1
    assert listing["items"][0]["payload"] == {"version": 1}
    seqs = [c["seq"] for c in client.get("/api/v1/commands").json()["items"]]
    assert seqs == sorted(seqs, reverse=True)
    queue = client.get("/api/v1/queue").json()
    assert queue["depth"] == 7
    assert queue["halted"] is False


def test_unknown_service_is_422(client: TestClient) -> None:
    stack_id = make_stack(client)
    response = client.post(f"/api/v1/stacks/{stack_id}/services/nope/stop")
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "service"


def test_idempotency_key_enqueues_once(client: TestClient, runtime: Runtime) -> None:
    stack_id = make_stack(client)
    pretend_applied(runtime.db, stack_id)
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
    # APPLY's executor in this runtime is a stand-in that fails (there is no engine here)
    failed = client.post(f"/api/v1/stacks/{stack_id}/apply/1").json()["command_id"]
    wait_status(client, failed, "FAILED")
    queue = client.get("/api/v1/queue").json()
    assert queue["halted"] is True
    assert failed in queue["halted_reason"]
    assert "POST /" not in queue["halted_reason"]  # the store names no HTTP route
    assert "no engine in the API tests" in queue["head"]["error"]
    dismissed = client.post(f"/api/v1/commands/{failed}/dismiss", json={"reason": "known"})
    assert dismissed.json()["status"] == "CANCELLED"
    assert client.get("/api/v1/queue").json()["halted"] is False


def test_logs_follow_streams_lines_until_the_command_ends(
    working_client: TestClient, runtime: Runtime
) -> None:
    client = working_client
    with runtime.db.write() as s:
        command, _ = command_store.enqueue(
            s, stack_id=None, payload=sleep_order(0.5), requested_by="t"
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
    assert messages[0].startswith("DEPLOY queued")
    assert "slept" in messages
    plain = client.get(f"/api/v1/commands/{command.command_id}/logs", params={"after": 1}).json()
    assert [line["message"] for line in plain] == messages[1:]


# what each route enqueues: every POST of the actions router is here
ENQUEUE_ROUTES: dict[str, tuple[CommandType, dict[str, object] | None]] = {
    "apply/1": (CommandType.APPLY, None),
    "rollback/1": (CommandType.ROLLBACK, None),
    "delete": (CommandType.DELETE, {}),
    "start": (CommandType.START, None),
    "stop": (CommandType.STOP, None),
    "restart": (CommandType.RESTART, None),
    "services/web/start": (CommandType.START, None),
    "services/web/stop": (CommandType.STOP, None),
    "services/web/restart": (CommandType.RESTART, None),
    "deploy": (CommandType.DEPLOY, {"service": "web", "artifact": "<the site>"}),
}


def test_every_enqueue_route_is_listed() -> None:
    posts = [r for r in actions.router.routes if isinstance(r, APIRoute)]
    assert len(posts) == len(ENQUEUE_ROUTES)


def test_the_api_enqueues_only_what_an_executor_will_run(database_url: str, tmp_path: Path) -> None:
    """As the server is built in production (the engine's executors, no plug-in): each
    command type the API accepts has an executor; any other is refused at once (409,
    naming the type), never accepted to fail later with the queue halted behind it."""
    runtime = Runtime.build(make_settings(database_url, data_dir=tmp_path))
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            login(client)
            # an image this host has: the APPLY is not refused for an image it cannot pull
            stack_id = make_stack(client, DEPLOYABLE)
            pretend_applied(runtime.db, stack_id)
            sha = upload(client, "site.tar.gz", site("v1"))["sha256"]
            for path, (command_type, body) in ENQUEUE_ROUTES.items():
                if command_type == CommandType.DEPLOY:
                    body = {**(body or {}), "artifact": sha}
                response = client.post(f"/api/v1/stacks/{stack_id}/{path}", json=body)
                if runtime.registry.get(command_type) is not None:
                    assert response.status_code == 202, (path, response.text)
                    continue
                assert response.status_code == 409, (path, response.text)
                assert response.headers["content-type"] == "application/problem+json"
                assert f"no executor is registered for {command_type}" in response.json()["detail"]
            assert client.get("/api/v1/queue").json()["depth"] == 10
    finally:
        runtime.close()
    assert runtime.registry.types() == frozenset(CommandType)
