"""`python -m benchmarks.monitor`: status latency for 50 stacks x 10 containers (not a test).

The app runs in-process over a real SQLite database with 50 applied stacks; the engine is a
stand-in that answers the one list call with 500 containers shaped like the engine's rows
(and inspect, image and network look-ups), so the figure measures Core Monitor itself: the
HTTP layer, the database read, status aggregation and drift (the planner) per request.

- warm: the event stream is live, so list and inspect data come from the cache (the
  normal case);
- cold: the cache is dropped before every request (one list call for all stacks plus the
  stack's inspects, as right after an engine event).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from core_monitor.api.app import create_app
from core_monitor.compose import load_compose
from core_monitor.domain.actor import Actor
from core_monitor.domain.stack import StackStatus
from core_monitor.engine import labels as lbl
from core_monitor.engine.docker import rows
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.state import desired_state
from core_monitor.hosts.registry import LOCAL, Host, HostRegistry
from core_monitor.monitor.service import MonitorService
from core_monitor.runtime import Runtime
from core_monitor.services.stacks import create_stack
from core_monitor.settings import Settings
from core_monitor.store import stacks as stack_store

STACKS = 50
COMPOSE = """
services:
  web: {image: bench/app:1, deploy: {replicas: 4}, ports: ["8080"]}
  worker: {image: bench/app:1, deploy: {replicas: 3}}
  db: {image: bench/db:1, healthcheck: {test: ["CMD", "true"]}}
  cache: {image: bench/db:1}
  proxy: {image: bench/app:1}
