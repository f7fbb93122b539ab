"""A stack's combined logs on a real engine through a real server: every container's lines in
one view, tagged with service and replica, ordered by time when read and merged live when
followed; the container endpoint's bounds, roles, secret masking and revocation hold."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.acceptance.test_monitoring import Sse
from tests.acceptance.test_streams_engine import open_log_follows
from tests.support.api_client import Api
from tests.support.docker_probe import remove_project
from tests.support.server import ServerProcess, login_headers, served

IMAGE = "coremon-test/busybox:latest"
SECRET = "stack-logs-secret-value"
# Each service prints a first known line, then a numbered tick every 0.2 s; alpha runs twice.
STACK = f"""
services:
  alpha:
    image: {IMAGE}
    init: true
    deploy: {{replicas: 2}}
    command: [sh, -c, 'echo "alpha hello $$TOKEN"; i=0; while true; do echo "alpha tick $$i"; i=$$((i+1)); sleep 0.2; done']
    environment: {{TOKEN: "${{TOKEN}}"}}
  beta:
    image: {IMAGE}
    init: true
    command: [sh, -c, 'echo "beta hello" >&2; i=0; while true; do echo "beta tick $$i"; i=$$((i+1)); sleep 0.2; done']
"""  # noqa: E501


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(
        tmp_path_factory,
        "stack-logs",
        COREMON_QUEUE_ON_FAILURE="continue",
        COREMON_MAX_STREAM_SECONDS="60",
    )


@pytest.fixture(scope="module")
def stack(server: ServerProcess) -> Iterator[str]:
    """A running stack of two services (alpha twice), logging for a second already."""
    name = f"logs-{uuid.uuid4().hex[:8]}"
    api = Api(server.url, server.headers)
    try:
        api.create_stack(name, STACK, variables={"TOKEN": {"value": SECRET, "secret": True}})
        api.apply(name, 1)
        time.sleep(1.5)
        yield name
    finally:
        api.close()
        remove_project(name)


def read(api: Api, stack: str, **params: Any) -> list[dict[str, Any]]:
    response = api.http.get(f"/stacks/{stack}/logs", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def test_every_containers_lines_tagged_and_ordered_by_time(api: Api, stack: str) -> None:
    lines = read(api, stack, tail=1000, timestamps=1)
    where = {(line["service"], line["replica"], line["container"]) for line in lines}
    assert where == {
        ("alpha", 1, f"{stack}-alpha-1"),
        ("alpha", 2, f"{stack}-alpha-2"),
        ("beta", 1, f"{stack}-beta-1"),
    }
    times = [line["time"] for line in lines]
    assert times == sorted(times)
    # merged, not one container after the other
    services = [line["service"] for line in lines]
    assert services != sorted(services)
    firsts = [line for line in lines if "hello" in line["line"]]
    assert {(f["service"], f["stream"], f["line"]) for f in firsts} == {
        ("alpha", "stdout", "alpha hello ***"),
        ("beta", "stderr", "beta hello"),
    }
    assert len(firsts) == 3
    assert SECRET not in str(lines)


def test_the_bounds_of_a_containers_logs_hold(api: Api, stack: str) -> None:
    everything = read(api, stack, tail=1000, timestamps=1)
    last = read(api, stack, tail=4, timestamps=1)
    assert len(last) == 4 and last[0]["time"] >= everything[-4]["time"]  # the newest four
    assert [line["time"] for line in last] == sorted(line["time"] for line in last)
    assert all(line["time"] is None for line in read(api, stack, tail=5))
    assert api.http.get(f"/stacks/{stack}/logs", params={"tail": 10001}).status_code == 422
    bad = api.http.get(f"/stacks/{stack}/logs", params={"since": 20, "until": 10})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "until"
    future = int(time.time()) + 3600
    assert read(api, stack, since=future) == []
    assert api.http.get("/stacks/no-such-stack/logs").status_code == 404


def test_follow_merges_the_containers_as_they_print(server: ServerProcess, stack: str) -> None:
    sse = Sse(f"{server.url}/api/v1/stacks/{stack}/logs?follow=1&tail=0", server.headers)
    try:
        seen: set[tuple[str, int]] = set()

        def new_tick(event: dict[str, Any]) -> bool:
            data = event["data"]
            if event["event"] == "stdout" and " tick " in data.get("line", ""):
                seen.add((data["service"], data["replica"]))
            return len(seen) == 3

        sse.wait_for(new_tick, timeout=15)
        assert seen == {("alpha", 1), ("alpha", 2), ("beta", 1)}
        assert all("hello" not in e["data"].get("line", "") for e in sse.seen)  # tail=0
        assert open_log_follows(server) == 3  # one engine connection per container
    finally:
        sse.close()
    deadline = time.monotonic() + 5
    while open_log_follows(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert open_log_follows(server) == 0  # the client left: every connection let go


def test_a_viewer_of_the_stack_reads_it_others_do_not_and_revocation_ends_a_follow(
    server: ServerProcess, api: Api, stack: str
) -> None:
    for name, roles in (("logviewer", {stack: "viewer"}), ("stranger", {})):
        body = {"username": name, "password": f"{name}-password-1", "role": None}
        created = api.http.post("/users", json={**body, "stack_roles": roles})
        assert created.status_code == 201, created.text
    viewer = login_headers(server.url, "logviewer", "logviewer-password-1")
    stranger = Api(server.url, login_headers(server.url, "stranger", "stranger-password-1"))
    try:
        assert stranger.http.get(f"/stacks/{stack}/logs").status_code == 404
    finally:
        stranger.close()
    sse = Sse(f"{server.url}/api/v1/stacks/{stack}/logs?follow=1&tail=1", viewer)
    try:
        sse.wait_for(lambda e: e["event"] == "stdout", timeout=10)
        assert api.http.patch("/users/logviewer", json={"enabled": False}).status_code == 200
        ended = sse.wait_for(lambda e: e["event"] == "end", timeout=5)
        assert "revoked" in ended["data"]["reason"]
    finally:
        sse.close()
