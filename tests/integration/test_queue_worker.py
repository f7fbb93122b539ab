"""The queue and worker on real databases: order, exactly-once, halt, cancel, lease, recovery."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from core_monitor.domain.commands import (
    ApplyPayload,
    CommandPayload,
    CommandStatus,
    CommandType,
    DeployPayload,
    OnFailure,
    RuntimeActionPayload,
)
from core_monitor.errors import Conflict, LeaseLost, RetryableError
from core_monitor.queue.executors import ExecutionContext, ExecutorRegistry
from core_monitor.queue.signals import WakeUp
from core_monitor.queue.worker import Worker
from core_monitor.store import audit
from core_monitor.store import commands as command_store
from core_monitor.store import queue as queue_store
from core_monitor.store.clock import aware, utcnow
from core_monitor.store.db import Database
from core_monitor.store.tables import CommandRow, QueueLeaseRow
from tests.support.helpers import make_settings


class Recorder:
    """An executor that records each run and can be told to fail or block."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, str]] = []
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()
        self.fail_payloads: set[str] = set()
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, ctx: ExecutionContext) -> None:
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            ctx.log("step 1")
            while not self.gate.wait(0.05):
                ctx.checkpoint()
            ctx.checkpoint()
            if ctx.command.payload_as(DeployPayload).artifact in self.fail_payloads:
                raise RuntimeError("boom")
            with self.lock:
                self.runs.append((ctx.command.seq, ctx.command.command_id))
        finally:
            with self.lock:
                self.active -= 1


def registry_with(recorder: Recorder) -> ExecutorRegistry:
    registry = ExecutorRegistry()
    registry.register(TEST, recorder)
    return registry


@pytest.fixture
def start_worker(db: Database) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(recorder: Recorder, wakeup: WakeUp | None = None, **settings: object) -> Worker:
        worker = Worker(db, make_settings(db.url, **settings), registry_with(recorder), wakeup)
        worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


# the types these tests run (their executors are the tests' own); TEST carries a tag
TEST, WRITE, FLAKY = CommandType.DEPLOY, CommandType.RESTART, CommandType.START


def enqueue(db: Database, tag: str = "", type: CommandType = TEST) -> str:
    payload: CommandPayload = (
        DeployPayload(service="test", artifact=tag or "-", path="/", deployment_id=f"d-{tag}")
        if type == TEST
        else ApplyPayload(version=1)
        if type == CommandType.APPLY
        else RuntimeActionPayload(type=type)
    )
    with db.write() as s:
        command, _ = command_store.enqueue(s, stack_id=None, payload=payload, requested_by="test")
    return command.command_id


def status_of(db: Database, command_id: str) -> CommandStatus:
    with db.read() as s:
        return command_store.get(s, command_id).status


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_concurrent_clients_commands_run_once_in_sequence_order(
    db: Database, start_worker: Callable[..., Worker]
) -> None:
    recorder = Recorder()
    ids: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def client(i: int) -> None:
        try:
            for j in range(50):
                cid = enqueue(db, f"{i}-{j}")
                with lock:
                    ids.append(cid)
        except BaseException as exc:
            errors.append(exc)

    start_worker(recorder)
    clients = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    assert errors == []
    assert len(ids) == 1000 and len(set(ids)) == 1000
    # >=, not ==: a command run twice must fail the assertions below, not skip past 1000
    wait_for(lambda: len(recorder.runs) >= 1000, timeout=180)
    time.sleep(0.2)
    assert len(recorder.runs) == 1000  # nothing ran twice
    seqs = [seq for seq, _ in recorder.runs]
    assert seqs == sorted(seqs)  # strictly in sequence order
    assert {cid for _, cid in recorder.runs} == set(ids)
    assert recorder.max_active == 1
    with db.read() as s:
        done, total = command_store.list_commands(
            s, stack_id=None, status="DONE", type=None, limit=1, offset=0
        )
    assert total == 1000


