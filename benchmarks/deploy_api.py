"""deploy-api: a 10 MB WAR into Tomcat through Core Monitor's whole path, against the manager
call made by hand on the same container.

    bare    docker exec -i C curl -u U:P -T - ".../manager/text/deploy?path=/bench&update=true"
    probe   curl of the deployed path from inside the container
    api     POST /stacks/{s}/deploy → the DEPLOY command DONE (queue, preflight, the Tomcat
            driver's transfer + activate + verify, the HTTP probe, the records): DONE is
            the command's ``finished_at`` (when the server recorded it); what a client
            polling every 20 ms sees is printed too. The artifact is uploaded before the
            clock starts.

Target (issue 16): api ≤ 1.5 x bare + probe (the medians; also each round against its own
bare call and probe, which saw the same load).

Where the api time goes is printed after it (medians): the POST itself, the queue's pickup
(the command's ``created_at`` → ``started_at``), each step of the command (the time from
one of its log lines to the next, named by the later line), and the client's polling (the
command's ``finished_at`` → the poll that saw it).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import httpx

from benchmarks.deploy import IMAGE, PASSWORD, USER, _bare, make_war
from tests.support.docker_probe import remove_project
from tests.support.server import ServerProcess


def _compose() -> str:
    return f"""
services:
  app:
    image: {IMAGE}
    environment:
      TOMCAT_MANAGER_USER: {USER}
      TOMCAT_MANAGER_PASSWORD: ${{MANAGER_PASSWORD}}
    volumes: ["apps:/usr/local/tomcat/webapps"]
    x-coremon-deploy:
      kind: tomcat
      manager_user: {USER}
      manager_password: ${{MANAGER_PASSWORD}}
volumes:
  apps: {{}}
