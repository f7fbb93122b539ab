"""Replicas (issue 18): three `coremon serve` processes share one PostgreSQL database and the
real engine. The lease holder is killed (-9) while it runs an APPLY; another takes the lease
and runs the command again to DONE within COREMON_LEASE_SECONDS + 5 s, with the default
lease; clients following the event stream of either survivor see the command finish (the
survivor that did not run it learns of it from the database: monitor/command_feed.py)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from core_monitor.settings import Settings
from core_monitor.store.db import Database
from core_monitor.store.tables import QueueLeaseRow
from tests.support.api_client import Api
from tests.support.docker_probe import remove_project, require_docker
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.docker, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]

IMAGE = "coremon-test/busybox:latest"
SLEEPER = "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"
# the APPLY waits for `web` to become healthy (about 4 s after it starts): long enough to
# kill the worker in the middle of it
COMPOSE = f"""
services:
  web:
    image: {IMAGE}
    command: [sh, -c, "sleep 4; touch /tmp/ready; {SLEEPER}"]
    healthcheck:
      test: [CMD, test, -f, /tmp/ready]
      interval: 1s
      retries: 30
  app:
    image: {IMAGE}
    command: [sh, -c, "{SLEEPER}"]
    depends_on:
      web: {{condition: service_healthy}}
"""
DEFAULT_LEASE = Settings.model_fields["lease_seconds"].default


@pytest.fixture
def stack() -> Iterator[str]:
    require_docker()
    name = f"fo-{uuid.uuid4().hex[:8]}"
    yield name
    remove_project(name)


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


class Follower(threading.Thread):
    """A client of one server's event stream, collecting the command events it sees."""

    def __init__(self, server: ServerProcess, stack: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{server.url}/api/v1/events?stack={stack}"
        self.headers = {**server.headers, "Accept": "text/event-stream"}
        self.events: list[dict[str, object]] = []
        self.connected = threading.Event()

    def run(self) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(5, read=None)) as client,
                client.stream("GET", self.url, headers=self.headers) as response,
            ):
                self.connected.set()
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        self.events.append(json.loads(line[5:]))
        except httpx.HTTPError:
            pass  # the server stopped at the end of the test

    def saw_finished(self, command_id: str) -> bool:
        return any(
            e.get("kind") == "command"
            and e.get("action") == "finished"
            and e.get("command_id") == command_id
            for e in list(self.events)
        )


def holder_pid(db: Database) -> int | None:
    with db.read() as session:
        holder = session.scalar(select(QueueLeaseRow.holder)) or ""
    return int(holder.split(":")[1]) if ":" in holder else None


def test_killing_the_lease_holder_mid_apply_fails_over_to_another_replica(
    postgres_url: str, tmp_path: Path, stack: str, servers: list[ServerProcess]
) -> None:
    for i in range(3):
        servers.append(ServerProcess(postgres_url, tmp_path / f"replica-{i}.log").start())
    db = Database(postgres_url)
    api = Api(servers[0].url, servers[0].headers)
    api.create_stack(stack, COMPOSE)
    command_id = api.enqueue(f"/stacks/{stack}/apply/1")
    deadline = time.monotonic() + 60
    while api.command(command_id)["status"] != "RUNNING" or holder_pid(db) is None:
        assert time.monotonic() < deadline, "the APPLY never started"
        time.sleep(0.05)
    holder = next(s for s in servers if s.process and s.process.pid == holder_pid(db))
    survivors = [s for s in servers if s is not holder]
    followers = [Follower(s, stack) for s in survivors]
    for follower in followers:
        follower.start()
        assert follower.connected.wait(10)
    time.sleep(1.0)  # well inside the APPLY (it waits about 4 s for web's health)
    assert api.command(command_id)["status"] == "RUNNING"

    holder.kill9()
    killed = time.monotonic()
    watcher = Api(survivors[0].url, survivors[0].headers)
    while (status := watcher.command(command_id)["status"]) != "DONE":
        assert status in ("RUNNING", "PENDING"), f"the APPLY ended {status}"
        assert time.monotonic() - killed < DEFAULT_LEASE + 5 + 30, "no replica took over"
        time.sleep(0.05)
    failover = time.monotonic() - killed
    print(f"\nfailover: {failover:.1f} s from kill -9 to DONE (lease {DEFAULT_LEASE:g} s)")
    assert failover < DEFAULT_LEASE + 5
    assert holder_pid(db) in {s.process.pid for s in survivors if s.process}

    deadline = time.monotonic() + 5
    while not all(f.saw_finished(command_id) for f in followers):
        assert time.monotonic() < deadline, [
            (s.url, f.saw_finished(command_id)) for s, f in zip(survivors, followers, strict=True)
        ]
        time.sleep(0.05)
    watcher.close()
    api.close()
    db.dispose()