def test_failure_halts_queue_until_retry(db: Database, start_worker: Callable[..., Worker]) -> None:
    recorder = Recorder()
    recorder.fail_payloads.add("bad")
    first = enqueue(db, "bad")
    second = enqueue(db, "good")
    start_worker(recorder)
    wait_for(lambda: status_of(db, first) == CommandStatus.FAILED)
    time.sleep(0.5)
    assert status_of(db, second) == CommandStatus.PENDING
    with db.read() as s:
        state = queue_store.state(s, on_failure=OnFailure.HALT)
    assert state.halted and state.halted_reason and first in state.halted_reason
    assert "RuntimeError: boom" in (state.head.error if state.head else "")
    recorder.fail_payloads.clear()
    with db.write() as s:
        command_store.retry(s, first, "op")
    wait_for(lambda: status_of(db, second) == CommandStatus.DONE)
    assert [cid for _, cid in recorder.runs] == [first, second]


def test_dismiss_cancels_the_failed_command_and_the_queue_goes_on(
    db: Database, start_worker: Callable[..., Worker]
) -> None:
    recorder = Recorder()
    recorder.fail_payloads.add("bad")
    first, second = enqueue(db, "bad"), enqueue(db, "good")
    start_worker(recorder)
    wait_for(lambda: status_of(db, first) == CommandStatus.FAILED)
    with db.write() as s:
        command_store.dismiss(s, first, "op", "fixed by hand")
    wait_for(lambda: status_of(db, second) == CommandStatus.DONE)
    with db.read() as s:
        dismissed = command_store.get(s, first)
    assert dismissed.status == CommandStatus.CANCELLED
    assert dismissed.error and "fixed by hand" in dismissed.error
    with pytest.raises(Conflict), db.write() as s:
        command_store.retry(s, second, "op")


def test_continue_policy_does_not_halt(db: Database, start_worker: Callable[..., Worker]) -> None:
    recorder = Recorder()
    recorder.fail_payloads.add("bad")
    first, second = enqueue(db, "bad"), enqueue(db, "good")
    start_worker(recorder, queue_on_failure="continue")
    wait_for(lambda: status_of(db, second) == CommandStatus.DONE)
    assert status_of(db, first) == CommandStatus.FAILED


def test_cancel_pending_at_once_and_running_between_steps(
    db: Database, start_worker: Callable[..., Worker]
) -> None:
    recorder = Recorder()
    recorder.gate.clear()
    running, pending = enqueue(db, "a"), enqueue(db, "b")
    with db.write() as s:
        assert command_store.cancel(s, pending, "op").status == CommandStatus.CANCELLED
    start_worker(recorder)
    wait_for(lambda: status_of(db, running) == CommandStatus.RUNNING)
    with db.write() as s:
        command_store.cancel(s, running, "op")
    wait_for(lambda: status_of(db, running) == CommandStatus.CANCELLED)
    assert recorder.runs == []
    with pytest.raises(Conflict), db.write() as s:
        command_store.cancel(s, running, "op")


def test_a_type_without_an_executor_here_fails_with_a_clear_error(
    db: Database, start_worker: Callable[..., Worker]
) -> None:
    """Queued by a process that had one (the API refuses it otherwise), run by one without."""
    cid = enqueue(db, type=CommandType.APPLY)
    start_worker(Recorder())
    wait_for(lambda: status_of(db, cid) == CommandStatus.FAILED)
    with db.read() as s:
        assert "no executor is registered for APPLY" in (command_store.get(s, cid).error or "")


@pytest.mark.parametrize(
    ("stored", "error"),
    [
        ({"type": "DEPLOY", "payload": {"service": "x"}}, "artifact: Field required"),
        ({"type": "DEPLOY", "payload": {"tag": "x"}}, "tag: Extra inputs are not permitted"),
        ({"type": "NOPE"}, "unknown command type 'NOPE'"),
    ],
)
def test_a_stored_command_that_does_not_validate_fails_clearly_and_the_queue_goes_on(
    db: Database, start_worker: Callable[..., Worker], stored: dict[str, Any], error: str
) -> None:
    bad, good = enqueue(db, "bad"), enqueue(db, "good")
    with db.write() as s:  # written by hand, or by another version
        s.execute(update(CommandRow).where(CommandRow.command_id == bad).values(**stored))
    recorder = Recorder()
    start_worker(recorder, queue_on_failure="continue")
    wait_for(lambda: status_of(db, good) == CommandStatus.DONE)
    assert [cid for _, cid in recorder.runs] == [good]
    with db.read() as s:
        row = s.scalars(select(CommandRow).where(CommandRow.command_id == bad)).one()
    assert row.status == CommandStatus.FAILED
    assert row.error and "cannot run" in row.error and error in row.error