"""


def _done(client: httpx.Client, command_id: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = str(client.get(f"/api/v1/commands/{command_id}").json()["status"])
        if status in ("DONE", "FAILED", "CANCELLED"):
            return status
        time.sleep(0.02)
    raise TimeoutError(command_id)


def _probe(container: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["docker", "exec", container, "curl", "-fsS", "-o", "/dev/null",
         "http://127.0.0.1:8080/bench/"],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def _wait_manager(container: str) -> None:
    deadline = time.monotonic() + 180
    url = "http://127.0.0.1:8080/manager/text/list"
    while time.monotonic() < deadline:
        listed = subprocess.run(
            ["docker", "exec", container, "curl", "-fsS", "-u", f"{USER}:{PASSWORD}", url],
            capture_output=True,
        )
        if listed.returncode == 0:
            return
        time.sleep(0.5)
    raise TimeoutError("the Tomcat manager never answered")


Phases = dict[str, float]
POLL = "client poll (every 20 ms)"
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}")  # a deployment id in a log line


def _phases(client: httpx.Client, command_id: str, posted: float, answered: float) -> Phases:
    """Where one round's time went (seconds), from the command's own timestamps."""
    command = client.get(f"/api/v1/commands/{command_id}").json()
    lines = client.get(f"/api/v1/commands/{command_id}/logs").json()

    def at(value: str) -> float:
        return datetime.fromisoformat(value).timestamp()

    created, started = at(command["created_at"]), at(command["started_at"])
    finished = at(command["finished_at"])
    phases = {"POST (preflight, records)": answered - posted, "queue pickup": started - created}
    previous = started
    for line in lines:
        words = [w if not ID.fullmatch(w) else "<id>" for w in str(line["message"]).split()]
        step = " ".join(words[:2])
        moment = max(at(line["time"]), previous)
        phases[f"  … {step}"] = phases.get(f"  … {step}", 0.0) + moment - previous
        previous = moment
    phases["  … outcome written"] = finished - previous
    return phases


def _seen(client: httpx.Client, command_id: str, seen: float) -> float:
    finished = client.get(f"/api/v1/commands/{command_id}").json()["finished_at"]
    return seen - datetime.fromisoformat(finished).timestamp()


def _breakdown(rounds: list[Phases]) -> None:
    merged: dict[str, list[float]] = defaultdict(list)
    for phases in rounds:
        for name, seconds in phases.items():
            merged[name].append(seconds)
    print("  where it goes (median of the rounds; each round's, in ms):")
    for name, values in merged.items():
        each = " ".join(f"{v * 1000:4.0f}" for v in values)
        print(f"    {name:<34} {statistics.median(values) * 1000:5.0f}   [{each}]")


def _round(client: httpx.Client, stack: str, sha: str) -> tuple[float, Phases]:
    posted, started = time.time(), time.perf_counter()
    accepted = client.post(
        f"/api/v1/stacks/{stack}/deploy",
        json={"service": "app", "artifact": sha, "path": "/bench"},
    )
    answered = time.time()
    assert accepted.status_code == 202, accepted.text
    command_id = accepted.json()["command_id"]
    assert _done(client, command_id) == "DONE"
    elapsed, seen = time.perf_counter() - started, time.time()
    phases = _phases(client, command_id, posted, answered)
    phases[POLL] = _seen(client, command_id, seen)
    return elapsed, phases


def _upload(client: httpx.Client, war: Path) -> str:
    with war.open("rb") as f:
        up = client.post("/api/v1/artifacts", files={"file": ("bench.war", f)})
    assert up.status_code in (200, 201), up.text
    return str(up.json()["sha256"])


def bench_deploy_api(rounds: int = 5) -> None:
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode:
        print(f"deploy-api: skipped ({IMAGE} absent: scripts/build-middleware-images.sh)")
        return
    stack = f"bench-deploy-{uuid.uuid4().hex[:6]}"
    bare, api, probes, phases = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(
            f"sqlite:///{Path(tmp) / 'coremon.db'}",
            Path(tmp) / "server.log",
            COREMON_EXECUTOR_MODULES="",  # the real DEPLOY executor
            COREMON_DATA_DIR=str(Path(tmp) / "data"),
        ).start()
        try:
            with httpx.Client(base_url=server.url, timeout=120, headers=server.headers) as client:
                variables = {"MANAGER_PASSWORD": {"value": PASSWORD, "secret": True}}
                body = {"name": stack, "compose": _compose(), "variables": variables}
                assert client.post("/api/v1/stacks", json=body).status_code == 201
                applied = client.post(f"/api/v1/stacks/{stack}/apply/1").json()["command_id"]
                assert _done(client, applied) == "DONE"
                container = f"{stack}-app-1"
                _wait_manager(container)
                for round_no in range(rounds):
                    bare.append(
                        _bare(container, make_war(Path(tmp) / f"b{round_no}.war", round_no))
                    )
                    probes.append(_probe(container))
                    war = make_war(Path(tmp) / f"a{round_no}.war", round_no + 1000)
                    elapsed, seen = _round(client, stack, _upload(client, war))
                    api.append(elapsed)
                    phases.append(seen)
        finally:
            server.stop()
            remove_project(stack)
    _report(bare, probes, api, phases)


def _report(
    bare: list[float], probes: list[float], seen: list[float], phases: list[Phases]
) -> None:
    done = [s - ph[POLL] for s, ph in zip(seen, phases, strict=True)]
    b, p, d, s = (statistics.median(x) for x in (bare, probes, done, seen))
    budget = 1.5 * b + p
    within = sum(1 for x, y, z in zip(done, bare, probes, strict=True) if x <= 1.5 * y + z)
    print(f"deploy-api (10 MB WAR into Tomcat 10.1 through the API, {len(bare)} rounds, median)")
    print(f"  bare manager call (exec+curl)        {b:6.2f} s")
    print(f"  probe (curl from inside)             {p:6.2f} s")
    print(f"  POST /deploy → DONE (verified)       {d:6.2f} s   (finished_at)")
    print(f"    as a client polling every 20 ms    {s:6.2f} s")
    verdict = "met" if d <= budget else "MISSED"
    print(f"  target 1.5 x bare + probe = {budget:.2f} s: {verdict}", end="")
    print(f" (each round against its own: {within} of {len(bare)} met)")
    _breakdown(phases)
