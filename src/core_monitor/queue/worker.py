"""The worker: holds the queue lease, runs the head command, records every outcome.

One worker per database executes at a time (the lease). A thread renews the lease while a
command runs; executors call ``checkpoint()`` between steps, which stops them when the
command was cancelled, timed out, or the lease was lost, and ``check_lease()`` right before
each engine write: a worker frozen past its lease (another has taken over meanwhile) must
stop before it touches anything, not after. That check needs no database round trip while
the lease is surely ours: until a local, monotonic deadline a safety margin short of the
expiry the last successful renewal set.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog

from core_monitor.domain.commands import (
    Command,
    CommandStatus,
    FailureCause,
    HostFailure,
    retry_delay,
)
from core_monitor.errors import (
    CommandCancelled,
    InvalidInput,
    LeaseLost,
    RetryableError,
    TerminalError,
)
from core_monitor.log import get_logger
from core_monitor.queue.executors import ExecutorRegistry, OutcomeWrite
from core_monitor.queue.signals import CommandListener, WakeUp, notify
from core_monitor.settings import Settings
from core_monitor.store import commands as command_store
from core_monitor.store import queue as queue_store
from core_monitor.store.clock import utcnow
from core_monitor.store.db import Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = get_logger("core_monitor.worker")


class _RunningCommand:
    """The ExecutionContext handed to an executor.

    Log lines are group-committed: the thread that finds no write in progress writes every
    line pending, in order, in one transaction; the others return at once and their lines
    ride along. Parallel steps (fifty container starts) then cost a handful of synchronous
    commits instead of fifty, and lines still reach readers within one commit's time.

    Lines logged with ``log_later`` and writes handed to ``commit_with_outcome`` wait for the
    transaction that records the command's outcome: a command with nothing to do (a no-op
    APPLY) then costs the queue two commits, its claim and its outcome."""

    def __init__(self, worker: Worker, command: Command, lease: queue_store.Lease) -> None:
        self.worker = worker
        self._command = command
        self.lease = lease
        self.deadline = time.monotonic() + worker.settings.command_timeout_seconds
        self._lock = threading.Lock()
        self._pending: list[_LogLine] = []
        self._writing = False
        self._with_outcome: list[OutcomeWrite] = []

    @property
    def command(self) -> Command:
        return self._command

    def log(self, message: str, level: str = "info", **fields: object) -> None:
        with self._lock:
            self._pending.append(_line(level, message, fields))
            if self._writing:
                return  # the writer in progress takes this line in its next batch
            self._writing = True
        self._flush_as_writer()

    def log_later(self, message: str, level: str = "info", **fields: object) -> None:
        with self._lock:
            self._pending.append(_line(level, message, fields))

    def commit_with_outcome(self, write: OutcomeWrite) -> None:
        self._with_outcome.append(write)

    def _flush_as_writer(self) -> None:
        try:
            while True:
                with self._lock:
                    batch, self._pending = self._pending, []
                    if not batch:
                        self._writing = False
                        return
                with self.worker.db.write() as session:
                    queue_store.check_fence(session, self.lease)
                    self._add_lines(session, batch)
        except BaseException:
            with self._lock:
                self._writing = False
            raise

    def _add_lines(self, session: Session, batch: list[_LogLine]) -> None:
        for level, message, fields, at in batch:
            command_store.add_log(
                session,
                self._command.command_id,
                level,
                message,
                self._command.attempts,
                fields,
                at=at,
            )

    def settled_lines(self) -> list[_LogLine]:
        """The lines not written yet, once no other thread is writing (the executor has
        returned, so no step adds more). Left pending: a failed outcome commit writes them
        again with the fallback outcome."""
        while True:
            with self._lock:
                if not self._writing:
                    return list(self._pending)
            time.sleep(0.005)  # a step's writer is draining: let it finish

    def write_outcome(
        self,
        session: Session,
        status: CommandStatus,
        error: str | None,
        *,
        effects: bool,
        cause: FailureCause | None = None,
    ) -> Command:
        """In the caller's transaction: pending lines, the executor's outcome writes (when
        ``effects``), then the command's final status (and, FAILED, its cause)."""
        self._add_lines(session, self.settled_lines())
        if effects:
            for write in self._with_outcome:
                write(session)
        command_id = self._command.command_id
        return queue_store.finish(session, self.lease, command_id, status, error, cause)

    def requeue(self, session: Session, reason: str) -> None:
        """Back to the queue; its next attempt waits out the backoff (the claim sees to it:
        this thread does not sleep, so a stop is never held up by a backoff)."""
        self._add_lines(session, self.settled_lines())
        not_before = utcnow() + retry_delay(self._command.attempts)
        queue_store.requeue(session, self.lease, self._command.command_id, reason, not_before)

    def check_lease(self) -> None:
        self.worker.ensure_lease(self.lease)

    def check_alive(self) -> None:
        """Lease and deadline: no database round trip while the lease is surely held."""
        self.check_lease()
        if time.monotonic() > self.deadline:
            raise TerminalError(
                f"timed out after {self.worker.settings.command_timeout_seconds:g} s"
            )

    def checkpoint(self) -> None:
        self.check_alive()
        with self.worker.db.read() as session:
            if queue_store.is_cancel_requested(session, self._command.command_id):
                raise CommandCancelled("cancelled at the operator's request")


