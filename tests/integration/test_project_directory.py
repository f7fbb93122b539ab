"""A stack's project directory on a real engine: the version's files are written there
through the Engine API before the containers that mount them are made; bundle files follow
the version (v2, then a rollback to v1), what a container wrote under ``./data`` stays.

The engine is local here, so the test may look at the host's directory itself; Core
Monitor does not (it only speaks the Engine API).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import docker
import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.bundle import ProjectFiles
from core_monitor.domain.plan import Cause, Plan, StepKind
from core_monitor.domain.project_dir import HostPlaces
from core_monitor.engine import project_files
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.docker.project_files import ProjectDirectory
from core_monitor.engine.executor import ExecutionOptions, PlanExecutor
from core_monitor.engine.observe import observe
from core_monitor.engine.planner import plan
from core_monitor.engine.state import desired_state
from tests.support.docker_probe import remove_project, require_docker

pytestmark = pytest.mark.docker

IMAGE = "coremon-test/busybox:latest"
COMPOSE = f"""
services:
  web:
    image: {IMAGE}
    command: [sleep, "3600"]
    volumes:
      - ./conf/site.conf:/etc/site.conf:ro
      - ./data:/data
"""
V1: ProjectFiles = {"conf/site.conf": b"v1 config\n", "conf/extra.conf": b"only in v1\n"}
V2: ProjectFiles = {"conf/site.conf": b"v2 config\n"}


class Silent:
    def log(self, message: str, level: str = "info", **fields: object) -> None:
        pass

    def checkpoint(self) -> None:
        pass


@pytest.fixture
def stack() -> Iterator[tuple[str, HostPlaces]]:
    require_docker()
    name = f"pdir-{uuid.uuid4().hex[:8]}"
    root = f"/tmp/coremon-projects-{uuid.uuid4().hex[:8]}"
    yield name, HostPlaces(projects_root=root)
    remove_project(name)
    shutil.rmtree(root, ignore_errors=True)


def apply(
    name: str, places: HostPlaces, version: int, files: ProjectFiles, compose: str = COMPOSE
) -> Plan:
    gateway = DockerGateway()
    try:
        project = load_compose(compose, {}, project_name=name)
        desired = desired_state(project, "stack-id", version, files=files)
        steps = plan(desired, observe(gateway, desired, places=places))
        options = ExecutionOptions(command_id=f"c{version}", places=places)
        PlanExecutor(gateway, project, desired, Silent(), options).execute(steps)
        return steps
    finally:
        gateway.close()


def run(name: str, *command: str) -> str:
    client = docker.from_env()
    try:
        result = client.containers.get(f"{name}-web-1").exec_run(list(command))
        assert result.exit_code == 0, result.output
        return bytes(result.output).decode()
    finally:
        client.close()


def test_bundle_files_follow_the_version_and_runtime_data_stays(
    stack: tuple[str, HostPlaces],
) -> None:
    name, places = stack
    directory = places.project_dir(name)

    first = apply(name, places, 1, V1)
    kinds = [s.kind for s in first.steps]
    written = kinds.index(StepKind.WRITE_PROJECT_FILES)
    assert written < kinds.index(StepKind.CREATE_CONTAINER)
    assert first.steps[written].cause == Cause.MISSING
    assert run(name, "cat", "/etc/site.conf") == "v1 config\n"
    run(name, "sh", "-c", "echo runtime > /data/state")

    assert apply(name, places, 1, V1).empty  # nothing to write, nothing to recreate

    second = apply(name, places, 2, V2)
    kinds = [s.kind for s in second.steps]
    assert kinds[:2] == [StepKind.WRITE_PROJECT_FILES, StepKind.RECREATE_CONTAINER]
    assert second.steps[0].cause == Cause.FILES_CHANGED
    assert second.steps[0].details.files == ["conf/site.conf", "conf/extra.conf"]
    assert run(name, "cat", "/etc/site.conf") == "v2 config\n"
    assert not os.path.exists(f"{directory}/conf/extra.conf")  # v1's file, not v2's

    apply(name, places, 1, V1)  # the rollback
    assert run(name, "cat", "/etc/site.conf") == "v1 config\n"
    assert run(name, "cat", "/data/state") == "runtime\n"
    with open(f"{directory}/conf/extra.conf", "rb") as back:
        assert back.read() == b"only in v1\n"


def test_a_version_without_files_removes_the_bundle_files_and_keeps_the_data(
    stack: tuple[str, HostPlaces],
) -> None:
    name, places = stack
    directory = places.project_dir(name)
    apply(name, places, 1, V1)
    run(name, "sh", "-c", "echo runtime > /data/state")
    only_data = COMPOSE.replace("      - ./conf/site.conf:/etc/site.conf:ro\n", "")
    second = apply(name, places, 2, {}, only_data)
    assert second.steps[0].kind == StepKind.WRITE_PROJECT_FILES
    assert sorted(second.steps[0].details.files) == sorted(V1)
    assert not os.path.exists(f"{directory}/conf/site.conf")
    assert run(name, "cat", "/data/state") == "runtime\n"
    assert apply(name, places, 2, {}, only_data).empty


def test_reading_an_absent_project_directory_leaves_it_absent(
    stack: tuple[str, HostPlaces],
) -> None:
    name, places = stack
    gateway = DockerGateway()
    try:
        assert ProjectDirectory(gateway, places.project_dir(name)).read_manifest() is None
    finally:
        gateway.close()
    assert not os.path.exists(places.project_dir(name))


def test_a_file_of_one_version_may_be_a_directory_of_the_next(
    stack: tuple[str, HostPlaces],
) -> None:
    name, places = stack
    gateway = DockerGateway()
    try:
        directory = ProjectDirectory(gateway, places.project_dir(name))
        directory.write({"site": b"a file"}, [])
        directory.write({"site/index.html": b"<p>"}, ["site"])
        assert directory.read_manifest() == project_files.manifest({"site/index.html": b"<p>"})
    finally:
        gateway.close()
    with open(f"{places.project_dir(name)}/site/index.html", "rb") as found:
        assert found.read() == b"<p>"
