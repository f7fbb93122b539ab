"""Security on a real engine: a secret reaches its container and nothing else (no response,
no log line); the policy is checked again when a version is applied."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support.api_client import Api
from tests.support.docker_probe import docker, require_docker
from tests.support.server import ServerProcess

STACK_PREFIX = "sec"  # the shared `stack` fixture: <prefix>-<random>

IMAGE = "coremon-test/busybox:latest"
SECRET = f"pw-{uuid.uuid4().hex}"  # unique: any occurrence anywhere is a leak
PLAIN = f"services:\n  app:\n    image: {IMAGE}\n    init: true\n"
PRIVILEGED = PLAIN + "    privileged: true\n"


def test_a_secret_reaches_its_container_and_no_response_or_log_line(
    tmp_path: Path, stack: str
) -> None:
    require_docker()
    log_file = tmp_path / "server.log"
    server = ServerProcess(f"sqlite:///{tmp_path / 'c.db'}", log_file).start()
    api = Api(server.url, server.headers)
    compose = f"""
services:
  app:
    image: {IMAGE}
    init: true
    environment:
      DB_PASSWORD: ${{PW}}
    command: ["sh", "-c", "echo \\"password is $$DB_PASSWORD\\"; while :; do sleep 1; done"]
"""
    bodies: list[str] = []
    try:
        api.create_stack(stack, compose, variables={"PW": {"value": SECRET, "secret": True}})
        applied = api.apply(stack, 1)
        env = docker("inspect", "-f", "{{json .Config.Env}}", f"{stack}-app-1")
        assert f"DB_PASSWORD={SECRET}" in env  # the engine got the real value
        container = api.http.get(f"/stacks/{stack}/containers").json()[0]["id"]
        logs = api.http.get(f"/containers/{container}/logs", params={"tail": 10}).json()
        assert any(line["line"] == "password is ***" for line in logs), logs
        for path in (
            f"/stacks/{stack}",
            f"/stacks/{stack}/versions/1",
            f"/stacks/{stack}/status",
            f"/stacks/{stack}/containers",
            f"/stacks/{stack}/plan/1",
            f"/containers/{container}",
            f"/containers/{container}/logs?tail=100",
            f"/commands/{applied['command_id']}",
            f"/commands/{applied['command_id']}/logs",
            "/events",
            "/audit?limit=200",
            "/commands",
        ):
            response = api.http.get(path)
            assert response.status_code == 200, (path, response.text)
            bodies.append(response.text)
        with httpx.stream(
            "GET",
            f"{server.url}/api/v1/containers/{container}/logs?follow=1&tail=5",
            headers=server.headers,
            timeout=10,
        ) as stream:
            for chunk in stream.iter_text():
                bodies.append(chunk)
                if "password is" in "".join(bodies[-3:]):
                    break
    finally:
        api.close()
        server.stop()
    assert all(SECRET not in body for body in bodies)
    text = log_file.read_text()
    assert "stack is RUNNING" in text or "command finished" in text  # the log did record
    assert SECRET not in text


def test_the_policy_is_checked_again_when_a_version_is_applied(tmp_path: Path, stack: str) -> None:
    require_docker()
    server = ServerProcess(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "s.log").start()
    api = Api(server.url, server.headers)
    try:
        api.create_stack(stack, PLAIN)  # an exception is granted to a stack that exists
        granted = api.http.post(
            "/policy/exceptions", json={"stack": stack, "rule": "privileged", "reason": "test"}
        ).json()
        version = api.new_version(stack, PRIVILEGED)
        assert api.http.delete(f"/policy/exceptions/{granted['id']}").status_code == 204
        failed = api.apply(stack, version, expect="FAILED")
        assert "refused by the stack policy" in failed["error"]
        assert "services.app.privileged" in failed["error"]
        running = docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={stack}")
        assert running.strip() == ""  # nothing was created
    finally:
        api.close()
        server.stop()


def test_an_exception_goes_with_its_stack_and_its_name_passes_on_nothing(
    tmp_path: Path, stack: str
) -> None:
    require_docker()
    server = ServerProcess(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "s.log").start()
    api = Api(server.url, server.headers)
    try:
        api.create_stack(stack, PLAIN)
        granted = api.http.post(
            "/policy/exceptions", json={"stack": stack, "rule": "privileged", "reason": "test"}
        )
        assert granted.status_code == 201, granted.text
        api.new_version(stack, PRIVILEGED)  # the exception holds while its stack lives
        api.run(f"/stacks/{stack}/delete")
        api.create_stack(stack, PLAIN)  # the same name, another stack
        refused = api.http.post(f"/stacks/{stack}/versions", json={"compose": PRIVILEGED})
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["path"] == "services.app.privileged"
        assert api.http.get("/policy/exceptions").json() == []  # it went with the stack
    finally:
        api.close()
        server.stop()


def seconds_to_end_after(revoke: Callable[[], None], url: str, secret: str) -> float:
    """Opens a quiet event stream with ``secret``, revokes it, and times the ``end`` event
    from the revocation's answer."""
    with httpx.stream(
        "GET",
        f"{url}/api/v1/events",
        headers={"Authorization": f"Bearer {secret}", "Accept": "text/event-stream"},
        timeout=httpx.Timeout(5, read=5),
    ) as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")  # open; nothing else happens on it
        time.sleep(1)
        revoke()
        revoked = time.monotonic()
        try:
            for line in lines:
                if line.startswith("data:"):
                    assert "revoked" in line, line  # the first event after the revocation
                    return time.monotonic() - revoked
        except httpx.ReadTimeout:
            raise AssertionError("still open and silent 5 s after the revocation") from None
    raise AssertionError("the stream ended without an end event")


def test_an_open_event_stream_ends_within_a_second_of_its_revocation(tmp_path: Path) -> None:
    """Revoked by the server that serves the stream, then by another on the same database."""
    database = f"sqlite:///{tmp_path / 'c.db'}"
    server = ServerProcess(database, tmp_path / "s.log").start()
    other = ServerProcess(database, tmp_path / "o.log", COREMON_WORKER="false").start()
    api = Api(server.url, server.headers)
    elsewhere = Api(other.url, other.headers)
    try:
        for revoker in (api, elsewhere):
            token = api.http.post("/tokens", json={"name": "dashboard", "role": "viewer"}).json()

            def revoke(by: Api = revoker, token_id: str = token["token_id"]) -> None:
                assert by.http.delete(f"/tokens/{token_id}").status_code == 204

            took = seconds_to_end_after(revoke, server.url, token["token"])
            assert took <= 1.0, (revoker.http.base_url, took)
    finally:
        api.close()
        elsewhere.close()
        other.stop()
        server.stop()
