"""Monitoring per Docker host (issue 18), with a second engine on this machine: a stack on
each engine is monitored at once (status, logs, stats, /status/hosts, /metrics with a host
label); the second engine stops → only its stack turns UNKNOWN, saying why, while the local
stack still answers at once; it comes back → its status and its events recover, and an
event of the second engine reaches the event stream with its host."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
import uvicorn
from docker.tls import TLSConfig

from core_monitor.api.app import create_app
from core_monitor.runtime import Runtime
from tests.acceptance.test_monitoring import Sse
from tests.support.docker_probe import remove_project, require_docker
from tests.support.helpers import login, make_settings
from tests.support.second_engine import IMAGE, SecondEngine, start_second_engine
from tests.support.server import free_port

pytestmark = [pytest.mark.docker, pytest.mark.slow]


COMPOSE = f"""
services:
  app:
    image: {IMAGE}
    init: true
    restart: always
    command: [sh, -c, 'i=0; while true; do echo "tick $$i"; i=$$((i+1)); sleep 0.3; done']
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecondEngine]:
    require_docker()
    # requests would let these override the TLS engine's own CA (see test_second_engine.py)
    saved = {
        k: os.environ.pop(k) for k in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") if k in os.environ
    }
    started = start_second_engine(Path(tmp_path_factory.mktemp("hosts-monitoring")))
    yield started
    started.remove()
    os.environ.update(saved)


def register(served: Served, engine: SecondEngine, name: str) -> str:
    """The second engine registered through the API, as an admin would (TLS material)."""
    tls = {k: (engine.tls / f"{k}.pem").read_text() for k in ("ca", "cert", "key")}
    made = served.http.post("/hosts", json={"name": name, "address": engine.url, "tls": tls})
    assert made.status_code == 201, made.text
    return str(made.json()["host_id"])


def wait_for(ready: Callable[[], bool], timeout: float = 60.0, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(every)


class Served:
    def __init__(self, runtime: Runtime) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(runtime, run_worker=True), port=free_port(), log_level="warning"
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.server.started, timeout=30, every=0.05)
        self.url = f"http://127.0.0.1:{self.server.config.port}"
        self.http = httpx.Client(base_url=self.url, timeout=30)
        login(self.http)
        self.http.base_url = httpx.URL(f"{self.url}/api/v1/")

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(15)


def second_client(engine: SecondEngine) -> docker.DockerClient:
    tls = TLSConfig(
        client_cert=(str(engine.tls / "cert.pem"), str(engine.tls / "key.pem")),
        ca_cert=str(engine.tls / "ca.pem"),
        verify=True,
    )
    return docker.DockerClient(base_url=engine.url.replace("tcp://", "https://"), tls=tls)


def test_stacks_on_two_hosts_monitored_at_once_and_one_host_down_alone(
    tmp_path: Path, engine: SecondEngine
) -> None:
    tag = uuid.uuid4().hex[:6]
    near, far = f"hmon-near-{tag}", f"hmon-far-{tag}"
    settings = make_settings(
        f"sqlite:///{tmp_path / 'c.db'}", data_dir=tmp_path, max_stream_seconds=120
    )
    served = Served(Runtime.build(settings))
    try:
        second = register(served, engine, f"hmon-{tag}")
        check_both_hosts(served, engine, near, (far, second))
    finally:
        served.close()
        remove_project(near)


