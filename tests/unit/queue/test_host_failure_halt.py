"""The halt rule with hosts: a command FAILED because its host is away or replaced does not
halt the queue (the next command, maybe another host's, runs); any other failure does
under COREMON_QUEUE_ON_FAILURE=halt. A retry clears the cause with the failure."""

from __future__ import annotations

import pytest

from core_monitor.domain.commands import (
    CommandStatus,
    DeletePayload,
    FailureCause,
    OnFailure,
    halts,
)
from core_monitor.store import commands as command_store
from core_monitor.store import queue as queue_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database
from core_monitor.store.stacks import NewVersion

HALT = OnFailure.HALT


@pytest.mark.parametrize(
    ("cause", "halted"),
    [
        (None, True),
        (FailureCause.COMMAND, True),
        (FailureCause.HOST_UNREACHABLE, False),
        (FailureCause.ENGINE_CHANGED, False),
    ],
)
def test_the_rule(cause: FailureCause | None, halted: bool) -> None:
    assert halts(CommandStatus.FAILED, HALT, cause) is halted
    assert halts(CommandStatus.FAILED, OnFailure.CONTINUE, cause) is False
    assert halts(CommandStatus.DONE, HALT, cause) is False


def _queue_two(db: Database) -> tuple[str, str]:
    ids = []
    with db.write() as session:
        for name in ("hf-one", "hf-two"):
            stack, _ = stack_store.create_stack(session, name, _version())
            command, _ = command_store.enqueue(
                session,
                stack_id=stack.stack_id,
                payload=DeletePayload(),
                requested_by="t",
                idempotency_key=None,
            )
            ids.append(command.command_id)
    return ids[0], ids[1]


def _version() -> NewVersion:
    return NewVersion(
        compose_text="services: {}\n",
        definition={"services": {}},
        variables={},
        content_hash="0" * 64,
        author="t",
        comment="",
    )


def _fail_first(db: Database, cause: FailureCause) -> tuple[str, str]:
    first, second = _queue_two(db)
    with db.write() as session:
        lease = queue_store.try_acquire(session, "w", 30)
        assert lease is not None
        claim = queue_store.claim_next(session, lease, on_failure=HALT, max_attempts=3)
        assert isinstance(claim, queue_store.Claim) and claim.command.command_id == first
        done = queue_store.finish(session, lease, first, CommandStatus.FAILED, "away", cause)
    assert done.failure_cause == cause
    return first, second


@pytest.mark.parametrize("cause", [FailureCause.HOST_UNREACHABLE, FailureCause.ENGINE_CHANGED])
def test_a_host_failure_lets_the_next_command_run(sqlite_db: Database, cause: FailureCause) -> None:
    first, second = _fail_first(sqlite_db, cause)
    with sqlite_db.write() as session:
        state = queue_store.state(session, on_failure=HALT)
        assert not state.halted
        lease = queue_store.try_acquire(session, "w", 30)
        assert lease is not None
        claim = queue_store.claim_next(session, lease, on_failure=HALT, max_attempts=3)
    assert isinstance(claim, queue_store.Claim) and claim.command.command_id == second


def test_a_command_failure_halts_and_a_retry_clears_the_cause(sqlite_db: Database) -> None:
    first, _ = _fail_first(sqlite_db, FailureCause.COMMAND)
    with sqlite_db.write() as session:
        state = queue_store.state(session, on_failure=HALT)
        assert state.halted and state.head is not None
        assert state.head.command_id == first
        lease = queue_store.try_acquire(session, "w", 30)
        assert lease is not None
        assert queue_store.claim_next(session, lease, on_failure=HALT, max_attempts=3) is None
        retried = command_store.retry(session, first, "t")
    assert retried.status == CommandStatus.PENDING and retried.failure_cause is None
