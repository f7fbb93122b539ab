"""hosts: enqueue → start latency of a command on one host while another host's command runs.

The queue is one strict order (spec): a command waits for the one queued before it, even
when that one acts on another Docker host. Measured on a real `coremon serve` (SQLite) with
two engines, `local` and a second engine on this machine (tests/support/second_engine.py,
TLS on 127.0.0.1; root only), each with one stack:

- idle: a RESTART of the local stack with the queue empty (enqueue → started_at).
- behind: the same RESTART queued right after a RESTART of the second engine's stack that
  takes ~2 s (`sleep` as PID 1 ignores SIGTERM: its stop lasts its 2 s grace period); the
  figure is that command's remaining time plus the claim: what "a slow host delays the
  commands queued after its command" costs.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx

from tests.support.docker_probe import remove_project
from tests.support.server import ServerProcess

IMAGE = "coremon-test/busybox:latest"
FAST = f"services:\n  app:\n    image: {IMAGE}\n    command: [sleep, '3600']\n    init: true\n"
SLOW = (
    f"services:\n  app:\n    image: {IMAGE}\n    command: [sleep, '3600']\n"
    "    stop_grace_period: 2s\n"
)


def _wait(client: httpx.Client, command_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body = dict(client.get(f"/api/v1/commands/{command_id}").json())
        if body["status"] in ("DONE", "FAILED", "CANCELLED"):
            assert body["status"] == "DONE", body
            return body
        time.sleep(0.02)
    raise TimeoutError(command_id)


def _seconds(body: dict[str, object], start: str, end: str) -> float:
    a = datetime.fromisoformat(str(body[start]))
    b = datetime.fromisoformat(str(body[end]))
    return (b - a).total_seconds()


def _enqueue(client: httpx.Client, path: str) -> str:
    response = client.post(path)
    assert response.status_code == 202, response.text
    return str(response.json()["command_id"])


def _setup(client: httpx.Client, engine: object, here: str, there: str) -> None:
    tls_dir = Path(str(engine.tls))  # type: ignore[attr-defined]
    tls = {k: (tls_dir / f"{k}.pem").read_text() for k in ("ca", "cert", "key")}
    address = str(engine.url)  # type: ignore[attr-defined]
    made = client.post("/api/v1/hosts", json={"name": "bench-b", "address": address, "tls": tls})
    assert made.status_code == 201, made.text
    for name, compose, host in ((here, FAST, "local"), (there, SLOW, "bench-b")):
        created = client.post(
            "/api/v1/stacks", json={"name": name, "compose": compose, "host": host}
        )
        assert created.status_code == 201, created.text
        _wait(client, _enqueue(client, f"/api/v1/stacks/{name}/apply/1"))


def _rounds(client: httpx.Client, here: str, there: str, rounds: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {"idle": [], "behind": [], "other": []}
    for _ in range(rounds):
        alone = _wait(client, _enqueue(client, f"/api/v1/stacks/{here}/restart"))
        found["idle"].append(_seconds(alone, "created_at", "started_at"))
        slow = _enqueue(client, f"/api/v1/stacks/{there}/restart")
        time.sleep(0.3)  # the other host's command is running
        behind = _enqueue(client, f"/api/v1/stacks/{here}/restart")
        other = _wait(client, slow)
        found["other"].append(_seconds(other, "started_at", "finished_at"))
        found["behind"].append(_seconds(_wait(client, behind), "created_at", "started_at"))
    return found


def bench_hosts(rounds: int = 5) -> None:
    from tests.support.second_engine import start_second_engine

    print("hosts (two Docker engines, SQLite, this machine)")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            engine = start_second_engine(Path(tmp) / "engine")
        except BaseException as exc:  # not root, no dockerd: said, not measured
            print(f"  not measured: {exc}")
            return
        here, there = (f"bench-h{i}-{uuid.uuid4().hex[:6]}" for i in (1, 2))
        server = ServerProcess(f"sqlite:///{Path(tmp) / 'coremon.db'}", Path(tmp) / "s.log")
        try:
            server.start()
            with httpx.Client(base_url=server.url, timeout=30, headers=server.headers) as client:
                _setup(client, engine, here, there)
                found = _rounds(client, here, there, rounds)
        finally:
            server.stop()
            remove_project(here)
            engine.stop()
    median = {k: statistics.median(v) * 1000 for k, v in found.items()}
    print(f"  enqueue → start, queue idle               p50 {median['idle']:7.1f} ms")
    print(
        f"  enqueue → start, behind the other host's  p50 {median['behind']:7.1f} ms"
        f"   (its command ran p50 {median['other']:7.1f} ms; n={rounds})"
    )
