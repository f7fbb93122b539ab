"""Split brain after a pause: two `coremon serve` processes on one PostgreSQL database and
the real engine. The lease holder is frozen (SIGSTOP) at a random point of an APPLY that
recreates containers, for longer than the lease; the other server takes over and re-runs
the APPLY; the frozen one wakes up (SIGCONT). Whatever the timing, once the queue drained
the stack has exactly its desired containers, each carrying the last DONE APPLY's version.

COREMON_TEST_SPLIT_BRAIN_TRIALS sets the number of trials (30 by default, as in CI) and
COREMON_TEST_SPLIT_BRAIN_SEED the random seed (printed, to replay a failure).
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core_monitor.domain.commands import CommandStatus
from core_monitor.engine import labels as lbl
from core_monitor.store import commands as command_store
from core_monitor.store.db import Database
from core_monitor.store.migrate import upgrade
from core_monitor.store.tables import QueueLeaseRow
from tests.support.api_client import Api
from tests.support.docker_probe import containers, remove_project, require_docker
from tests.support.server import ServerProcess

# ~3 min for 30 trials on an idle 2-core machine; the limit leaves room for a loaded one
pytestmark = [pytest.mark.docker, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(900)]

IMAGE = "coremon-test/busybox:latest"
LEASE_SECONDS = 1.5
SETTLE_SECONDS = 1.0  # a woken worker's stale steps, if any, land within this
TRIALS = int(os.environ.get("COREMON_TEST_SPLIT_BRAIN_TRIALS", "30"))
SEED = int(os.environ.get("COREMON_TEST_SPLIT_BRAIN_SEED", str(random.randrange(1 << 30))))
FINISHED = {CommandStatus.DONE, CommandStatus.FAILED, CommandStatus.CANCELLED}
SLEEPER = "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"


def compose(mode: str) -> str:
    service = f"""
    image: {IMAGE}
    command: [sh, -c, "{SLEEPER}"]
    environment: {{MODE: {mode}}}"""
    return f"services:\n  web:{service}\n    scale: 2\n  api:{service}\n"


MODES = {1: "blue", 2: "green"}


def expected_names(stack: str) -> set[str]:
    return {f"{stack}-web-1", f"{stack}-web-2", f"{stack}-api-1"}


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def stack() -> Iterator[str]:
    require_docker()
    name = f"sb-{uuid.uuid4().hex[:8]}"
    yield name
    remove_project(name)


def status(db: Database, command_id: str) -> CommandStatus:
    with db.read() as session:
        return command_store.get(session, command_id).status


def wait_for(db: Database, command_id: str, wanted: set[CommandStatus], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while status(db, command_id) not in wanted:
        assert time.monotonic() < deadline, f"{command_id} still {status(db, command_id)}"
        time.sleep(0.02)


def lease_holder(db: Database, servers: list[ServerProcess]) -> ServerProcess:
    with db.read() as session:
        holder = session.scalar(select(QueueLeaseRow.holder)) or ""
    pid = int(holder.split(":")[1])
    return next(s for s in servers if s.process is not None and s.process.pid == pid)


def violations(stack: str, version: int) -> list[str]:
    """What differs from the desired containers of ``version``: missing, extra (duplicate),
    or carrying another version or configuration, or not running."""
    found = containers(stack)
    wanted = expected_names(stack)
    problems = [f"missing {n}" for n in sorted(wanted - set(found))]
    problems += [f"extra {n}" for n in sorted(set(found) - wanted)]
    for name, inspected in sorted(found.items()):
        labels = inspected["Config"]["Labels"]
        if labels.get(lbl.STACK_VERSION) != str(version):
            problems.append(f"{name} has v{labels.get(lbl.STACK_VERSION)}, not v{version}")
        if f"MODE={MODES[version]}" not in inspected["Config"]["Env"]:
            problems.append(f"{name} does not have MODE={MODES[version]}")
        if not inspected["State"]["Running"]:
            problems.append(f"{name} is {inspected['State']['Status']}")
    return problems


def test_a_paused_lease_holder_never_undoes_the_next_holders_apply(
    postgres_url: str, tmp_path: Path, servers: list[ServerProcess], stack: str
) -> None:
    db = Database(postgres_url)
    upgrade(db)
    env = {
        "COREMON_LEASE_SECONDS": str(LEASE_SECONDS),
        "COREMON_POLL_SECONDS": "0.1",
        "COREMON_QUEUE_ON_FAILURE": "continue",
        "COREMON_MAX_ATTEMPTS": "20",
    }
    for i in range(2):
        servers.append(ServerProcess(postgres_url, tmp_path / f"s{i}.log", **env).start())
    apis = [Api(s.url) for s in servers]
    apis[0].create_stack(stack, compose(MODES[1]))
    assert apis[0].new_version(stack, compose(MODES[2])) == 2
    apis[0].apply(stack, 1)
    started = time.monotonic()
    apis[0].apply(stack, 2)  # a recreate of every container: how long one APPLY takes
    apply_seconds = time.monotonic() - started
    print(f"seed {SEED}, {TRIALS} trials, one recreating APPLY takes {apply_seconds:.2f} s")
    rng = random.Random(SEED)
    report: dict[str, list[str]] = {"hits": [], "failed": [], "violations": []}
    try:
        for trial in range(TRIALS):
            version = 1 + trial % 2
            command_id = apis[trial % 2].enqueue(f"/stacks/{stack}/apply/{version}")
            _trial(db, servers, command_id, rng, apply_seconds, report, trial)
            if status(db, command_id) != CommandStatus.DONE:
                # a FAILED APPLY promises nothing: converge again before checking the state
                report["failed"].append(f"trial {trial}: {apis[0].command(command_id)['error']}")
                again = apis[trial % 2].enqueue(f"/stacks/{stack}/apply/{version}")
                wait_for(db, again, FINISHED, 60)
                if status(db, again) != CommandStatus.DONE:
                    report["failed"].append(f"trial {trial}: {apis[0].command(again)['error']}")
                    continue  # no DONE APPLY to hold the engine to
            report["violations"] += [f"trial {trial}: {p}" for p in violations(stack, version)]
            print(f"trial {trial} done at {time.monotonic() - started:.0f} s: {report}")
    finally:
        for api in apis:
            api.close()
        db.dispose()
    print(
        f"{len(report['hits'])}/{TRIALS} pauses landed mid-APPLY; "
        f"{len(report['failed'])} FAILED; {len(report['violations'])} violations"
    )
    assert report["violations"] == [], f"seed {SEED}: {report}"
    # the woken worker never broke the new holder's run either
    assert report["failed"] == [], f"seed {SEED}: {report}"
    assert len(report["hits"]) >= TRIALS // 2, f"seed {SEED}: too few pauses mid-APPLY"


def _trial(
    db: Database,
    servers: list[ServerProcess],
    command_id: str,
    rng: random.Random,
    apply_seconds: float,
    report: dict[str, list[str]],
    trial: int,
) -> None:
    """Pause the lease holder at a random point of the APPLY, past the lease, then wake it."""
    wait_for(db, command_id, {CommandStatus.RUNNING, *FINISHED}, 30)
    time.sleep(rng.uniform(0, apply_seconds * 0.9))
    holder = lease_holder(db, servers)
    holder.pause()
    try:
        if status(db, command_id) == CommandStatus.RUNNING:
            report["hits"].append(f"trial {trial}")
        # the other takes over after one lease; wake during or after its re-run
        time.sleep(LEASE_SECONDS + rng.uniform(0.1, 1.2 * apply_seconds + 0.3))
    finally:
        holder.resume()
    woke = time.monotonic()
    wait_for(db, command_id, FINISHED, 60)
    time.sleep(max(0.0, woke + SETTLE_SECONDS - time.monotonic()))