def test_two_workers_never_run_two_commands_at_once(
    db: Database, start_worker: Callable[..., Worker]
) -> None:
    recorder = Recorder()
    ids = [enqueue(db, str(i)) for i in range(30)]
    start_worker(recorder)
    start_worker(recorder)
    wait_for(lambda: len(recorder.runs) >= 30, timeout=60)
    time.sleep(0.2)
    assert recorder.max_active == 1
    assert [cid for _, cid in recorder.runs] == ids


def test_in_process_enqueue_wakes_the_worker_within_100ms(
    db: Database, start_worker: Callable[..., Worker]
) -> None:
    recorder = Recorder()
    wakeup = WakeUp()
    start_worker(recorder, wakeup, poll_seconds=5.0)
    enqueue(db, "warm-up")
    wakeup.notify()
    wait_for(lambda: len(recorder.runs) == 1)
    latencies = []
    for attempt in range(3):  # the best of three: the machine's other load is not the worker's
        time.sleep(0.3)  # let the worker go idle on its 5 s poll
        cid = enqueue(db, f"fast-{attempt}")  # committed: from here on it is the worker's latency
        started = time.monotonic()
        wakeup.notify()
        wait_for(lambda c=cid: status_of(db, c) != CommandStatus.PENDING, timeout=5)
        latencies.append(time.monotonic() - started)
    assert min(latencies) < 0.1, latencies


def test_orphaned_running_command_is_rerun_then_failed_past_max_attempts(db: Database) -> None:
    """A RUNNING command whose worker died (lease expired) is re-run up to max_attempts."""
    cid = enqueue(db, "x")
    with db.write() as s:  # a worker took it, then died: RUNNING, lease expired
        s.execute(update(CommandRow).values(status="RUNNING", attempts=1))
        s.execute(update(QueueLeaseRow).values(holder="dead:1:x", generation=7, expires_at=0))
    recorder = Recorder()
    worker = Worker(db, make_settings(db.url, max_attempts=2), registry_with(recorder))
    assert worker.run_once()
    assert status_of(db, cid) == CommandStatus.DONE
    assert worker.lease is not None and worker.lease.generation == 8
    with db.read() as s:
        logs = [line.message for line in command_store.logs_after(s, cid, 0)]
        assert command_store.get(s, cid).attempts == 2
    assert any("previous worker lost its lease" in m for m in logs)

    other = enqueue(db, "y")
    with db.write() as s:
        s.execute(
            update(CommandRow)
            .where(CommandRow.command_id == other)
            .values(status="RUNNING", attempts=2)
        )
    worker.run_once()
    with db.read() as s:
        failed = command_store.get(s, other)
    assert failed.status == CommandStatus.FAILED
    assert failed.error and "gave up after 2 attempt(s)" in failed.error
    assert len(recorder.runs) == 1


def test_a_worker_that_lost_its_lease_cannot_record_outcomes(db: Database) -> None:
    """Fencing: a paused worker whose lease was taken over cannot finish its command."""
    cid = enqueue(db, "x")
    recorder = Recorder()
    recorder.gate.clear()
    stale = Worker(db, make_settings(db.url), registry_with(recorder))
    runner = threading.Thread(target=stale.run_once)
    runner.start()
    wait_for(lambda: status_of(db, cid) == CommandStatus.RUNNING)
    with db.write() as s:  # its lease expires and someone else takes it
        s.execute(update(QueueLeaseRow).values(expires_at=0))
        assert queue_store.try_acquire(s, "usurper", 30.0) is not None
    recorder.gate.set()
    runner.join(10)
    assert status_of(db, cid) == CommandStatus.RUNNING  # the stale worker wrote nothing
    assert stale.lease is None


