"""Overload: fifty clients enqueueing at once get 202 or 503 + Retry-After, never a 500.

A real `coremon serve` on PostgreSQL and the real engine. The database is made slow on
purpose: the test holds an exclusive lock on the stacks table (of its own schema) for a
few seconds, so every request that reads a stack holds its pooled connection until the
lock goes. The server must then answer the others 503 with Retry-After within its pool
timeout instead of letting them hang (or fail with 500 after SQLAlchemy's 30 s), keep the
worker's lease alive (its pools are its own), and accept every request once the clients
retry. Each client sends its commands with an Idempotency-Key and retries the same request
after Retry-After, as the console does: every request is accepted exactly once.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.api_client import Api
from tests.support.docker_probe import require_docker
from tests.support.server import ServerProcess

STACK_PREFIX = "load"  # the shared `stack` fixture: <prefix>-<random>

CLIENTS = 50
ENQUEUES = 4
POOL_TIMEOUT = 1.0
HOLD = 6.0  # seconds the stacks table stays locked
IDLE = """
services:
  app:
    image: coremon-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
"""


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str
    at: float  # time.monotonic() when it arrived


@pytest.fixture
def server(postgres_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    require_docker()
    process = ServerProcess(
        postgres_url,
        tmp_path / "server.log",
        COREMON_DB_POOL_SIZE="2",
        COREMON_DB_POOL_TIMEOUT_SECONDS=str(POOL_TIMEOUT),
        COREMON_QUEUE_ON_FAILURE="continue",
    )
    try:
        yield process.start()
    finally:
        process.stop()


async def client(base: str, headers: dict[str, str], path: str) -> list[Answer]:
    """ENQUEUES commands one after the other, each retried on 503 with its own key."""
    answers: list[Answer] = []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as http:
        for _ in range(ENQUEUES):
            key = str(uuid.uuid4())
            while True:
                response = await http.post(path, headers={"Idempotency-Key": key})
                retry = response.headers.get("Retry-After", "")
                answers.append(Answer(response.status_code, retry, time.monotonic()))
                if response.status_code != 503 or not retry.isdigit():
                    break
                await asyncio.sleep(min(int(retry), 1))
    return answers


async def crowd(base: str, headers: dict[str, str], path: str) -> list[Answer]:
    results = await asyncio.gather(*(client(base, headers, path) for _ in range(CLIENTS)))
    return [answer for answers in results for answer in answers]


class SlowDatabase(threading.Thread):
    """Holds the stacks table locked for HOLD seconds, checking meanwhile that the
    worker's queue lease stays renewed."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url)
        self.locked = threading.Event()
        self.released_at = 0.0
        self.lease_lapses: list[float] = []

    def run(self) -> None:
        with self.engine.connect() as conn, conn.begin():
            conn.execute(text("LOCK TABLE stacks IN ACCESS EXCLUSIVE MODE"))
            self.locked.set()
            deadline = time.monotonic() + HOLD
            with self.engine.connect() as probe:
                while time.monotonic() < deadline:
                    expires = probe.execute(text("SELECT expires_at FROM queue_lease")).scalar()
                    probe.rollback()
                    if float(expires or 0) < time.time():
                        self.lease_lapses.append(time.time() - float(expires or 0))
                    time.sleep(0.5)
        self.released_at = time.monotonic()
        self.engine.dispose()


def wait_drained(api: Api, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queue = api.http.get("/queue").json()
        if queue["depth"] == 0 and queue["running"] is None:
            return
        time.sleep(0.5)
    raise AssertionError(f"the queue did not drain: {api.http.get('/queue').json()}")


@pytest.mark.docker
@pytest.mark.postgres
def test_fifty_clients_get_202_or_503_with_retry_after_and_the_queue_drains(
    server: ServerProcess, stack: str, postgres_url: str
) -> None:
    api = Api(server.url, server.headers)
    api.create_stack(stack, IDLE)
    api.apply(stack, 1)
    slow = SlowDatabase(postgres_url)
    slow.start()
    assert slow.locked.wait(30)
    started = time.monotonic()
    answers = asyncio.run(crowd(f"{server.url}/api/v1", server.headers, f"/stacks/{stack}/start"))
    slow.join()

    assert {a.status for a in answers} <= {202, 503}, sorted({a.status for a in answers})
    busy = [a for a in answers if a.status == 503]
    assert all(a.retry_after.isdigit() and int(a.retry_after) >= 1 for a in busy)
    # while the table was locked, the server said "busy" within its pool timeout …
    first_busy = min((a.at for a in busy), default=float("inf"))
    assert first_busy - started < POOL_TIMEOUT + 3.0, "no 503 while the database was stuck"
    assert not slow.lease_lapses, f"the worker's lease lapsed: {slow.lease_lapses}"
    # … and once it was free, every request was accepted, each key once
    assert sum(a.status == 202 for a in answers) == CLIENTS * ENQUEUES
    wait_drained(api, timeout=120)
    done = api.http.get("/commands", params={"type": "START", "limit": 500}).json()
    assert done["total"] == CLIENTS * ENQUEUES
    assert {c["status"] for c in done["items"]} == {"DONE"}
    api.close()
