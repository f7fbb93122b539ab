"""Stopping and removing a stack on a real engine, like Compose: dependents first, every
container of a dependency layer at once, each given its service's stop_grace_period."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import containers
from tests.support.server import ServerProcess, served

STACK_PREFIX = "stop"  # the shared `stack` fixture: <prefix>-<random>

IMAGE = "coremon-test/busybox:latest"
GRACE = 2  # seconds: `sleep` as PID 1 ignores SIGTERM, so each stop lasts the whole grace
FRONTS = ("api", "web", "worker", "cron")  # one layer, all depending on db


def stack_text() -> str:
    lines = ["services:", "  db:", f"    image: {IMAGE}"]
    lines += ['    command: ["sleep", "3600"]', f"    stop_grace_period: {GRACE}s"]
    for name in FRONTS:
        lines += [f"  {name}:", f"    image: {IMAGE}", '    command: ["sleep", "3600"]']
        lines += [f"    stop_grace_period: {GRACE}s", "    depends_on: [db]"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(tmp_path_factory, "stop")


def finished_at(inspect: dict[str, object]) -> datetime:
    state = inspect["State"]
    assert isinstance(state, dict)
    # the engine writes nanoseconds; fromisoformat takes microseconds
    stamp = str(state["FinishedAt"]).rstrip("Z")
    head, _, fraction = stamp.partition(".")
    return datetime.fromisoformat(f"{head}.{(fraction + '000000')[:6]}")


def timed(fn: object) -> float:
    assert callable(fn)
    started = time.monotonic()
    fn()
    return time.monotonic() - started


def test_stop_and_delete_go_layer_by_layer_in_reverse_order(api: Api, stack: str) -> None:
    api.create_stack(stack, stack_text())
    api.apply(stack, 1)
    # one after another: 5 grace periods (10 s); layer by layer: 2 (4 s) plus the queue
    took = timed(lambda: api.run(f"/stacks/{stack}/stop"))
    assert took < 4 * GRACE - 0.5, f"stop took {took:.1f} s"
    found = containers(stack)
    assert {c["State"]["Status"] for c in found.values()} == {"exited"}
    db = finished_at(found[f"{stack}-db-1"])
    fronts = [finished_at(found[f"{stack}-{name}-1"]) for name in FRONTS]
    assert all(front < db for front in fronts)  # a dependent stops before its dependency
    assert (max(fronts) - min(fronts)).total_seconds() < GRACE  # ... and all of it at once
    assert api.http.get(f"/stacks/{stack}").json()["status"] == "STOPPED"

    api.run(f"/stacks/{stack}/start")
    took = timed(lambda: api.run(f"/stacks/{stack}/delete"))
    assert took < 4 * GRACE - 0.5, f"delete took {took:.1f} s"
    assert containers(stack) == {}
