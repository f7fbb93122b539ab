"""The executor on a real engine: starts run in parallel inside a dependency layer, never more
at once than the pool allows, and a layer starts only once the one before met its conditions.

The engine does the work; the test only watches the executor's start calls (a spy around the
real call), because which calls overlap is not visible from the engine's side.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from core_monitor.compose import load_compose
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.executor import ExecutionOptions, PlanExecutor
from core_monitor.engine.observe import observe
from core_monitor.engine.planner import plan
from core_monitor.engine.state import desired_state
from tests.support.docker_probe import containers, remove_project, require_docker

pytestmark = pytest.mark.docker

IMAGE = "coremon-test/busybox:latest"
STACK = f"""
services:
  a: {{image: {IMAGE}}}
  b: {{image: {IMAGE}}}
  c: {{image: {IMAGE}}}
  db:
    image: {IMAGE}
    healthcheck: {{test: ["CMD", "true"], interval: 1s}}
  web:
    image: {IMAGE}
    depends_on: {{db: {{condition: service_healthy}}, a: {{condition: service_started}}}}
"""
PARTNER_WAIT = 3.0  # a start waits this long for another one to overlap it


class Silent:
    def log(self, message: str, level: str = "info", **fields: object) -> None:
        pass

    def checkpoint(self) -> None:
        pass


class StartSpy:
    """Wraps the real start and counts starts in flight. Until two have overlapped, a start
    waits (bounded) for a partner, so a serial executor shows up as a peak of one instead of
    depending on timing luck."""

    def __init__(self, real: Callable[[str], None]) -> None:
        self.real = real
        self.in_flight = 0
        self.peak = 0
        self.spans: dict[str, tuple[float, float]] = {}
        self._changed = threading.Condition()

    def __call__(self, container: str) -> None:
        with self._changed:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self._changed.notify_all()
            # until two have overlapped once; later starts (a lone layer) need not wait
            self._changed.wait_for(lambda: self.peak >= 2, timeout=PARTNER_WAIT)
        entered = time.monotonic()
        try:
            self.real(container)
        finally:
            with self._changed:
                self.in_flight -= 1
                self._changed.notify_all()
            self.spans[container] = (entered, time.monotonic())


@pytest.fixture
def project_name() -> Iterator[str]:
    require_docker()
    name = f"lay-{uuid.uuid4().hex[:8]}"
    yield name
    remove_project(name)


def test_starts_overlap_inside_a_layer_within_the_pool_and_layers_follow_conditions(
    project_name: str,
) -> None:
    gateway = DockerGateway()
    try:
        project = load_compose(STACK, {}, project_name=project_name)
        desired = desired_state(project, "stack-id", 1)
        steps = plan(desired, observe(gateway, desired))
        executor = PlanExecutor(
            gateway,
            project,
            desired,
            Silent(),
            ExecutionOptions(command_id="c1", wait_timeout=60, pool_size=2),
        )
        spy = StartSpy(executor.mut.start)
        executor.mut.start = spy  # type: ignore[method-assign]
        executor.execute(steps)
    finally:
        gateway.close()

    assert spy.peak == 2  # parallel, and never beyond the pool of two
    assert len(spy.spans) == 5
    ids = {name: c["Id"] for name, c in containers(project_name).items()}
    span = {name: spy.spans[ids[name]] for name in ids}
    first_layer = [span[f"{project_name}-{s}-1"] for s in ("a", "b", "c", "db")]
    web_started = span[f"{project_name}-web-1"][0]
    assert web_started >= max(end for _, end in first_layer)
    health = containers(project_name)[f"{project_name}-db-1"]["State"]["Health"]
    assert health["Status"] == "healthy"
    db_healthy_at = min(entry["End"] for entry in health["Log"] if entry["ExitCode"] == 0)
    web = containers(project_name)[f"{project_name}-web-1"]["State"]
    assert web["Running"]
    # RFC 3339 with nanoseconds: comparable as text once cut to microseconds
    assert web["StartedAt"][:26] >= db_healthy_at[:26]
