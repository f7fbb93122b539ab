"""The DEPLOY executor against a fake driver and a fake container (no engine): success
supersedes the previous deployment; a failure puts the previous one back and is FAILED with
the driver's words; a re-run after a crash converges on one deployment, never half."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core_monitor.deploy.drift import DeploymentCheck
from core_monitor.deploy.executor import DeployExecutor
from core_monitor.domain.actor import Actor
from core_monitor.domain.commands import Command
from core_monitor.domain.deploy import DeploymentStatus, TargetKind
from core_monitor.errors import TerminalError
from core_monitor.queue.executors import ExecutorRegistry
from core_monitor.runtime import Runtime
from core_monitor.services.deploys import DeployAsk
from core_monitor.store import commands as command_store
from core_monitor.store import deploys as deploy_store
from core_monitor.store.db import Database
from tests.support.applied import pretend_applied
from tests.support.deploys import NGINX_STACK, FakeBox, FakeDriver, site
from tests.support.helpers import make_settings

ADMIN = Actor(name="admin")


class Context:
    """The worker's ExecutionContext, as far as the executor uses it. ``crash`` drops the
    outcome's write, as a kill -9 before the outcome's commit would."""

    def __init__(self, db: Database, command: Command, crash: bool = False) -> None:
        self.db, self.command, self.crash = db, command, crash
        self.lines: list[str] = []
        self.outcome: list[Any] = []
        self.leases = 0

    def log(self, message: str, level: str = "info", **fields: object) -> None:
        self.lines.append(message)

    log_later = log

    def commit_with_outcome(self, write: Any) -> None:
        self.outcome.append(write)

    def checkpoint(self) -> None:
        pass

    def check_lease(self) -> None:
        self.leases += 1

    def finish(self) -> None:
        if not self.crash:
            for write in self.outcome:
                with self.db.write() as session:
                    write(session)


class World:
    def __init__(
        self, runtime: Runtime, executor: DeployExecutor, driver: FakeDriver, box: FakeBox
    ):
        self.runtime, self.executor, self.driver, self.box = runtime, executor, driver, box
        self.outcomes: list[tuple[str, str]] = []

    def upload(self, version: str) -> str:
        data = site(version)
        artifact, _ = self.runtime.artifacts.upload(ADMIN, f"{version}.tar.gz", None, _Bytes(data))
        return artifact.sha256

    def request(self, sha: str) -> Command:
        command = self.runtime.deploys.request(ADMIN, "shop", DeployAsk("web", sha))
        with self.runtime.db.read() as session:
            return command_store.get(session, command.command_id)

    def run(self, command: Command, crash: bool = False, attempt: int = 1) -> Context:
        """As the worker runs a command: ``attempt`` is its claim's count (1: first run)."""
        claimed = command.model_copy(update={"attempts": attempt})
        ctx = Context(self.runtime.db, claimed, crash)
        self.executor.run(ctx)
        ctx.finish()
        return ctx

    def deployment(self, command: Command) -> Any:
        with self.runtime.db.read() as session:
            return deploy_store.get_deployment(session, command.payload.deployment_id)  # type: ignore[union-attr]


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.data[self.at : self.at + n if n >= 0 else None]
        self.at += len(chunk)
        return chunk


@pytest.fixture
def world(sqlite_db: Database, tmp_path: Path) -> Iterator[World]:
    settings = make_settings(str(sqlite_db.engine.url), data_dir=tmp_path)
    registry = ExecutorRegistry()
    driver, box = FakeDriver(), FakeBox()
    runtime = Runtime.build(settings, registry=registry)
    executor = DeployExecutor(
        runtime.db,
        runtime.artifacts.store,
        runtime.convergence.versions,
        lambda host, container: box,
        lambda: {TargetKind.NGINX: driver},
        verify_seconds=1.0,
    )
    executor.register(registry)
    executor.sleep = lambda seconds: None
    runtime.deploys.drivers = lambda: {TargetKind.NGINX: driver}
    runtime.stacks.create_stack(ADMIN, "shop", NGINX_STACK, {}, "")
    pretend_applied(runtime.db, "shop")
    found = World(runtime, executor, driver, box)
    executor.observers.append(lambda kind, outcome, s: found.outcomes.append((kind, outcome)))
    yield found
    runtime.close()


def test_a_deploy_is_verified_and_supersedes_the_previous(world: World) -> None:
    v1, v2 = world.upload("v1"), world.upload("v2")
    first = world.request(v1)
    ctx = world.run(first)
    assert world.deployment(first).status == DeploymentStatus.DEPLOYED
    assert ctx.leases == 2  # before the transfer and before the activation
    assert world.box.calls[-1][-1] == "http://127.0.0.1:80/"  # the probe, from inside
    second = world.request(v2)
    world.run(second)
    now, before = world.deployment(second), world.deployment(first)
    assert (now.status, before.status) == (DeploymentStatus.DEPLOYED, DeploymentStatus.SUPERSEDED)
    assert now.previous == before.deployment_id
    assert now.health and "200" in now.health
    assert world.outcomes == [("nginx", "deployed"), ("nginx", "deployed")]


