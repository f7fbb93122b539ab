"""stop and down: Core Monitor's STOP and DELETE against `docker compose stop` / `down`.

Stacks of `coremon-test/busybox` containers running `sleep` as PID 1, which ignores SIGTERM:
every stop lasts its service's whole stop_grace_period (2 s), so the figure shows the order
the tool stops in, not how fast a process exits. Two shapes: a chain of 3 (c depends on b,
b on a: three layers, nothing to do at once) and a fan of 10 (nine services depend on db:
two layers, nine stops at once).

Per round and shape, each tool, never both at once (the order alternates between rounds):
up (not timed), stop (timed), up again (not timed), down (timed). Compose's time is its
process's wall time; Core Monitor's runs from the POST until the command's `finished` event
arrives on `GET /events`, as in benchmarks/engine.py.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx

from benchmarks.engine import (
    IMAGE,
    EngineHiccup,
    _until_finished,
    _until_subscribed,
    remove_project,
    wait_engine,
)
from tests.support.server import ServerProcess

GRACE = 2
SHAPES = {"3 chain": ("a", "b", "c"), "10 fan": ("db", *(f"s{i}" for i in range(1, 10)))}
PHASES = ("stop", "down")


def compose_text(services: tuple[str, ...], chain: bool) -> str:
    lines = ["services:"]
    for i, name in enumerate(services):
        lines += [f"  {name}:", f"    image: {IMAGE}", '    command: ["sleep", "3600"]']
        lines.append(f"    stop_grace_period: {GRACE}s")
        if i > 0:
            lines.append(f"    depends_on: [{services[i - 1] if chain else services[0]}]")
    return "\n".join(lines) + "\n"


def _compose(project: str, file: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        ["docker", "compose", "-p", project, "-f", str(file), *args],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise EngineHiccup(f"{project}: compose {args[0]}: {done.stderr.strip()[-300:]}")
    return time.perf_counter() - started


def compose_round(workdir: Path, key: str, text: str) -> tuple[float, float]:
    project = f"bench-dc-td-{key.replace(' ', '')}"
    file = workdir / f"{project}.yaml"
    file.write_text(text)
    remove_project(project)
    try:
        _compose(project, file, "up", "-d")
        stop = _compose(project, file, "stop")
        _compose(project, file, "up", "-d")
        return stop, _compose(project, file, "down")
    finally:
        remove_project(project)


def _command(client: httpx.Client, path: str) -> float:
    with client.stream("GET", "/api/v1/events", headers={"Accept": "text/event-stream"}) as events:
        lines = events.iter_lines()
        _until_subscribed(lines)
        started = time.perf_counter()
        response = client.post(path)
        response.raise_for_status()
        command_id = response.json()["command_id"]
        _until_finished(lines, command_id)
        elapsed = time.perf_counter() - started
    command = client.get(f"/api/v1/commands/{command_id}").json()
    if command["status"] != "DONE" or command["attempts"] > 1:
        raise EngineHiccup(f"{path}: {command['status']} {command['error']}")
    return elapsed


def coremon_round(client: httpx.Client, key: str, text: str, round_: int) -> tuple[float, float]:
    project = f"bench-cm-td-{key.replace(' ', '')}-r{round_}"
    remove_project(project)
    try:
        client.post("/api/v1/stacks", json={"name": project, "compose": text}).raise_for_status()
        base = f"/api/v1/stacks/{project}"
        _command(client, f"{base}/apply/1")
        stop = _command(client, f"{base}/stop")
        _command(client, f"{base}/start")
        return stop, _command(client, f"{base}/delete")
    finally:
        remove_project(project)


def bench_teardown(rounds: int = 3) -> dict[tuple[str, str, str], list[float]]:
    times: dict[tuple[str, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'coremon.db'}"
        server = ServerProcess(url, workdir / "server.log", COREMON_DATA_DIR=str(workdir)).start()
        try:
            with httpx.Client(base_url=server.url, timeout=600, headers=server.headers) as client:
                for round_ in range(1, rounds + 1):
                    for key, services in SHAPES.items():
                        text = compose_text(services, chain=key.endswith("chain"))
                        runs: list[tuple[str, Callable[[], tuple[float, float]]]] = [
                            ("compose", partial(compose_round, workdir, key, text)),
                            ("coremon", partial(coremon_round, client, key, text, round_)),
                        ]
                        if round_ % 2 == 0:
                            runs.reverse()
                        for tool, run in runs:
                            wait_engine()
                            for phase, seconds in zip(PHASES, run(), strict=True):
                                times.setdefault((key, tool, phase), []).append(seconds)
        finally:
            server.stop()
    report(times, rounds)
    return times


def report(times: dict[tuple[str, str, str], list[float]], rounds: int) -> None:
    print(f"stop and down vs docker compose stop / down (medians of {rounds} round(s), seconds)")
    print(f"  {'stack':<10} {'phase':<6} {'compose':>8} {'coremon':>8} {'ratio':>6}  target")
    for key in SHAPES:
        for phase in PHASES:
            compose = statistics.median(times[(key, "compose", phase)])
            ours = statistics.median(times[(key, "coremon", phase)])
            verdict = "met" if ours <= compose else "MISSED"
            print(
                f"  {key:<10} {phase:<6} {compose:8.2f} {ours:8.2f} {ours / compose:6.2f}"
                f"  <= 1.0x Compose: {verdict}"
            )