_LogLine = tuple[str, str, dict[str, Any], datetime]  # level, message, fields, when said
# status, error, whether the executor's outcome writes apply, and a FAILED one's cause
_Outcome = (
    tuple[CommandStatus, str | None, bool] | tuple[CommandStatus, str | None, bool, FailureCause]
)


def _line(level: str, message: str, fields: dict[str, object]) -> _LogLine:
    return (level, message, {k: _jsonable(v) for k, v in fields.items()}, utcnow())


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


class Worker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        registry: ExecutorRegistry,
        wakeup: WakeUp | None = None,
    ) -> None:
        # Own connection pools: request traffic must never starve the worker, and above all
        # never delay a lease renewal past the lease's expiry (that would re-run a command).
        self.db = Database(db.url, pool_size=4)
        self._lease_db = Database(db.url, pool_size=1)
        self.settings = settings
        self.registry = registry
        self.wakeup = wakeup or WakeUp()
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease: queue_store.Lease | None = None
        self.lease_lost = threading.Event()
        self._lease_deadline = 0.0  # monotonic: until then the lease is surely ours
        self._renewing = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.listeners: list[CommandListener] = []
        self._due: datetime | None = None  # when the head's retry backoff ends

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        for target, name in ((self._run_loop, "worker"), (self._keep_lease, "lease")):
            thread = threading.Thread(target=target, name=f"coremon-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wakeup.notify()
        for thread in self._threads:
            thread.join(timeout)
        if self.lease is not None:
            with self.db.write() as session:
                queue_store.release(session, self.lease)
            self.lease = None
        self.db.dispose()
        self._lease_db.dispose()

    # -- loop -------------------------------------------------------------------------
    def _run_loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:
                log.exception("worker loop error")
                worked = False
            if not worked:
                self.wakeup.wait(self._idle_seconds())

    def _idle_seconds(self) -> float:
        """Until the next poll, or sooner when the head's backoff ends before it."""
        if self._due is None:
            return self.settings.poll_seconds
        left = (self._due - utcnow()).total_seconds()
        return min(self.settings.poll_seconds, max(left, 0.0))

    def run_once(self) -> bool:
        """Acquire the lease if needed, then run the head command. True if one ran."""
        if not self._hold_lease():
            return False
        assert self.lease is not None
        try:
            with self.db.write() as session:
                claim = queue_store.claim_next(
                    session,
                    self.lease,
                    on_failure=self.settings.queue_on_failure,
                    max_attempts=self.settings.max_attempts,
                )
        except LeaseLost:
            self._drop_lease()
            return False
        self._due = claim.until if isinstance(claim, queue_store.Backoff) else None
        if not isinstance(claim, queue_store.Claim):
            return False
        self._execute(claim.command, self.lease)
        return True

    def _hold_lease(self) -> bool:
        if self.lease is not None and not self.lease_lost.is_set():
            return True
        self._drop_lease()
        asked = time.monotonic()
        with self.db.write() as session:
            self.lease = queue_store.try_acquire(session, self.holder, self.settings.lease_seconds)
        if self.lease is not None:
            self._lease_deadline = asked + self._sure_seconds()
            log.info("queue lease acquired", generation=self.lease.generation, holder=self.holder)
        return self.lease is not None

    def _drop_lease(self) -> None:
        if self.lease is not None:
            log.warning("queue lease lost", generation=self.lease.generation)
        self.lease = None
        self.lease_lost.clear()

    def _keep_lease(self) -> None:
        interval = self.settings.lease_seconds / 3
        while not self._stop.wait(interval):
            lease = self.lease
            if lease is not None:
                with self._renewing:
                    self._renew(lease)

    def _sure_seconds(self) -> float:
        """How long after a renewal was asked the lease is surely still ours: the margin
        covers the time from a check to the engine write it allows, and clock skew with
        another host's worker (the expiry is wall-clock time in the database)."""
        return self.settings.lease_seconds * 2 / 3

    def _renew(self, lease: queue_store.Lease) -> bool:
        """Extend ``lease`` if it is still the live one; on failure it counts as lost."""
        asked = time.monotonic()
        try:
            with self._lease_db.write() as session:
                renewed = queue_store.renew(session, lease, self.settings.lease_seconds)
        except Exception:
            log.exception("lease renewal failed")
            renewed = False
        if renewed:
            self._lease_deadline = asked + self._sure_seconds()
        else:
            self.lease_lost.set()
        return renewed

    def ensure_lease(self, lease: queue_store.Lease) -> None:
        """Raise LeaseLost unless ``lease`` is surely still held. Past the local deadline
        (the renewal thread was late, or this process was frozen) it renews right now: that
        succeeds only if nobody took over, since a takeover bumps the generation."""
        if self.lease_lost.is_set() or self.lease != lease:
            raise LeaseLost("queue lease lost")
        if time.monotonic() < self._lease_deadline:
            return
        with self._renewing:  # one renewal for all the steps that hit the deadline at once
            if time.monotonic() < self._lease_deadline:
                return
            if not self._renew(lease):
                raise LeaseLost(f"queue lease generation {lease.generation} is no longer held")

    # -- one command ------------------------------------------------------------------
    def _execute(self, command: Command, lease: queue_store.Lease) -> None:
        structlog.contextvars.bind_contextvars(
            command_id=command.command_id, stack_id=command.stack_id
        )
        notify(self.listeners, "started", command)
        context = _RunningCommand(self, command, lease)
        try:
            outcome = self._outcome(context)
            if outcome is None:
                notify(self.listeners, "requeued", command)
                return
            finished = self._finish(context, outcome)
            status, error = finished.status, finished.error
            log.info("command finished", type=command.type, status=str(status), error=error)
            notify(self.listeners, "finished", command, status=str(status), error=error)
        except LeaseLost:
            log.warning("lease lost while running; leaving the command to the next holder")
            self._drop_lease()
        finally:
            structlog.contextvars.unbind_contextvars("command_id", "stack_id")

    def _outcome(self, context: _RunningCommand) -> _Outcome | None:
        """(status, error, whether the executor's outcome writes apply[, failure cause]), or
        None when the command went back to the queue for another attempt."""
        command = context.command
        executor = self.registry.get(command.type)
        if executor is None:
            return (
                CommandStatus.FAILED,
                f"no executor is registered for {command.type} commands",
                False,
            )
        try:
            executor(context)
            context.check_alive()  # a cancel request is honoured when the outcome is written
        except CommandCancelled as exc:
            return CommandStatus.CANCELLED, str(exc), False
        except LeaseLost:
            raise
        except HostFailure as exc:  # its host, not the command: no retry, no queue halt
            return CommandStatus.FAILED, str(exc), False, exc.cause
        except RetryableError as exc:
            if command.attempts < self.settings.max_attempts:
                with self.db.write() as session:
                    context.requeue(session, str(exc))
                return None
            return CommandStatus.FAILED, f"{exc} (after {command.attempts} attempts)", False
        except TerminalError as exc:
            return CommandStatus.FAILED, str(exc), False
        except InvalidInput as exc:
            # a refusal with its reason (the plan cannot be made: an image that may not be
            # pulled, a missing external network...), not a crash: no traceback in the log
            log.warning("command refused", type=command.type, reason=str(exc))
            return CommandStatus.FAILED, str(exc), False
        except Exception as exc:
            log.exception("executor crashed", type=command.type)
            return CommandStatus.FAILED, f"{type(exc).__name__}: {exc}", False
        return CommandStatus.DONE, None, True

    def _finish(self, context: _RunningCommand, outcome: _Outcome) -> Command:
        status, error, effects, *cause = outcome
        try:
            with self.db.write() as session:
                return context.write_outcome(
                    session, status, error, effects=effects, cause=cause[0] if cause else None
                )
        except LeaseLost:
            raise
        except Exception as exc:
            if not effects:
                raise
            # an outcome write of the executor's failed: the command did not fully land
            log.exception("recording the outcome failed", type=context.command.type)
            failed = f"recording the outcome failed: {type(exc).__name__}: {exc}"
            with self.db.write() as session:
                return context.write_outcome(session, CommandStatus.FAILED, failed, effects=False)
