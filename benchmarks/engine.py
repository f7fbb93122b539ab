"""engine: Core Monitor's APPLY vs `docker compose up -d`, on the same generated stacks.

Stacks: N services (20, 50) on coremon-test/busybox, either flat (no dependencies, no
healthcheck) or a health-gated chain (service i depends_on service i-1 with condition
service_healthy; every service has healthcheck ["CMD", "true"], interval 500ms, start_period
0s — `start_interval` needs engine API 1.44, Docker 20.10 speaks 1.41).

Per round and stack, the two tools run one after the other, never at the same time (a
health-checked stack execs a probe in every container twice a second: on 2 cores that is real
load), and the order alternates between rounds. Each tool does, timed:

- cold:   nothing of the project exists → every container created and started;
- no-op:  the same version / file again;
- change: a new version / file where one service (the middle one) has another environment.

Then its containers and networks are removed by label (not timed).

What each time covers:
- Compose: the wall time of `docker compose -p P -f FILE up -d` (a process start, parsing the
  file, the convergence, returning after the last container started; for a chain it waits for
  each dependency to be healthy before starting the next service, not for the last one).
- Core Monitor: a real `coremon serve` (SQLite in a temp dir); the time from sending
  `POST /api/v1/stacks/{name}/apply/{version}` until the command's `finished` event arrives on
  `GET /api/v1/events` (SSE, as the web console sees it, subscribed before the POST) —
  queueing, observing, planning, executing the same work, recording. The
  stack and the new version are created before (`POST /stacks`, `POST /stacks/{name}/versions`:
  parsing, validation, storage); that is not in the apply time and is printed apart.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.server import ServerProcess

IMAGE = "coremon-test/busybox:latest"
LABEL = "com.docker.compose.project"
PHASES = ("cold", "noop", "change")
TARGETS = {
    "cold": "<= 1.1x Compose",
    "noop": "<= 0.3 s and < Compose",
    "change": "<= 1.0x Compose",
}


@dataclass(frozen=True)
class Shape:
    services: int
    chain: bool

    @property
    def key(self) -> str:
        return f"{self.services}{'c' if self.chain else 'f'}"

    @property
    def title(self) -> str:
        return f"{self.services} services, {'health-gated chain' if self.chain else 'flat'}"


@dataclass
class Results:
    # (shape key, tool, phase) → seconds, one per round
    times: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    create_version: list[float] = field(default_factory=list)

    def add(self, shape: Shape, tool: str, phase: str, seconds: float) -> None:
        self.times.setdefault((shape.key, tool, phase), []).append(seconds)


def compose_text(shape: Shape, changed: str = "1") -> str:
    """The stack; `changed` is the middle service's BENCH_REV value (the one-service change)."""
    middle = shape.services // 2
    lines = ["services:"]
    for i in range(shape.services):
        lines += [f"  s{i:02d}:", f"    image: {IMAGE}", "    environment:"]
        lines.append(f'      BENCH_REV: "{changed if i == middle else "1"}"')
        if shape.chain:
            lines += [
                "    healthcheck:",
                '      test: ["CMD", "true"]',
                "      interval: 500ms",
                "      timeout: 5s",
                "      retries: 3",
                "      start_period: 0s",
            ]
            if i > 0:
                lines += [
                    "    depends_on:",
                    f"      s{i - 1:02d}:",
                    "        condition: service_healthy",
                ]
    return "\n".join(lines) + "\n"


# -- Docker (by label, only our bench- projects) -------------------------------------------
class EngineHiccup(RuntimeError):
    """The engine went away or a command was retried: the sample is void, run it again."""


def _docker(*args: str) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise EngineHiccup(f"docker {' '.join(args[:3])}: {done.stderr.strip()[:300]}")
    return done.stdout.strip()


def wait_engine(timeout: float = 180.0) -> None:
    """Other test runs share (and sometimes restart) this engine: wait until it answers."""
    deadline = time.monotonic() + timeout
    while subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            raise RuntimeError("the Docker engine did not answer")
        time.sleep(1)


def running(project: str) -> int:
    assert project.startswith("bench-")
    out = _docker("ps", "-q", "--filter", f"label={LABEL}={project}", "--filter", "status=running")
    return len(out.split())