def test_a_first_attempt_asks_nothing_it_cannot_know_and_skips_a_verified_activation(
    world: World,
) -> None:
    """Nothing of a deployment can be in place before its first attempt: no ``current``
    (an exec on a real target). An activation that saw the server's status (Tomcat's deploy
    and list in one exec) is not verified again."""
    command = world.request(world.upload("v1"))
    deployment_id = command.payload.deployment_id  # type: ignore[union-attr]
    world.driver.seen_at_activation, world.driver.probed = True, 200
    world.run(command)
    assert world.driver.steps == [f"transfer {deployment_id}", f"activate {deployment_id}"]
    assert world.box.calls == []  # the activation's exec probed the path: no exec more
    assert world.deployment(command).status == DeploymentStatus.DEPLOYED
    assert world.deployment(command).health == "GET http://127.0.0.1:80/ → 200"


def test_a_probe_in_the_drivers_exec_that_did_not_pass_is_asked_again(world: World) -> None:
    world.driver.seen_at_activation, world.driver.probed = True, 404  # not started yet
    command = world.request(world.upload("v1"))
    world.run(command)
    assert world.box.calls[-1][-1] == "http://127.0.0.1:80/"  # the executor's own probe
    assert world.deployment(command).status == DeploymentStatus.DEPLOYED


def test_a_failure_puts_the_previous_back_and_is_failed_with_the_drivers_words(
    world: World,
) -> None:
    good, bad = world.upload("good"), world.upload("bad")
    first = world.request(good)
    world.run(first)
    world.driver.broken.add(bad)
    second = world.request(bad)
    with pytest.raises(TerminalError) as caught:
        world.run(second)
    assert "FAIL - context failed to start" in str(caught.value)
    assert "serves again" in str(caught.value)
    failed = world.deployment(second)
    assert failed.status == DeploymentStatus.FAILED
    assert failed.message == "FAIL - context failed to start"
    assert world.deployment(first).status == DeploymentStatus.DEPLOYED  # still current
    assert world.driver.active["default"] == first.payload.deployment_id  # type: ignore[union-attr]
    assert world.outcomes[-1] == ("nginx", "failed")
    with pytest.raises(TerminalError, match="FAIL - context"):  # a re-run fails the same way
        world.run(second)


def test_a_probe_that_never_passes_fails_the_deploy(world: World) -> None:
    world.box.status["http://127.0.0.1:80/"] = 503
    command = world.request(world.upload("v1"))
    with pytest.raises(TerminalError, match="503"):
        world.run(command)
    assert world.deployment(command).status == DeploymentStatus.FAILED


def test_a_rerun_after_a_crash_converges(world: World) -> None:
    """Killed after the activation, before the outcome's commit: the re-run sees the
    driver serve it already, verifies, and records it once."""
    command = world.request(world.upload("v1"))
    world.run(command, crash=True)
    assert world.deployment(command).status == DeploymentStatus.DEPLOYING
    steps = len(world.driver.steps)
    ctx = world.run(command, attempt=2)
    deployment_id = command.payload.deployment_id  # type: ignore[union-attr]
    assert world.driver.steps[steps:] == ["current default", f"verify {deployment_id}"]
    assert any("active already" in line for line in ctx.lines)
    assert world.deployment(command).status == DeploymentStatus.DEPLOYED
    with world.runtime.db.read() as session:
        assert (
            len(deploy_store.current_deployments(session, world.deployment(command).stack_id)) == 1
        )


def test_a_target_that_serves_something_else_is_drift(world: World) -> None:
    """After a recreate, the driver must still serve our current deployment; when it does
    not, the stack's status says so (a deployment drift), and says nothing when it does."""
    command = world.request(world.upload("v1"))
    world.run(command)
    stack_id = world.deployment(command).stack_id
    check = DeploymentCheck(
        world.runtime.db,
        world.runtime.convergence.versions,
        lambda host, container: world.box,
        lambda: {TargetKind.NGINX: world.driver},
    )
    assert check.mismatches(stack_id) == []
    world.driver.active.clear()  # the container came back without it
    found = check.mismatches(stack_id)
    assert [(m.service, m.path, m.served) for m in found] == [("web", "default", None)]
    world.runtime.monitor.record_deployment_drift(stack_id, found)
    drift = world.runtime.monitor.stack_status(stack_id).drift
    assert [(d.kind, d.target, d.drifted) for d in drift if d.kind == "deployment"] == [
        ("deployment", "web default", True)
    ]
    world.runtime.monitor.record_deployment_drift(stack_id, [])
    assert not [
        d for d in world.runtime.monitor.stack_status(stack_id).drift if d.kind == "deployment"
    ]
