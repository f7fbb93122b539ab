"""Monitoring on a real Docker engine through a real server: status, drift, events, logs,
stats, host, metrics. The dockerd restart test runs last and only touches its own project."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core_monitor.engine.docker.gateway import DockerGateway
from tests.support.api_client import Api
from tests.support.docker_probe import containers, docker
from tests.support.server import ServerProcess, served

STACK_PREFIX = "mon"  # the shared `stack` fixture: <prefix>-<random>

IMAGE = "coremon-test/busybox:latest"

STACK = f"""
services:
  app:
    image: {IMAGE}
    command:
      - sh
      - -c
      - >-
        trap 'exit 0' TERM; i=0;
        while true; do echo out $$i; echo err $$i >&2; i=$$((i+1)); sleep 0.2; done
    healthcheck:
      test: ["CMD-SHELL", "test ! -f /tmp/sick && echo fine"]
      interval: 1s
      retries: 1
  side:
    image: {IMAGE}
    command: ["sh", "-c", "trap 'exit 143' TERM; while true; do sleep 1; done"]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(
        tmp_path_factory,
        "monitor",
        COREMON_QUEUE_ON_FAILURE="continue",
        COREMON_MAX_STREAM_SECONDS="120",
    )


class Sse:
    """Reads a server-sent event stream in a thread; events land in a queue."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self._client = httpx.Client(timeout=httpx.Timeout(5, read=None))
        self._response: httpx.Response | None = None
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, headers or {}), daemon=True)
        self._thread.start()
        assert self._opened.wait(10), "SSE stream did not open"

    def _run(self, url: str, headers: dict[str, str]) -> None:
        try:
            headers = {"Accept": "text/event-stream", **headers}
            with self._client.stream("GET", url, headers=headers) as response:
                self._response = response
                self._opened.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if not line:
                        if "data" in fields:
                            event = {
                                "id": fields.get("id"),
                                "event": fields.get("event", "message"),
                                "data": json.loads(fields["data"]),
                            }
                            self.events.put(event)
                        fields = {}
                    elif not line.startswith(":"):
                        key, _, value = line.partition(":")
                        fields[key] = value.lstrip(" ")
        except Exception:  # closed by the test
            pass
        finally:
            self._opened.set()

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for event in self.seen:
            if predicate(event):
                return event
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(event)
            if predicate(event):
                return event
        raise AssertionError(f"no matching event within {timeout}s; saw {self.seen[-20:]}")

    def close(self) -> None:
        if self._response is not None:
            self._response.close()
        self._client.close()


def status(api: Api, stack: str) -> dict[str, Any]:
    response = api.http.get(f"/stacks/{stack}/status")
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_status(
    api: Api, stack: str, predicate: Callable[[dict[str, Any]], bool], timeout: float = 15
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body = status(api, stack)
    while not predicate(body):
        if time.monotonic() > deadline:
            raise AssertionError(f"status never matched: {json.dumps(body, indent=1)[:3000]}")
        time.sleep(0.1)
        body = status(api, stack)
    return body


def container_of(body: dict[str, Any], name: str) -> dict[str, Any]:
    for service in body["services"]:
        for c in service["containers"]:
            if c["name"] == name:
                return dict(c)
    raise AssertionError(f"{name} not in status")


def deployed(api: Api, stack: str, compose: str = STACK) -> dict[str, Any]:
    api.create_stack(stack, compose)
    api.apply(stack, 1)
    return wait_status(
        api,
        stack,
        lambda b: (
            b["status"] == "RUNNING" and container_of(b, f"{stack}-app-1")["health"] == "healthy"
        ),
    )


def events_url(server: ServerProcess, stack: str) -> str:
    return f"{server.url}/api/v1/events?stack={stack}"


def test_status_of_a_running_stack(api: Api, stack: str) -> None:
    body = deployed(api, stack)
    assert (body["desired_version"], body["current_version"]) == (1, 1)
    assert body["container_versions"] == [1]
    assert body["drift"] == []
    app = container_of(body, f"{stack}-app-1")
    assert app["state"] == "running"
    assert app["health"] == "healthy"
    assert app["health_output"] == "fine"
    assert app["restart_count"] == 0
    assert app["uptime_seconds"] >= 0
    assert app["image"] == IMAGE
    assert [s["name"] for s in body["services"]] == ["app", "side"]
    listed = api.http.get(f"/stacks/{stack}/containers").json()
    assert [c["name"] for c in listed] == [f"{stack}-app-1", f"{stack}-side-1"]
    summary = {s["name"]: s for s in api.http.get("/status").json()}
    assert summary[stack]["status"] == "RUNNING"
    assert summary[stack]["running"] == 2


PROBED = f"""
services:
  probe:
    image: {IMAGE}
    init: true
    command: ["sh", "-c", "while true; do sleep 1; done"]
    healthcheck:
      test: ["CMD-SHELL", "cat /tmp/said 2>/dev/null || echo first"]
      interval: 1s