def remove_project(project: str) -> None:
    assert project.startswith("bench-")
    ids = _docker("ps", "-aq", "--filter", f"label={LABEL}={project}").split()
    if ids:
        _docker("rm", "-f", *ids)
    for attempt in range(20):  # a loaded engine may still hold a removed container's endpoint
        nets = _docker("network", "ls", "-q", "--filter", f"label={LABEL}={project}").split()
        try:
            if nets:
                _docker("network", "rm", *nets)
            return
        except EngineHiccup:
            if attempt == 19:
                raise
            time.sleep(0.5)


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# -- the two tools ---------------------------------------------------------------------------
class ComposeTool:
    name = "compose"

    def __init__(self, workdir: Path, shape: Shape) -> None:
        self.project = f"bench-dc-{shape.key}"
        self.file = workdir / f"{self.project}.yaml"
        self.shape = shape

    def _up(self, text: str) -> None:
        self.file.write_text(text)
        done = subprocess.run(
            ["docker", "compose", "-p", self.project, "-f", str(self.file), "up", "-d"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise EngineHiccup(f"{self.project}: compose up: {done.stderr.strip()[-300:]}")

    def cold(self) -> float:
        return _timed(lambda: self._up(compose_text(self.shape)))

    def noop(self) -> float:
        return _timed(lambda: self._up(compose_text(self.shape)))

    def change(self, rev: str) -> float:
        return _timed(lambda: self._up(compose_text(self.shape, rev)))


class CoremonTool:
    name = "coremon"

    def __init__(
        self, client: httpx.Client, shape: Shape, round_: int, results: Results, attempt: int = 0
    ) -> None:
        self.client = client
        self.shape = shape
        self.results = results
        self.project = f"bench-cm-{shape.key}-r{round_}" + (f"a{attempt}" if attempt else "")
        response = client.post(
            "/api/v1/stacks", json={"name": self.project, "compose": compose_text(shape)}
        )
        response.raise_for_status()
        self.version = int(response.json()["version"])

    def _apply(self, version: int) -> float:
        # Watched the way the web console watches: the `finished` event on the SSE stream.
        # Polling GET /commands/{id} every 20 ms would cost the server a third of a core on
        # this 2-core machine, taken from the engine it is timing. The clock starts once the
        # stream's first line has arrived: the server subscribes the stream before it sends
        # anything, so no event of the command can be missed, and none of the stack's earlier
        # events is replayed inside the timed window (with `after=0` a 50-service chain's
        # history, some 200 events, was sent and parsed while the apply ran).
        with self.client.stream(
            "GET",
            "/api/v1/events",
            params={"stack": self.project},
            headers={"Accept": "text/event-stream"},
        ) as events:
            lines = events.iter_lines()
            _until_subscribed(lines)
            started = time.perf_counter()
            response = self.client.post(f"/api/v1/stacks/{self.project}/apply/{version}")
            response.raise_for_status()
            command_id = response.json()["command_id"]
            _until_finished(lines, command_id)
            elapsed = time.perf_counter() - started
        command = self.client.get(f"/api/v1/commands/{command_id}").json()
        if command["status"] != "DONE":
            raise EngineHiccup(f"{self.project} apply v{version}: {command['error']}")
        if command["attempts"] > 1:  # the engine restarted under it
            raise EngineHiccup(f"{self.project}: apply took {command['attempts']} tries")
        return elapsed

    def cold(self) -> float:
        return self._apply(self.version)

    def noop(self) -> float:
        return self._apply(self.version)

    def change(self, rev: str) -> float:
        started = time.perf_counter()
        response = self.client.post(
            f"/api/v1/stacks/{self.project}/versions",
            json={"compose": compose_text(self.shape, rev)},
        )
        response.raise_for_status()
        self.results.create_version.append(time.perf_counter() - started)
        self.version = int(response.json()["version"])
        return self._apply(self.version)


def _until_subscribed(lines: Iterator[str]) -> None:
    for line in lines:
        if line.startswith("retry:"):  # the stream's first line
            return
    raise EngineHiccup("the event stream ended before it began")


def _until_finished(lines: Iterator[str], command_id: str) -> None:
    for line in lines:
        if not line.startswith("data: "):
            continue
        event = json.loads(line[len("data: ") :])
        if (
            event.get("kind") == "command"
            and event.get("action") == "finished"
            and event.get("command_id") == command_id
        ):
            return
    raise EngineHiccup(f"the event stream ended before command {command_id} finished")


def _run_tool(
    make: Callable[[int], ComposeTool | CoremonTool], shape: Shape, results: Results
) -> str:
    """cold, no-op, change for one tool; a sample spoilt by an engine restart is run again."""
    for attempt in range(4):
        wait_engine()
        tool = make(attempt)
        try:
            remove_project(tool.project)
            cold = tool.cold()
            count = running(tool.project)
            if count != shape.services:  # sanity: both must have produced the same stack
                raise EngineHiccup(f"{tool.project}: {count} running, expected {shape.services}")
            noop = tool.noop()
            change = tool.change("2")
            count = running(tool.project)
            if count != shape.services:
                raise EngineHiccup(f"{tool.project}: {count} running after the change")
        except EngineHiccup as exc:
            print(f"    void sample, again: {exc}", flush=True)
            continue
        finally:
            wait_engine()
            remove_project(tool.project)
        for phase, seconds in zip(PHASES, (cold, noop, change), strict=True):
            results.add(shape, tool.name, phase, seconds)
        return tool.name
    raise RuntimeError(f"{shape.title}: no clean sample in 4 attempts")


def bench_engine(rounds: int = 3, sizes: tuple[int, ...] = (20, 50)) -> Results:
    shapes = [Shape(n, chain) for n in sizes for chain in (False, True)]
    results = Results()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'coremon.db'}"
        server = ServerProcess(url, workdir / "server.log", COREMON_DATA_DIR=str(workdir)).start()
        try:
            with httpx.Client(base_url=server.url, timeout=600, headers=server.headers) as client:
                # warm-up (not recorded): first container start, imports, connection pools
                warm = Shape(2, False)
                scratch = Results()
                _run_tool(lambda a: ComposeTool(workdir, warm), warm, scratch)
                _run_tool(lambda a: CoremonTool(client, warm, 0, scratch, a), warm, scratch)
                for round_ in range(1, rounds + 1):
                    for shape in shapes:
                        makers: list[Callable[[int], ComposeTool | CoremonTool]] = [
                            lambda a, s=shape: ComposeTool(workdir, s),  # type: ignore[misc]
                            lambda a, s=shape, r=round_: CoremonTool(  # type: ignore[misc]
                                client, s, r, results, a
                            ),
                        ]
                        if round_ % 2 == 0:
                            makers.reverse()
                        names = [_run_tool(make, shape, results) for make in makers]
                        print(
                            f"  round {round_}/{rounds} {shape.title}: "
                            + "  ".join(
                                f"{name} "
                                + "/".join(
                                    f"{results.times[(shape.key, name, p)][-1]:.2f}" for p in PHASES
                                )
                                for name in names
                            ),
                            flush=True,
                        )
        finally:
            server.stop()
    report(results, shapes, rounds)
    return results


def _verdict(phase: str, ours: float, compose: float) -> str:
    if phase == "cold":
        return "met" if ours <= 1.1 * compose else "MISSED"
    if phase == "noop":
        return "met" if ours <= 0.3 and ours < compose else "MISSED"
    return "met" if ours <= 1.0 * compose else "MISSED"


def report(results: Results, shapes: list[Shape], rounds: int) -> None:
    print(f"engine vs docker compose up -d (medians of {rounds} round(s), seconds)")
    print(f"  {'stack':<34} {'phase':<7} {'compose':>8} {'coremon':>8} {'ratio':>6}  target")
    for shape in shapes:
        for phase in PHASES:
            compose = statistics.median(results.times[(shape.key, "compose", phase)])
            ours = statistics.median(results.times[(shape.key, "coremon", phase)])
            print(
                f"  {shape.title:<34} {phase:<7} {compose:8.2f} {ours:8.2f} "
                f"{ours / compose:6.2f}  {TARGETS[phase]}: {_verdict(phase, ours, compose)}"
            )
    if results.create_version:
        print(
            "  (coremon: creating the changed version, not in 'change', median "
            f"{statistics.median(results.create_version) * 1000:.0f} ms)"
        )