class EngineWriter:
    """An executor that, once let go, makes one engine write after a check: ``check_lease``
    (as the engine executor does before each write) or ``checkpoint`` (between steps). No
    log line in between (those are fenced in the database anyway): the check alone must
    stop it."""

    def __init__(self, check: str = "check_lease") -> None:
        self.check = check
        self.gate = threading.Event()
        self.wrote = False
        self.raised: BaseException | None = None

    def __call__(self, ctx: ExecutionContext) -> None:
        self.gate.wait(10)
        try:
            getattr(ctx, self.check)()
        except BaseException as exc:
            self.raised = exc
            raise
        self.wrote = True


def _paused_past_its_lease(
    db: Database, taken_over: bool, check: str = "check_lease"
) -> tuple[str, EngineWriter, Worker]:
    """A worker whose renewal thread never runs (as if the process were frozen) runs a
    command past its lease's local deadline; another holder takes over if ``taken_over``."""
    cid = enqueue(db, type=WRITE)
    writer = EngineWriter(check)
    registry = ExecutorRegistry()
    registry.register(WRITE, writer)
    worker = Worker(db, make_settings(db.url, lease_seconds=0.75), registry)
    runner = threading.Thread(target=worker.run_once)
    runner.start()
    wait_for(lambda: status_of(db, cid) == CommandStatus.RUNNING)
    time.sleep(0.75)  # past the lease: its last renewal no longer vouches for it
    if taken_over:
        with db.write() as s:
            assert queue_store.try_acquire(s, "usurper", 30.0) is not None
    writer.gate.set()
    runner.join(10)
    return cid, writer, worker


@pytest.mark.parametrize("check", ["check_lease", "checkpoint"])
def test_a_worker_whose_lease_was_taken_over_stops_before_its_next_engine_write(
    db: Database, check: str
) -> None:
    """Its renewal thread has not noticed yet: the check before the write must."""
    cid, writer, worker = _paused_past_its_lease(db, taken_over=True, check=check)
    assert writer.wrote is False
    assert isinstance(writer.raised, LeaseLost)
    assert status_of(db, cid) == CommandStatus.RUNNING  # left to the new holder
    assert worker.lease is None


def test_a_lease_past_its_local_deadline_that_nobody_took_is_renewed_at_the_check(
    db: Database,
) -> None:
    cid, writer, worker = _paused_past_its_lease(db, taken_over=False)
    assert writer.wrote is True
    assert status_of(db, cid) == CommandStatus.DONE
    assert worker.lease is not None  # still held: its generation was never taken


def test_retryable_error_is_retried_then_succeeds(
    db: Database, start_worker: Callable[..., Worker]
) -> None:
    calls: list[int] = []

    def flaky(ctx: ExecutionContext) -> None:
        calls.append(ctx.command.attempts)
        if len(calls) == 1:
            raise RetryableError("engine busy")

    registry = ExecutorRegistry()
    registry.register(FLAKY, flaky)
    worker = Worker(db, make_settings(db.url), registry)
    cid = enqueue(db, type=FLAKY)
    worker.start()
    try:
        wait_for(lambda: status_of(db, cid) == CommandStatus.DONE)
    finally:
        worker.stop()
    assert calls == [1, 2]


def _fail_once_retryably(db: Database) -> tuple[str, Worker]:
    """A command whose first attempt raised a RetryableError, as the worker records it."""

    def flaky(ctx: ExecutionContext) -> None:
        raise RetryableError("engine busy")

    registry = ExecutorRegistry()
    registry.register(FLAKY, flaky)
    worker = Worker(db, make_settings(db.url), registry)
    cid = enqueue(db, type=FLAKY)
    assert worker.run_once()  # the first attempt: requeued with a backoff
    return cid, worker


