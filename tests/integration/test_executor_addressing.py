"""The executor on a real engine acts on the containers its plan observed, by id.

A stale plan (made by a worker that then paused past its lease, while another worker
replaced the container under the same name) must not stop, remove or rename the new one,
and must leave nothing of its own behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.plan import StepKind
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.executor import ExecutionOptions, PlanExecutor
from core_monitor.engine.observe import observe
from core_monitor.engine.planner import plan
from core_monitor.engine.state import desired_state
from core_monitor.errors import LeaseLost, TerminalError
from tests.support.docker_probe import containers, docker, remove_project, require_docker

pytestmark = pytest.mark.docker

IMAGE = "coremon-test/busybox:latest"
SLEEPER = "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"


def compose(mode: str) -> str:
    return f"""
services:
  web:
    image: {IMAGE}
    command: ["sh", "-c", "{SLEEPER}"]
    environment: {{MODE: {mode}}}
"""


class Silent:
    def log(self, message: str, level: str = "info", **fields: object) -> None:
        pass

    def checkpoint(self) -> None:
        pass


@pytest.fixture
def project_name() -> Iterator[str]:
    require_docker()
    name = f"adr-{uuid.uuid4().hex[:8]}"
    yield name
    remove_project(name)


@pytest.fixture
def gateway() -> Iterator[DockerGateway]:
    gw = DockerGateway()
    yield gw
    gw.close()


def _apply(
    gateway: DockerGateway, project_name: str, mode: str, version: int, **options: object
) -> None:
    project = load_compose(compose(mode), {}, project_name=project_name)
    desired = desired_state(project, "stack-id", version)
    steps = plan(desired, observe(gateway, desired))
    PlanExecutor(
        gateway, project, desired, Silent(), ExecutionOptions(command_id=f"c{version}", **options)
    ).execute(steps)


def test_a_stale_recreate_never_touches_the_container_now_holding_the_name(
    gateway: DockerGateway, project_name: str
) -> None:
    name = f"{project_name}-web-1"
    _apply(gateway, project_name, "blue", 1)
    project = load_compose(compose("green"), {}, project_name=project_name)
    desired = desired_state(project, "stack-id", 2)
    stale = plan(desired, observe(gateway, desired))
    recreate = next(s for s in stale.steps if s.kind == StepKind.RECREATE_CONTAINER)
    assert recreate.container_id == containers(project_name)[name]["Id"]
    # meanwhile another worker replaced it: same name, another container
    _apply(gateway, project_name, "green", 2)
    newer = containers(project_name)[name]["Id"]
    assert newer != recreate.container_id

    executor = PlanExecutor(
        gateway, project, desired, Silent(), ExecutionOptions(command_id="stale")
    )
    with pytest.raises(TerminalError, match="already in use"):
        executor.execute(stale)
    after = containers(project_name)
    assert sorted(after) == [name]  # no temporary container left behind
    assert after[name]["Id"] == newer
    assert after[name]["State"]["Running"]


def test_a_fence_that_refuses_stops_before_the_first_engine_write(
    gateway: DockerGateway, project_name: str
) -> None:
    _apply(gateway, project_name, "blue", 1)
    before = docker(
        "ps", "-aq", "--no-trunc", "--filter", f"label=com.docker.compose.project={project_name}"
    )
    calls: list[str] = []

    def lost() -> None:
        calls.append("fence")
        raise LeaseLost("queue lease lost")

    with pytest.raises(LeaseLost):
        _apply(gateway, project_name, "green", 2, fence=lost)
    assert calls == ["fence"]
    after = docker(
        "ps", "-aq", "--no-trunc", "--filter", f"label=com.docker.compose.project={project_name}"
    )
    assert after == before  # nothing created, stopped or removed
    assert containers(project_name)[f"{project_name}-web-1"]["State"]["Running"]
