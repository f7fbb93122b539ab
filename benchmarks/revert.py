"""revert: an atomic APPLY of a failing v2 that reverts itself to v1, vs a manual ROLLBACK.

A 10-service stack on two locally built images (A and B, a file apart) and a tag that moves
from A to B between v1 and v2, as a registry tag would. v1: 10 services on the tag (A). v2:
every service gets another environment (all 10 are recreated, on B since the tag moved) and
one of them a healthcheck that fails. Per round, on a real `coremon serve` (SQLite):

- atomic: `POST /apply/2 {"atomic": true}` → the command FAILS "reverted to v1". Timed: the
  whole command (forward apply, gate, revert), and the revert alone (from its "gate failed"
  log line to the command's end).
- manual: `POST /apply/2` (not atomic: DONE, one service unhealthy), then `POST /rollback/1`
  timed from the POST to DONE: what an operator's rollback costs once they noticed.

Both end on v1's containers running image A (checked). The stack is unfrozen between rounds
(the manual rollback froze it). The queue is set to continue after a FAILED command.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx

from tests.support.docker_probe import remove_project
from tests.support.server import ServerProcess

BASE = "coremon-test/busybox:latest"
SERVICES = 10
FAILING = "    healthcheck: {test: [CMD, 'false'], interval: 1s, timeout: 1s, retries: 1}\n"


def _build(tag: str, content: str) -> None:
    subprocess.run(
        ["docker", "build", "-q", "-t", tag, "-"],
        input=f"FROM {BASE}\nRUN echo {content} > /which\n".encode(),
        capture_output=True,
        check=True,
        timeout=300,
    )


def _compose(tag: str, env: str, failing: bool) -> str:
    lines = ["services:"]
    for i in range(SERVICES):
        # init: true, so `sleep` stops on SIGTERM: the figures are the convergence's, not a
        # 10 s stop timeout per container
        lines.append(f"  s{i}:\n    image: {tag}\n    command: [sleep, '3600']\n    init: true")
        lines.append(f"    environment: {{V: '{env}'}}")
        if failing and i == SERVICES // 2:
            lines.append(FAILING.rstrip("\n"))
    return "\n".join(lines) + "\n"


def _run(client: httpx.Client, path: str, body: dict[str, object] | None) -> tuple[str, float]:
    started = time.perf_counter()
    response = client.post(path, json=body)
    assert response.status_code == 202, response.text
    command = response.json()["command_id"]
    while True:
        found = client.get(f"/api/v1/commands/{command}").json()
        if found["status"] in ("DONE", "FAILED", "CANCELLED"):
            return found["status"], time.perf_counter() - started
        time.sleep(0.05)


def _revert_seconds(client: httpx.Client, command: str) -> float:
    logs = client.get(f"/api/v1/commands/{command}/logs").json()
    found = client.get(f"/api/v1/commands/{command}").json()
    failed = next(line["time"] for line in logs if line["message"].startswith("gate failed"))

    def at(text: str) -> float:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

    return at(found["finished_at"]) - at(failed)


def _last_command(client: httpx.Client, stack: str) -> str:
    listed = client.get("/api/v1/commands", params={"stack_id": stack, "limit": 1}).json()
    return str(listed["items"][0]["command_id"])


def bench_revert(rounds: int = 3) -> None:
    repo = f"coremon-bench-{uuid.uuid4().hex[:6]}/app"
    _build(f"{repo}:a", "A")
    _build(f"{repo}:b", "B")
    tag = f"{repo}:1"
    stack = f"bench-revert-{uuid.uuid4().hex[:6]}"
    atomic_total, atomic_revert, manual = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(
            f"sqlite:///{Path(tmp) / 'coremon.db'}",
            Path(tmp) / "server.log",
            COREMON_QUEUE_ON_FAILURE="continue",
        ).start()
        try:
            with httpx.Client(base_url=server.url, timeout=60, headers=server.headers) as client:
                subprocess.run(["docker", "tag", f"{repo}:a", tag], check=True)
                body = {"name": stack, "compose": _compose(tag, "1", False)}
                assert client.post("/api/v1/stacks", json=body).status_code == 201
                assert _run(client, f"/api/v1/stacks/{stack}/apply/1", None)[0] == "DONE"
                subprocess.run(["docker", "tag", f"{repo}:b", tag], check=True)
                v2 = {"compose": _compose(tag, "2", True)}
                assert client.post(f"/api/v1/stacks/{stack}/versions", json=v2).status_code == 201
                for _ in range(rounds):
                    status, took = _run(
                        client,
                        f"/api/v1/stacks/{stack}/apply/2",
                        {"atomic": True, "timeout": "60s"},
                    )
                    assert status == "FAILED", status
                    atomic_total.append(took)
                    atomic_revert.append(_revert_seconds(client, _last_command(client, stack)))
                    _check_on_a(stack, repo)
                    assert _run(client, f"/api/v1/stacks/{stack}/apply/2", None)[0] == "DONE"
                    status, took = _run(client, f"/api/v1/stacks/{stack}/rollback/1", None)
                    assert status == "DONE", status
                    manual.append(took)
                    _check_on_a(stack, repo)
                    client.post(f"/api/v1/stacks/{stack}/unfreeze")
        finally:
            server.stop()
            remove_project(stack)
            for suffix in ("1", "a", "b"):
                subprocess.run(["docker", "rmi", f"{repo}:{suffix}"], capture_output=True)
    print(f"revert ({SERVICES} services, all recreated; {rounds} round(s), median)")
    for label, times in (
        ("atomic apply, whole command (apply, gate, revert)", atomic_total),
        ("atomic apply, the revert alone (gate failed → end)", atomic_revert),
        ("manual rollback command (POST → DONE)", manual),
    ):
        print(f"  {label:52} {statistics.median(times):6.2f} s")


def _check_on_a(stack: str, repo: str) -> None:
    a = subprocess.run(
        ["docker", "image", "inspect", "-f", "{{.Id}}", f"{repo}:a"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ids = subprocess.run(
        ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={stack}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    images = subprocess.run(
        ["docker", "inspect", "-f", "{{.Image}}", *ids], capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(images) == SERVICES, images
    assert set(images) == {a}, images