def test_a_retry_waits_out_its_backoff_as_data_then_is_claimed(db: Database) -> None:
    cid, worker = _fail_once_retryably(db)
    assert worker.lease is not None
    with db.read() as s:
        command = command_store.get(s, cid)
        row = s.get(CommandRow, command.seq)
        assert row is not None and row.not_before is not None
        not_before = aware(row.not_before)
    assert command.status == CommandStatus.PENDING
    assert not_before > utcnow() + timedelta(seconds=1)  # 2 s after the first attempt
    later = enqueue(db, type=FLAKY)
    with db.write() as s:  # before it: neither it nor anything queued after it starts
        claim = queue_store.claim_next(s, worker.lease, on_failure=OnFailure.HALT, max_attempts=3)
    assert claim == queue_store.Backoff(not_before)
    assert status_of(db, later) == CommandStatus.PENDING
    with db.write() as s:  # time passes
        s.execute(
            update(CommandRow)
            .where(CommandRow.command_id == cid)
            .values(not_before=utcnow() - timedelta(seconds=1))
        )
    with db.write() as s:
        claimed = queue_store.claim_next(s, worker.lease, on_failure=OnFailure.HALT, max_attempts=3)
    assert isinstance(claimed, queue_store.Claim)
    assert claimed.command.command_id == cid and claimed.command.attempts == 2
    worker.stop()


def test_stopping_the_worker_during_a_backoff_is_prompt(db: Database) -> None:
    calls: list[float] = []

    def flaky(ctx: ExecutionContext) -> None:
        calls.append(time.monotonic())
        raise RetryableError("engine busy")

    registry = ExecutorRegistry()
    registry.register(FLAKY, flaky)
    worker = Worker(db, make_settings(db.url, poll_seconds=5.0), registry)
    cid = enqueue(db, type=FLAKY)
    worker.start()
    wait_for(lambda: len(calls) == 1 and status_of(db, cid) == CommandStatus.PENDING)
    started = time.monotonic()
    worker.stop()
    assert time.monotonic() - started < 0.5
    assert len(calls) == 1  # the backoff (2 s) was not over: no second attempt


def test_command_timeout_fails_the_command(db: Database) -> None:
    recorder = Recorder()
    recorder.gate.clear()
    cid = enqueue(db, "slow")
    worker = Worker(db, make_settings(db.url, command_timeout_seconds=0.3), registry_with(recorder))
    worker.run_once()
    with db.read() as s:
        command = command_store.get(s, cid)
    assert command.status == CommandStatus.FAILED
    assert command.error and "timed out" in command.error


def test_an_expired_lease_nobody_took_over_still_completes_the_command_once(
    db: Database,
) -> None:
    """Expiry alone (a slow renewal under load) must not make a finished command run again."""
    cid = enqueue(db, "x")
    recorder = Recorder()
    recorder.gate.clear()
    worker = Worker(db, make_settings(db.url), registry_with(recorder))
    runner = threading.Thread(target=worker.run_once)
    runner.start()
    wait_for(lambda: status_of(db, cid) == CommandStatus.RUNNING)
    with db.write() as s:
        s.execute(update(QueueLeaseRow).values(expires_at=0))
    recorder.gate.set()
    runner.join(10)
    assert status_of(db, cid) == CommandStatus.DONE
    assert worker.run_once() is False  # nothing left to (re-)run
    assert len(recorder.runs) == 1


