"""`build` on a real engine, through the plan and the executor: the image is built from the
version's files through the Engine API, tagged, run; an unchanged context is not rebuilt, a
changed one is rebuilt and its containers recreated; a failing build fails with its own
last lines; the output reaches the command log."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.plan import Cause, Plan, StepKind
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.errors import BuildFailed
from core_monitor.engine.executor import ExecutionOptions, PlanExecutor
from core_monitor.engine.observe import observe
from core_monitor.engine.planner import plan
from core_monitor.engine.state import desired_state
from tests.support.docker_probe import docker, remove_project, require_docker

pytestmark = pytest.mark.docker

DOCKERFILE = b"""FROM coremon-test/busybox:latest
ARG GREETING=unset
LABEL org.example.greeting=$GREETING
COPY hello.txt /hello.txt
CMD ["sleep", "3600"]
"""


class Recorder:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def log(self, message: str, level: str = "info", **fields: object) -> None:
        self.lines.append(message)

    def checkpoint(self) -> None:
        pass


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    require_docker()
    suffix = uuid.uuid4().hex[:8]
    project, tagged = f"bld-{suffix}", f"coremon-test-build/x-{suffix}:1"
    yield project, tagged
    remove_project(project)
    subprocess.run(
        ["docker", "rmi", "-f", f"{project}-web", tagged], capture_output=True, timeout=60
    )


def compose(tagged: str) -> str:
    return f"""
services:
  web:
    build: ./app
  api:
    image: {tagged}
    build:
      context: ./app
      args: {{GREETING: "${{GREETING}}"}}
      labels: {{org.example.role: api}}
"""


def converge(
    project: str, text: str, files: dict[str, bytes], recorder: Recorder | None = None
) -> Plan:
    gateway = DockerGateway()
    try:
        loaded = load_compose(text, {"GREETING": "bonjour"}, project_name=project, files=files)
        desired = desired_state(loaded, "stack-id", 1, files=files)
        steps = plan(desired, observe(gateway, desired))
        options = ExecutionOptions(command_id="c1", wait_timeout=60)
        PlanExecutor(gateway, loaded, desired, recorder or Recorder(), options).execute(steps)
        return steps
    finally:
        gateway.close()


def cat_hello(container: str) -> str:
    return docker("exec", container, "cat", "/hello.txt").strip()


def builds(steps: Plan) -> dict[str, Cause]:
    return {s.target: s.cause for s in steps.steps if s.kind == StepKind.BUILD_IMAGE}


def test_build_run_rebuild_only_when_the_context_changes(names: tuple[str, str]) -> None:
    project, tagged = names
    files = {"app/Dockerfile": DOCKERFILE, "app/hello.txt": b"hello v1\n"}
    recorder = Recorder()
    first = converge(project, compose(tagged), files, recorder)
    assert builds(first) == {f"{project}-web": Cause.MISSING, tagged: Cause.MISSING}
    assert cat_hello(f"{project}-web-1") == "hello v1"
    assert cat_hello(f"{project}-api-1") == "hello v1"
    assert any(line.startswith("Step 1/") for line in recorder.lines)  # the build's output
    labels = docker("image", "inspect", tagged, "--format", "{{json .Config.Labels}}")
    assert '"org.example.greeting":"bonjour"' in labels
    assert '"org.example.role":"api"' in labels

    again = converge(project, compose(tagged), files)
    assert again.steps == []  # unchanged digest: no build, nothing to do

    changed = {**files, "app/hello.txt": b"hello v2\n"}
    third = converge(project, compose(tagged), changed)
    assert builds(third) == {f"{project}-web": Cause.BUILD_CHANGED, tagged: Cause.BUILD_CHANGED}
    recreated = {s.target for s in third.steps if s.kind == StepKind.RECREATE_CONTAINER}
    assert recreated == {f"{project}-web-1", f"{project}-api-1"}
    assert cat_hello(f"{project}-web-1") == "hello v2"


def test_pull_policy_build_rebuilds_from_the_cache_and_recreates_nothing(
    names: tuple[str, str],
) -> None:
    project, _ = names
    text = "services: {web: {build: ./app, pull_policy: build}}"
    files = {"app/Dockerfile": DOCKERFILE, "app/hello.txt": b"cached\n"}
    converge(project, text, files)
    recorder = Recorder()
    second = converge(project, text, files, recorder)
    assert builds(second) == {f"{project}-web": Cause.PULL_POLICY}
    assert [s.kind for s in second.steps] == [StepKind.BUILD_IMAGE]
    assert any("Using cache" in line for line in recorder.lines)
    assert cat_hello(f"{project}-web-1") == "cached"


def test_a_failing_build_fails_with_its_own_last_lines(names: tuple[str, str]) -> None:
    project, _ = names
    files = {
        "app/Dockerfile": b"FROM coremon-test/busybox:latest\nRUN echo about to fail && false\n"
    }
    recorder = Recorder()
    with pytest.raises(BuildFailed) as info:
        converge(project, "services: {web: {build: ./app}}", files, recorder)
    message = str(info.value)
    assert "about to fail" in message
    assert "The command '/bin/sh -c echo about to fail && false' returned a non-zero code: 1" in (
        message
    )
    assert any("about to fail" in line for line in recorder.lines)
    assert docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={project}") == ""
