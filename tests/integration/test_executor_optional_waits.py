"""The executor follows the plan's waits on a real engine: a started wait holds for a
one-shot that already exited (whatever its code, like Compose), and a wait the plan marks
not required only warns when its condition fails; the dependent starts anyway."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.plan import Condition, WaitStep
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.executor import ExecutionOptions, PlanExecutor
from core_monitor.engine.observe import observe
from core_monitor.engine.planner import plan
from core_monitor.engine.state import desired_state
from core_monitor.errors import TerminalError
from tests.support.docker_probe import containers, remove_project, require_docker

pytestmark = pytest.mark.docker

IMAGE = "coremon-test/busybox:latest"
STACK = f"""
services:
  oneshot:
    image: {IMAGE}
    command: ["sh", "-c", "exit 3"]
  broken:
    image: {IMAGE}
    command: ["sh", "-c", "sleep 1; exit 4"]
    healthcheck: {{test: ["CMD", "false"], interval: 1s}}
  web:
    image: {IMAGE}
    depends_on:
      oneshot: {{condition: service_started}}
      broken: {{condition: service_healthy, required: REQUIRED}}
"""


class Recorder:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def log(self, message: str, level: str = "info", **fields: object) -> None:
        self.lines.append((level, message))

    def checkpoint(self) -> None:
        pass


@pytest.fixture
def project_name() -> Iterator[str]:
    require_docker()
    name = f"optw-{uuid.uuid4().hex[:8]}"
    yield name
    remove_project(name)


def run(project_name: str, required: bool) -> tuple[list[WaitStep], Recorder]:
    text = STACK.replace("REQUIRED", "true" if required else "false")
    gateway = DockerGateway()
    reporter = Recorder()
    try:
        project = load_compose(text, {}, project_name=project_name)
        desired = desired_state(project, "stack-id", 1)
        steps = plan(desired, observe(gateway, desired))
        executor = PlanExecutor(
            gateway, project, desired, reporter, ExecutionOptions(command_id="c1", wait_timeout=30)
        )
        try:
            executor.execute(steps)
        finally:
            waits = [s for s in steps.steps if isinstance(s, WaitStep)]
    finally:
        gateway.close()
    return waits, reporter


def test_an_optional_dependency_that_fails_only_warns_and_a_started_one_shot_counts(
    project_name: str,
) -> None:
    waits, reporter = run(project_name, required=False)
    assert {(w.service, w.condition, w.required) for w in waits} == {
        ("oneshot", Condition.STARTED, True),
        ("broken", Condition.HEALTHY, False),
    }
    web = containers(project_name)[f"{project_name}-web-1"]["State"]
    assert web["Running"]
    warnings = [m for level, m in reporter.lines if level == "warning"]
    assert len(warnings) == 1 and "broken" in warnings[0]


def test_a_required_dependency_that_fails_stops_the_run(project_name: str) -> None:
    with pytest.raises(TerminalError, match="broken"):
        run(project_name, required=True)
    assert (
        f"{project_name}-web-1" not in containers(project_name)
        or not (containers(project_name)[f"{project_name}-web-1"]["State"]["Running"])
    )
