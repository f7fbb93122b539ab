"""START, STOP and RESTART record the stack's status by the one health rule: a one-shot that
completed does not make a started stack DEGRADED (it used to: they counted running
containers)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from core_monitor.domain.actor import Actor
from core_monitor.domain.commands import Command, CommandStatus, CommandType, read_payload
from core_monitor.domain.stack import StackStatus
from core_monitor.hosts.registry import HostRegistry
from core_monitor.queue.executors import Executor, ExecutorRegistry
from core_monitor.services.convergence import Convergence
from core_monitor.services.stacks import create_stack
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database
from core_monitor.store.stopped import stopped_services
from tests.support.docker_probe import remove_project, require_docker
from tests.support.helpers import make_settings

pytestmark = pytest.mark.docker

IMAGE = "coremon-test/busybox:latest"
COMPOSE = f"""
services:
  web: {{image: {IMAGE}}}
  job: {{image: {IMAGE}, command: ["true"]}}
"""


class Context:
    """Just enough of the worker's ExecutionContext: outcomes land at once."""

    def __init__(self, db: Database, stack_id: str, type: str, payload: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        self.db = db
        self.command = Command(
            command_id=uuid.uuid4().hex,
            seq=1,
            stack_id=stack_id,
            type=CommandType(type),
            payload=read_payload(CommandType(type), payload),
            status=CommandStatus.RUNNING,
            attempts=1,
            requested_by="test",
            cancel_requested=False,
            error=None,
            created_at=now,
            started_at=now,
            finished_at=None,
            updated_at=now,
        )

    def log(self, message: str, level: str = "info", **fields: object) -> None:
        pass

    def log_later(self, message: str, level: str = "info", **fields: object) -> None:
        pass

    def commit_with_outcome(self, write: Any) -> None:
        with self.db.write() as session:
            write(session)

    def checkpoint(self) -> None:
        pass

    def check_lease(self) -> None:
        pass


@pytest.fixture
def project() -> Iterator[str]:
    require_docker()
    name = f"act-{uuid.uuid4().hex[:8]}"
    yield name
    remove_project(name)


def test_starting_a_stack_whose_one_shot_completed_records_running(
    sqlite_db: Database, project: str
) -> None:
    settings = make_settings(str(sqlite_db.engine.url))
    hosts = HostRegistry.from_settings(settings)
    convergence = Convergence(sqlite_db, settings, hosts)
    stack, _ = create_stack(
        sqlite_db, Actor("test"), name=project, compose=COMPOSE, variables={}, comment=""
    )
    sid = stack.stack_id

    def run(type: str, payload: dict[str, Any]) -> StackStatus:
        _executor(convergence, type)(Context(sqlite_db, sid, type, payload))
        with sqlite_db.read() as session:
            return stack_store.get_stack(session, sid).status

    try:
        assert run("APPLY", {"version": 1}) == StackStatus.RUNNING
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the one-shot runs `true`, then has completed
            states = {c.service: c.state for c in hosts.default().containers(project)}
            if states.get("job") == "exited":
                break
            time.sleep(0.2)
        assert states == {"web": "running", "job": "exited"}
        assert run("STOP", {"service": "web"}) == StackStatus.STOPPED
        assert run("START", {"service": "web"}) == StackStatus.RUNNING
        assert run("RESTART", {"service": "web"}) == StackStatus.RUNNING
    finally:
        hosts.close_all()


TWO_SERVING = f"""
services:
  web: {{image: {IMAGE}, command: ["sleep", "300"]}}
  api: {{image: {IMAGE}, command: ["sleep", "300"]}}
"""


def test_a_service_stopped_on_purpose_does_not_degrade_the_stack(
    sqlite_db: Database, project: str
) -> None:
    settings = make_settings(str(sqlite_db.engine.url))
    hosts = HostRegistry.from_settings(settings)
    convergence = Convergence(sqlite_db, settings, hosts)
    stack, _ = create_stack(
        sqlite_db, Actor("test"), name=project, compose=TWO_SERVING, variables={}, comment=""
    )
    sid = stack.stack_id

    def run(type: str, payload: dict[str, Any]) -> tuple[StackStatus, frozenset[str]]:
        _executor(convergence, type)(Context(sqlite_db, sid, type, payload))
        with sqlite_db.read() as session:
            stopped = stopped_services(session, [sid]).get(sid, frozenset())
            return stack_store.get_stack(session, sid).status, stopped

    try:
        assert run("APPLY", {"version": 1}) == (StackStatus.RUNNING, frozenset())
        assert run("STOP", {"service": "web"}) == (StackStatus.RUNNING, {"web"})
        assert run("STOP", {}) == (StackStatus.STOPPED, {"web", "api"})
        assert run("START", {"service": "api"}) == (StackStatus.RUNNING, {"web"})
        assert run("RESTART", {"service": "web"}) == (StackStatus.RUNNING, frozenset())
        run("STOP", {"service": "api"})
        assert run("APPLY", {"version": 1}) == (StackStatus.RUNNING, frozenset())
    finally:
        hosts.close_all()


def _executor(convergence: Convergence, type: str) -> Executor:
    """The executor the worker would run for ``type`` (APPLY here, START there...)."""
    registry = ExecutorRegistry()
    convergence.register(registry)
    found = registry.get(CommandType(type))
    assert found is not None
    return found