"""


def test_the_last_check_output_follows_the_probe_while_the_status_stays(
    api: Api, stack: str
) -> None:
    """A probe changes the health log without any event the monitor follows: the cached
    inspect of a health-checked container is at most two seconds old."""
    api.create_stack(stack, PROBED)
    api.apply(stack, 1)
    name = f"{stack}-probe-1"
    wait_status(api, stack, lambda b: container_of(b, name)["health_output"] == "first")
    docker("exec", name, "sh", "-c", "echo second > /tmp/said")
    body = wait_status(
        api, stack, lambda b: container_of(b, name)["health_output"] == "second", timeout=6
    )
    assert container_of(body, name)["health"] == "healthy"


def test_the_engine_stream_leaves_out_the_probes_execs(api: Api, stack: str) -> None:
    deployed(api, stack)  # app is probed every second: three exec_* events a probe
    stream = DockerGateway().events(since=int(time.time()))
    seen: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: seen.extend(stream), daemon=True)
    reader.start()
    try:
        time.sleep(3)
        docker("kill", f"{stack}-side-1")
        deadline = time.monotonic() + 5
        while not any(e.get("Action") == "die" for e in seen) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stream.close()
    actions = {str(e.get("Action")) for e in seen}
    assert {"kill", "die"} <= actions
    assert not [a for a in actions if a.startswith("exec_")]


def test_killed_container_is_seen_within_two_seconds_and_degrades(
    server: ServerProcess, api: Api, stack: str
) -> None:
    deployed(api, stack)
    sse = Sse(events_url(server, stack), server.headers)
    try:
        started = time.monotonic()
        docker("kill", f"{stack}-side-1")
        event = sse.wait_for(
            lambda e: e["event"] == "container" and e["data"]["action"] == "die", timeout=2
        )
        assert time.monotonic() - started < 2
        assert event["data"]["container"] == f"{stack}-side-1"
        assert event["data"]["exit_code"] == 137
        body = wait_status(api, stack, lambda b: b["status"] == "DEGRADED", timeout=2)
        side = container_of(body, f"{stack}-side-1")
        assert (side["state"], side["exit_code"]) == ("exited", 137)
        assert [(d["difference"], d["drifted"]) for d in body["drift"]] == [("not_running", False)]
    finally:
        sse.close()


def test_unhealthy_shows_in_status_and_events(server: ServerProcess, api: Api, stack: str) -> None:
    deployed(api, stack)
    sse = Sse(events_url(server, stack), server.headers)
    try:
        docker("exec", f"{stack}-app-1", "touch", "/tmp/sick")
        event = sse.wait_for(
            lambda e: (
                e["data"].get("action") == "health_status"
                and e["data"].get("health") == "unhealthy"
            ),
            timeout=10,
        )
        assert event["data"]["container"] == f"{stack}-app-1"
        body = wait_status(api, stack, lambda b: b["status"] == "DEGRADED", timeout=5)
        app = container_of(body, f"{stack}-app-1")
        assert app["health"] == "unhealthy"
        docker("exec", f"{stack}-app-1", "rm", "/tmp/sick")
        sse.wait_for(lambda e: e["data"].get("health") == "healthy", timeout=10)
        wait_status(api, stack, lambda b: b["status"] == "RUNNING", timeout=5)
    finally:
        sse.close()


def summary(api: Api, stack: str) -> dict[str, Any]:
    found = [s for s in api.http.get("/status").json() if s["name"] == stack]
    assert len(found) == 1, found
    return dict(found[0])


def test_the_summary_counts_each_stacks_health(api: Api, stack: str) -> None:
    """What the dashboard shows per stack: containers by health (side has no healthcheck)."""
    deployed(api, stack)
    counts = ("containers", "running", "healthy", "unhealthy", "starting")
    assert {k: summary(api, stack)[k] for k in counts} == {
        "containers": 2,
        "running": 2,
        "healthy": 1,
        "unhealthy": 0,
        "starting": 0,
    }
    docker("exec", f"{stack}-app-1", "touch", "/tmp/sick")
    wait_status(api, stack, lambda b: b["status"] == "DEGRADED", timeout=10)
    assert (summary(api, stack)["healthy"], summary(api, stack)["unhealthy"]) == (0, 1)


def test_container_replaced_by_hand_is_drifted(api: Api, stack: str) -> None:
    deployed(api, stack)
    name = f"{stack}-side-1"
    labels = containers(stack)[name]["Config"]["Labels"]
    docker("rm", "-f", name)
    labels["com.docker.compose.config-hash"] = "by-hand"
    args = [arg for k, v in labels.items() for arg in ("--label", f"{k}={v}")]
    docker("run", "-d", "--name", name, *args, IMAGE, "sleep", "3600")
    body = wait_status(api, stack, lambda b: b["status"] == "DRIFTED")
    assert [(d["kind"], d["target"], d["difference"]) for d in body["drift"]] == [
        ("recreate_container", name, "config_changed")
    ]
    assert "configuration hash differs" in body["drift"][0]["reason"]
    plan = api.plan(stack, 1)  # the drift is what APPLY would do now
    assert (plan[0]["kind"], plan[0]["target"]) == ("recreate_container", name)
    api.apply(stack, 1)
    wait_status(api, stack, lambda b: b["status"] == "RUNNING" and b["drift"] == [])


def test_stopped_or_removed_by_hand_is_drifted_but_stop_command_is_not(
    api: Api, stack: str
) -> None:
    deployed(api, stack)
    docker("stop", f"{stack}-side-1")
    body = wait_status(api, stack, lambda b: b["status"] == "DRIFTED")
    assert [(d["target"], d["difference"]) for d in body["drift"]] == [
        (f"{stack}-side-1", "stopped")
    ]
    docker("rm", "-f", f"{stack}-app-1")
    body = wait_status(api, stack, lambda b: len(b["drift"]) == 2)
    assert {(d["target"], d["difference"]) for d in body["drift"]} == {
        (f"{stack}-side-1", "stopped"),
        (f"{stack}-app-1", "missing"),
    }
    assert container_of(body, f"{stack}-app-1")["state"] == "missing"
    api.apply(stack, 1)
    api.run(f"/stacks/{stack}/stop")
    body = wait_status(api, stack, lambda b: b["status"] == "STOPPED")
    assert body["drift"] == []


def test_logs_tail_and_follow(server: ServerProcess, api: Api, stack: str) -> None:
    deployed(api, stack)
    app = f"{stack}-app-1"
    time.sleep(1)
    lines = api.http.get(f"/containers/{app}/logs", params={"tail": 6}).json()
    assert len(lines) == 6
    assert {line["stream"] for line in lines} == {"stdout", "stderr"}
    assert all(
        line["line"].startswith("out ")
        if line["stream"] == "stdout"
        else line["line"].startswith("err ")
        for line in lines
    )
    stamped = api.http.get(f"/containers/{app}/logs", params={"tail": 2, "timestamps": 1}).json()
    assert all(line["time"].startswith("20") for line in stamped)
    assert api.http.get(f"/containers/{app}/logs", params={"tail": 10001}).status_code == 422
    last = max(int(line["line"].split()[1]) for line in lines)
    sse = Sse(f"{server.url}/api/v1/containers/{app}/logs?follow=1&tail=0", server.headers)
    try:
        event = sse.wait_for(
            lambda e: e["event"] == "stdout" and int(e["data"]["line"].split()[1]) > last + 3,
            timeout=10,
        )
        assert event["data"]["stream"] == "stdout"
        sse.wait_for(lambda e: e["event"] == "stderr", timeout=5)
    finally:
        sse.close()


def test_stats_inspect_and_unmanaged_containers(api: Api, stack: str) -> None:
    deployed(api, stack)
    app = f"{stack}-app-1"
    stats = api.http.get(f"/containers/{app}/stats")
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert body["memory_used_bytes"] > 0
    assert body["memory_limit_bytes"] > 0
    assert body["pids"] >= 1
    assert body["cpu_percent"] >= 0
    detail = api.http.get(f"/containers/{app}").json()
    assert (detail["stack"], detail["service"], detail["state"]) == (stack, "app", "running")
    assert detail["id"] == containers(stack)[app]["Id"]
    assert api.http.get(f"/containers/{detail['id'][:12]}").status_code == 200
    stranger = f"mon-unmanaged-{uuid.uuid4().hex[:6]}"
    docker("run", "-d", "--name", stranger, IMAGE, "sleep", "60")
    try:
        for path in (stranger, f"{stranger}/stats", f"{stranger}/logs"):
            assert api.http.get(f"/containers/{path}").status_code == 404
    finally:
        docker("rm", "-f", stranger)


def test_host_health_readiness_and_metrics(server: ServerProcess, api: Api, stack: str) -> None:
    deployed(api, stack)
    host = api.http.get("/host").json()
    assert host["reachable"] is True
    assert host["cpus"] >= 1 and host["memory_bytes"] > 0
    assert host["containers"]["running"] >= 2
    assert host["disk"]["images_bytes"] > 0
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{server.url}/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["engine"] == "ok"
    metrics = httpx.get(f"{server.url}/metrics", headers=server.headers).text
    assert 'coremon_stacks{host="local",status="RUNNING"}' in metrics
    assert 'coremon_containers{health="healthy",host="local",state="running"}' in metrics
    assert 'coremon_host_up{host="local"} 1.0' in metrics
    assert "coremon_queue_depth 0.0" in metrics
    assert "coremon_queue_halted 0.0" in metrics
    assert "coremon_engine_reachable 1.0" in metrics
    assert 'coremon_command_duration_seconds_count{outcome="DONE",type="APPLY"}' in metrics
    assert 'coremon_apply_steps_total{kind="create_container"}' in metrics


def test_command_events_resume_and_json_logs(server: ServerProcess, api: Api, stack: str) -> None:
    api.create_stack(stack, STACK)
    sse = Sse(events_url(server, stack), server.headers)
    try:
        command_id = api.enqueue(f"/stacks/{stack}/apply/1")
        api.wait(command_id)
        for action in ("queued", "started", "finished"):
            sse.wait_for(
                lambda e, a=action: e["event"] == "command" and e["data"]["action"] == a,
                timeout=10,
            )
        finished = sse.wait_for(lambda e: e["data"]["action"] == "finished", timeout=1)
        assert finished["data"]["command_id"] == command_id
        assert finished["data"]["status"] == "DONE"
        queued = sse.wait_for(lambda e: e["data"]["action"] == "queued", timeout=1)
    finally:
        sse.close()
    resume = {**server.headers, "Last-Event-ID": str(queued["id"])}
    replay = Sse(events_url(server, stack), headers=resume)
    try:
        again = replay.wait_for(lambda e: e["data"].get("action") == "finished", timeout=5)
        assert again["id"] == finished["id"]
        assert all(int(e["id"]) > int(queued["id"]) for e in replay.seen)
    finally:
        replay.close()
    polled = api.http.get("/events", params={"stack": stack, "after": queued["id"]}).json()
    assert [e["id"] for e in polled if e["kind"] == "command"][-1] == int(finished["id"])
    records = [
        json.loads(line)
        for line in server.log_path.read_text().splitlines()
        if line.startswith("{") and command_id in line
    ]
    done = [r for r in records if r.get("event") == "command finished"]
    assert done and done[0]["stack_id"] and done[0]["command_id"] == command_id


def _restart_dockerd() -> None:
    subprocess.run(["pkill", "dockerd"], check=False)
    deadline = time.monotonic() + 60
    while subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "dockerd did not stop"
        time.sleep(0.2)
    with Path("/var/log/dockerd.log").open("ab") as log:
        subprocess.Popen(["nohup", "dockerd"], stdout=log, stderr=log, start_new_session=True)
    while subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        assert time.monotonic() < deadline, "dockerd did not come back"
        time.sleep(0.5)


@pytest.mark.slow
def test_event_stream_survives_a_dockerd_restart(
    server: ServerProcess, api: Api, stack: str
) -> None:
    """Last in the module: restarting dockerd stops every container without a restart
    policy; this stack's containers restart by themselves (restart: always)."""
    compose = STACK.replace("  side:\n", "    restart: always\n  side:\n") + "    restart: always\n"
    deployed(api, stack, compose)
    sse = Sse(events_url(server, stack), server.headers)
    try:
        _restart_dockerd()
        sse.wait_for(lambda e: e["event"] == "engine" and e["data"]["action"] == "disconnected", 30)
        sse.wait_for(lambda e: e["event"] == "engine" and e["data"]["action"] == "connected", 60)
        wait_status(api, stack, lambda b: b["status"] == "RUNNING", timeout=60)
        docker("kill", f"{stack}-side-1")
        sse.wait_for(  # only the new daemon can report this one (shutdown gave 143)
            lambda e: (
                e["event"] == "container"
                and e["data"]["action"] == "die"
                and e["data"]["container"] == f"{stack}-side-1"
                and e["data"]["exit_code"] == 137
            ),
            timeout=5,
        )
    finally:
        sse.close()