"""
IMAGES = {"bench/app:1": "sha256:" + "a" * 64, "bench/db:1": "sha256:" + "b" * 64}


class StandInEngine(DockerGateway):
    """Answers reads from memory, shaped like the engine's answers."""

    def __init__(self) -> None:
        super().__init__("unix:///nonexistent.sock")
        self.rows: list[dict[str, Any]] = []
        self.inspects: dict[str, dict[str, Any]] = {}
        self.list_calls = 0

    def add(self, project: str, stack_id: str) -> None:
        state = desired_state(load_compose(COMPOSE, project_name=project), stack_id, 1)
        for service in state.services.values():
            for number in range(1, service.replicas + 1):
                name = f"{project}-{service.name}-{number}"
                cid = f"{len(self.rows):064x}"
                self.rows.append(
                    {
                        "Id": cid,
                        "Names": [f"/{name}"],
                        "Image": service.image,
                        "ImageID": IMAGES[service.image],
                        "State": "running",
                        "Status": "Up 2 hours" + (" (healthy)" if service.name == "db" else ""),
                        "Ports": [
                            {
                                "PrivatePort": 8080,
                                "PublicPort": 30000 + number,
                                "IP": "0.0.0.0",
                                "Type": "tcp",
                            }
                        ]
                        if service.name == "web"
                        else [],
                        "Labels": {
                            lbl.COMPOSE_PROJECT: project,
                            lbl.COMPOSE_SERVICE: service.name,
                            lbl.COMPOSE_NUMBER: str(number),
                            lbl.COMPOSE_CONFIG_HASH: service.config_hash,
                            lbl.STACK_ID: stack_id,
                            lbl.STACK_VERSION: "1",
                        },
                    }
                )
                health = {"Status": "healthy", "Log": [{"ExitCode": 0, "Output": "ok"}]}
                self.inspects[cid] = {
                    "Id": cid,
                    "RestartCount": 0,
                    "State": {
                        "Status": "running",
                        "StartedAt": "2026-01-01T00:00:00.123456789Z",
                        **({"Health": health} if service.name == "db" else {}),
                    },
                }

    def list_all_containers(self) -> list[ObservedContainer]:
        self.list_calls += 1
        return [rows.container(row) for row in self.rows]

    def inspect_container(self, ref: str) -> dict[str, Any] | None:
        return self.inspects.get(ref)

    def image_id(self, reference: str) -> str | None:
        return IMAGES.get(reference)

    def list_networks(self) -> list[dict[str, Any]]:
        return [{"Name": f"{row_project}_default"} for row_project in self.projects()]

    def list_volumes(self) -> list[dict[str, Any]]:
        return []

    def projects(self) -> set[str]:
        return {r["Labels"][lbl.COMPOSE_PROJECT] for r in self.rows}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_status(rounds: int = 20) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'coremon.db'}",
            worker=False,
            admin_password="bench-admin-password",  # noqa: S106
        )
        runtime = Runtime.build(settings)
        engine = StandInEngine()
        runtime.monitor = MonitorService(
            runtime.db, settings, HostRegistry({LOCAL: Host(LOCAL, engine)})
        )
        names = []
        for n in range(STACKS):
            name = f"bench{n:02d}"
            stack, _ = create_stack(
                runtime.db, Actor("bench"), name=name, compose=COMPOSE, variables={}, comment=""
            )
            with runtime.db.write() as session:
                stack_store.set_status(
                    session,
                    stack.stack_id,
                    StackStatus.RUNNING,
                    desired_version=1,
                    current_version=1,
                )
            engine.add(name, stack.stack_id)
            names.append(name)
        client = TestClient(create_app(runtime, run_worker=False))  # no lifespan: no listener
        token = client.post(
            "/api/v1/auth/token",
            data={"username": "admin", "password": "bench-admin-password"},
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"  # every request authenticates
        monitor = runtime.monitor
        cache = monitor.watches.get(LOCAL).cache
        cache.set_live(True)  # as if the event stream were connected
        for name in names:  # warm up: desired states, inspect cache
            body = client.get(f"/api/v1/stacks/{name}/status").json()
            assert (body["status"], body["drift"]) == ("RUNNING", []), body
        results: dict[str, list[float]] = {"warm": [], "cold": [], "all": []}
        for _ in range(rounds):
            for name in names:
                started = time.perf_counter()
                response = client.get(f"/api/v1/stacks/{name}/status")
                results["warm"].append(time.perf_counter() - started)
                assert response.status_code == 200
            for name in names:
                cache.invalidate_all()
                started = time.perf_counter()
                response = client.get(f"/api/v1/stacks/{name}/status")
                results["cold"].append(time.perf_counter() - started)
                assert response.status_code == 200
            started = time.perf_counter()
            response = client.get("/api/v1/status")
            results["all"].append(time.perf_counter() - started)
            assert len(response.json()) == STACKS
        runtime.close()
    print(f"monitor status: {STACKS} stacks x 10 containers, in-process HTTP, stand-in engine")
    labels = {
        "warm": "GET /stacks/{id}/status (cache live)",
        "cold": "GET /stacks/{id}/status (cache dropped)",
        "all": "GET /status (all 50 stacks)",
    }
    for key, values in results.items():
        print(
            f"  {labels[key]:42s} p50 {statistics.median(values) * 1000:6.2f} ms"
            f"   p95 {percentile(values, 0.95) * 1000:6.2f} ms   (n={len(values)})"
        )


def bench_engine_list(n: int = 50) -> None:
    """The one list call against the real engine, for scale (skipped when none answers)."""
    gateway = DockerGateway()
    try:
        found = gateway.list_all_containers()
    except Exception as exc:
        print(f"  real engine list call: skipped ({str(exc).splitlines()[0][:80]})")
        return
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        gateway.list_all_containers()
        timings.append(time.perf_counter() - started)
    gateway.close()
    print(
        f"  {'real engine: one list call (' + str(len(found)) + ' containers)':42s}"
        f" p50 {statistics.median(timings) * 1000:6.2f} ms"
        f"   p95 {percentile(timings, 0.95) * 1000:6.2f} ms   (n={n})"
    )


def main() -> None:
    bench_status()
    bench_engine_list()


if __name__ == "__main__":
    main()