def test_log_lines_from_parallel_steps_are_all_kept_in_order(db: Database) -> None:
    """Lines are group-committed; none is lost and each thread's come in its order."""

    def parallel_steps(ctx: ExecutionContext) -> None:
        def step(t: int) -> None:
            for i in range(10):
                ctx.log(f"t{t} line {i}")

        threads = [threading.Thread(target=step, args=(t,)) for t in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    registry = ExecutorRegistry()
    registry.register(TEST, parallel_steps)
    cid = enqueue(db)
    worker = Worker(db, make_settings(db.url), registry)
    assert worker.run_once()
    with db.read() as s:
        lines = [line.message for line in command_store.logs_after(s, cid, 0)]
    for t in range(20):
        mine = [m for m in lines if m.startswith(f"t{t} ")]
        assert mine == [f"t{t} line {i}" for i in range(10)]
    assert status_of(db, cid) == CommandStatus.DONE


# -- the outcome transaction --------------------------------------------------------------
def _audited(db: Database, target: str) -> list[str]:
    with db.read() as s:
        rows, _ = audit.list_entries(s, audit.AuditFilter(target=target), limit=10, offset=0)
        return [row.action for row in rows]


def _outcome_write(target: str) -> Callable[[Session], None]:
    def write(session: Session) -> None:
        audit.record(session, actor="executor", action="test.outcome", target=target)

    return write


def _run_one(db: Database, executor: Callable[[ExecutionContext], None]) -> tuple[str, Worker]:
    registry = ExecutorRegistry()
    registry.register(TEST, executor)
    worker = Worker(db, make_settings(db.url), registry)
    assert worker.run_once() is False  # takes the lease on an empty queue
    return enqueue(db), worker


def test_a_command_that_only_reads_costs_two_write_transactions(db: Database) -> None:
    """Its claim, then one commit for later lines, outcome writes and status together."""

    def reads_only(ctx: ExecutionContext) -> None:
        ctx.log_later("nothing to do", plan={"steps": 0})
        time.sleep(0.05)
        ctx.commit_with_outcome(_outcome_write(ctx.command.command_id))

    cid, worker = _run_one(db, reads_only)
    begun: list[str] = []
    listen = "begin"

    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("coremon_write"):
            begun.append("write")

    event.listen(worker.db.engine, listen, on_begin)
    try:
        assert worker.run_once()
    finally:
        event.remove(worker.db.engine, listen, on_begin)
    assert begun == ["write", "write"]
    assert status_of(db, cid) == CommandStatus.DONE
    assert _audited(db, cid) == ["test.outcome"]
    with db.read() as s:
        lines = command_store.logs_after(s, cid, 0)
    said = next(line for line in lines if line.message == "nothing to do")
    done = next(line for line in lines if line.message == f"{TEST} DONE")
    assert said.fields == {"plan": {"steps": 0}}
    assert (done.time - said.time).total_seconds() >= 0.04  # when said, not when written
    assert [line.message for line in lines][-2:] == ["nothing to do", f"{TEST} DONE"]


def test_outcome_writes_are_dropped_when_the_executor_fails(db: Database) -> None:
    def fails(ctx: ExecutionContext) -> None:
        ctx.log_later("about to fail")
        ctx.commit_with_outcome(_outcome_write(ctx.command.command_id))
        raise RuntimeError("boom")

    cid, worker = _run_one(db, fails)
    assert worker.run_once()
    assert status_of(db, cid) == CommandStatus.FAILED
    assert _audited(db, cid) == []
    with db.read() as s:
        messages = [line.message for line in command_store.logs_after(s, cid, 0)]
    assert "about to fail" in messages  # what was said is kept whatever the outcome


def test_a_failing_outcome_write_fails_the_command_and_keeps_its_lines(db: Database) -> None:
    def bad_write(session: Session) -> None:
        raise ValueError("no such table row")

    def executor(ctx: ExecutionContext) -> None:
        ctx.log_later("done, recording")
        ctx.commit_with_outcome(_outcome_write(ctx.command.command_id))
        ctx.commit_with_outcome(bad_write)

    cid, worker = _run_one(db, executor)
    assert worker.run_once()
    with db.read() as s:
        command = command_store.get(s, cid)
        messages = [line.message for line in command_store.logs_after(s, cid, 0)]
    assert command.status == CommandStatus.FAILED
    assert command.error == "recording the outcome failed: ValueError: no such table row"
    assert _audited(db, cid) == []  # all of the outcome writes or none
    assert "done, recording" in messages


def test_a_cancel_asked_during_the_last_step_cancels_but_keeps_what_was_done(
    db: Database,
) -> None:
    def executor(ctx: ExecutionContext) -> None:
        ctx.commit_with_outcome(_outcome_write(ctx.command.command_id))
        with db.write() as s:  # the operator asks while the last step runs
            command_store.cancel(s, ctx.command.command_id, "operator")

    cid, worker = _run_one(db, executor)
    assert worker.run_once()
    with db.read() as s:
        command = command_store.get(s, cid)
    assert command.status == CommandStatus.CANCELLED
    assert command.error == "cancelled at the operator's request"
    assert _audited(db, cid) == ["test.outcome"]