def check_both_hosts(
    served: Served, engine: SecondEngine, near: str, far_on: tuple[str, str]
) -> None:
    far, second = far_on
    http = served.http
    for name, host in ((near, "local"), (far, second)):
        made = http.post("/stacks", json={"name": name, "compose": COMPOSE, "host": host})
        assert made.status_code == 201, made.text
        command = http.post(f"/stacks/{name}/apply/1").json()["command_id"]
        wait_for(lambda c=command: served.get(f"/commands/{c}")["status"] == "DONE")

    # both at once: each stack judged on its own engine
    wait_for(lambda: {s["name"]: s["status"] for s in served.get("/status")}.get(far) == "RUNNING")
    summary = {s["name"]: s for s in served.get("/status")}
    assert (summary[near]["host_id"], summary[near]["status"]) == ("local", "RUNNING")
    assert (summary[far]["host_id"], summary[far]["status"]) == (second, "RUNNING")
    status = served.get(f"/stacks/{far}/status")
    assert status["host_id"] == second and status["drift"] == [], status
    hosts = {h["host_id"]: h for h in served.get("/status/hosts")}
    assert hosts[second]["reachable"] and hosts[second]["facts"]["cpus"] >= 1
    assert hosts[second]["stacks"] == {"RUNNING": 1} and hosts["local"]["reachable"]

    # the second engine's container, read through the API
    container = f"{far}-app-1"
    wait_for(lambda: any("tick" in x["line"] for x in served.get(f"/containers/{container}/logs")))
    stats = served.get(f"/containers/{container}/stats")
    assert stats["pids"] >= 1 and stats["memory_used_bytes"] > 0
    assert served.get(f"/containers/{container}")["stack"] == far
    assert [x["service"] for x in served.get(f"/stacks/{far}/logs", tail=5)] == ["app"] * 5

    metrics = httpx.get(f"{served.url}/metrics", headers=http.headers).text
    assert f'coremon_stacks{{host="{second}",status="RUNNING"}} 1.0' in metrics
    assert 'coremon_stacks{host="local",status="RUNNING"}' in metrics
    assert f'coremon_host_up{{host="{second}"}} 1.0' in metrics

    events = Sse(f"{served.url}/api/v1/events", dict(http.headers))
    try:
        down_and_back(served, engine, near, far_on, events)
    finally:
        events.close()


def down_and_back(
    served: Served, engine: SecondEngine, near: str, far_on: tuple[str, str], events: Sse
) -> None:
    far, second = far_on
    engine.stop()
    try:
        wait_for(lambda: served.get(f"/stacks/{far}/status")["status"] == "UNKNOWN", timeout=15)
        status = served.get(f"/stacks/{far}/status")
        assert "Docker engine unreachable at" in status["reason"], status
        assert engine.url.removeprefix("tcp://") in status["reason"]
        started = time.monotonic()
        assert served.get(f"/stacks/{near}/status")["status"] == "RUNNING"
        summary = {s["name"]: s for s in served.get("/status")}
        assert time.monotonic() - started < 2.0  # the host that is down holds no one up
        assert summary[far]["status"] == "UNKNOWN" and summary[near]["status"] == "RUNNING"
        hosts = {h["host_id"]: h for h in served.get("/status/hosts")}
        assert not hosts[second]["reachable"] and hosts[second]["reason"]
        assert hosts["local"]["reachable"]
        gone = http_status(served, f"/containers/{far}-app-1/logs")
        assert gone == 503  # said plainly, never a 500
        metrics = httpx.get(f"{served.url}/metrics", headers=served.http.headers).text
        assert f'coremon_host_up{{host="{second}"}} 0.0' in metrics
        assert f'coremon_stacks{{host="{second}",status="UNKNOWN"}} 1.0' in metrics
    finally:
        engine.start()

    # back: the listener reconnects, the status recovers, its events flow again
    wait_for(lambda: served.get(f"/stacks/{far}/status")["status"] == "RUNNING", timeout=60)
    events.wait_for(
        lambda e: (
            e["event"] == "engine"
            and e["data"]["host"] == second
            and e["data"]["action"] == "connected"
        ),
        timeout=30,
    )
    second_client(engine).containers.get(f"{far}-app-1").restart(timeout=1)
    seen = events.wait_for(
        lambda e: (
            e["event"] == "container"
            and e["data"]["stack"] == far
            and e["data"]["action"] == "start"
        ),
        timeout=30,
    )
    assert seen["data"]["host"] == second


def http_status(served: Served, path: str) -> int:
    return served.http.get(path).status_code
