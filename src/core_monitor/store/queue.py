"""The single-partition queue: lease (one active worker), strict-order claim, outcomes.

Every worker write is fenced: it happens only while the writer holds the lease with the
generation it was granted, so a worker that paused past its lease cannot act on wake-up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from core_monitor.domain.commands import (
    HOST_CAUSES,
    Command,
    CommandStatus,
    FailureCause,
    OnFailure,
    QueueState,
    blocking_statuses,
    halts,
)
from core_monitor.errors import LeaseLost
from core_monitor.store.clock import aware, utcnow
from core_monitor.store.commands import add_log, move, to_command, unreadable
from core_monitor.store.tables import CommandRow, QueueLeaseRow

LEASE_ROW = 1


@dataclass(frozen=True)
class Lease:
    holder: str
    generation: int


def try_acquire(session: Session, holder: str, ttl: float) -> Lease | None:
    """Take the lease if it is free or expired (a new generation), else None."""
    now = time.time()
    result = session.execute(
        update(QueueLeaseRow)
        .where(QueueLeaseRow.id == LEASE_ROW)
        .where(
            (QueueLeaseRow.holder.is_(None))
            | (QueueLeaseRow.expires_at < now)
            | (QueueLeaseRow.holder == holder)
        )
        .values(holder=holder, generation=QueueLeaseRow.generation + 1, expires_at=now + ttl)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    generation = session.scalar(
        select(QueueLeaseRow.generation).where(QueueLeaseRow.id == LEASE_ROW)
    )
    return Lease(holder, int(generation or 0))


def renew(session: Session, lease: Lease, ttl: float) -> bool:
    result = session.execute(
        update(QueueLeaseRow)
        .where(
            QueueLeaseRow.id == LEASE_ROW,
            QueueLeaseRow.holder == lease.holder,
            QueueLeaseRow.generation == lease.generation,
        )
        .values(expires_at=time.time() + ttl)
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def release(session: Session, lease: Lease) -> None:
    session.execute(
        update(QueueLeaseRow)
        .where(
            QueueLeaseRow.id == LEASE_ROW,
            QueueLeaseRow.holder == lease.holder,
            QueueLeaseRow.generation == lease.generation,
        )
        .values(holder=None, expires_at=0.0)
    )


def check_fence(session: Session, lease: Lease) -> None:
    """Raise LeaseLost unless ``lease`` is still the live one.

    The generation is the fence: a takeover always bumps it. A lease past its expiry that
    nobody took over is still ours (no one else can have acted), so it is not lost."""
    row = session.get(QueueLeaseRow, LEASE_ROW, with_for_update=True)
    if row is None or row.holder != lease.holder or row.generation != lease.generation:
        raise LeaseLost(f"queue lease generation {lease.generation} is no longer held")


def head(session: Session, on_failure: OnFailure) -> CommandRow | None:
    """The earliest command that is not finished: the only one allowed to run."""
    blocking = [str(s) for s in blocking_statuses(on_failure)]
    # ``halts`` in SQL: a FAILED command whose cause is its host's does not block
    not_host_failed = or_(
        CommandRow.status != str(CommandStatus.FAILED),
        CommandRow.failure_cause.is_(None),
        CommandRow.failure_cause.not_in([str(c) for c in HOST_CAUSES]),
    )
    return session.scalars(
        select(CommandRow)
        .where(and_(CommandRow.status.in_(blocking), not_host_failed))
        .order_by(CommandRow.seq)
        .limit(1)
    ).first()


@dataclass(frozen=True)
class Claim:
    command: Command
    recovered: bool  # re-run after a worker died during an earlier attempt


@dataclass(frozen=True)
class Backoff:
    """The head waits for its retry: nothing may start before ``until``."""

    until: datetime


def claim_next(
    session: Session, lease: Lease, *, on_failure: OnFailure, max_attempts: int
) -> Claim | Backoff | None:
    """Start the head command if it may start. A RUNNING head found by the lease holder was
    orphaned by a dead worker: it is re-run (executors are idempotent) or, past
    ``max_attempts``, FAILED. A head waiting out a retry's backoff holds the queue."""
    check_fence(session, lease)
    row = head(session, on_failure)
    if row is None or halts(CommandStatus(row.status), on_failure, _cause(row)):
        return None
    if row.not_before is not None and aware(row.not_before) > utcnow():
        return Backoff(aware(row.not_before))
    problem = unreadable(row)
    if problem is not None:
        error = f"the stored {row.type} command cannot run: {problem}"
        move(row, CommandStatus.RUNNING)  # claimed, and failed at once: nothing was done
        row.attempts += 1
        move(row, CommandStatus.FAILED, error=error)
        add_log(session, row.command_id, "error", error, row.attempts)
        return None
    recovered = row.status == CommandStatus.RUNNING
    if recovered and row.attempts >= max_attempts:
        move(row, CommandStatus.FAILED, error=_gave_up(row.attempts))
        add_log(session, row.command_id, "error", _gave_up(row.attempts), row.attempts)
        return None
    if row.cancel_requested:
        move(row, CommandStatus.CANCELLED, error="cancelled before it could run again")
        add_log(session, row.command_id, "info", "cancelled", row.attempts)
        return None
    move(row, CommandStatus.RUNNING)
    row.attempts += 1
    _log_attempt(session, row, lease, recovered, max_attempts)
    return Claim(to_command(row), recovered)


def _log_attempt(
    session: Session, row: CommandRow, lease: Lease, recovered: bool, max_attempts: int
) -> None:
    note = (
        f"attempt {row.attempts}/{max_attempts} (previous worker lost its lease mid-run)"
        if recovered
        else f"attempt {row.attempts}/{max_attempts} started"
    )
    add_log(
        session,
        row.command_id,
        "warning" if recovered else "info",
        note,
        row.attempts,
        {"worker": lease.holder, "lease_generation": lease.generation},
    )


def _gave_up(attempts: int) -> str:
    return f"gave up after {attempts} attempt(s): the worker died each time"


def _cause(row: CommandRow) -> FailureCause | None:
    return FailureCause(row.failure_cause) if row.failure_cause else None


def finish(
    session: Session,
    lease: Lease,
    command_id: str,
    status: CommandStatus,
    error: str | None,
    cause: FailureCause | None = None,
) -> Command:
    """The command's final status (and, FAILED, its cause). A DONE command whose cancel was
    asked while its last step ran ends CANCELLED: what it did stays recorded, the operator's
    word is kept."""
    check_fence(session, lease)
    row = _locked(session, command_id)
    if status == CommandStatus.DONE and row.cancel_requested:
        status, error = CommandStatus.CANCELLED, "cancelled at the operator's request"
    move(row, status, error=error)
    if status == CommandStatus.FAILED:
        row.failure_cause = str(cause or FailureCause.COMMAND)
    level = "info" if status == CommandStatus.DONE else "error"
    add_log(
        session,
        command_id,
        level,
        f"{row.type} {status}" + (f": {error}" if error else ""),
        row.attempts,
    )
    return to_command(row)


def requeue(
    session: Session, lease: Lease, command_id: str, reason: str, not_before: datetime
) -> None:
    """A retryable failure: back to PENDING at the head, attempts kept; no attempt starts
    before ``not_before`` (the backoff), and nothing queued after it either."""
    check_fence(session, lease)
    row = _locked(session, command_id)
    move(row, CommandStatus.PENDING)
    row.not_before = not_before
    add_log(
        session,
        command_id,
        "warning",
        f"will retry: {reason}",
        row.attempts,
        {"not_before": not_before.isoformat()},
    )


def _locked(session: Session, command_id: str) -> CommandRow:
    return session.scalars(
        select(CommandRow).where(CommandRow.command_id == command_id).with_for_update()
    ).one()


def is_cancel_requested(session: Session, command_id: str) -> bool:
    return bool(
        session.scalar(
            select(CommandRow.cancel_requested).where(CommandRow.command_id == command_id)
        )
    )


def state(session: Session, *, on_failure: OnFailure) -> QueueState:
    first = head(session, on_failure)
    running = session.scalars(
        select(CommandRow).where(CommandRow.status == CommandStatus.RUNNING).limit(1)
    ).first()
    depth = len(
        session.scalars(
            select(CommandRow.seq).where(CommandRow.status == CommandStatus.PENDING)
        ).all()
    )
    halted = first is not None and halts(CommandStatus(first.status), on_failure, _cause(first))
    reason = None
    if halted and first is not None:
        reason = (
            f"command {first.command_id} ({first.type}, seq {first.seq}) FAILED: {first.error}. "
            "Retry it or dismiss it to let the queue go on."
        )
    return QueueState(
        head=to_command(first) if first else None,
        running=to_command(running) if running else None,
        depth=depth,
        halted=halted,
        halted_reason=reason,
        on_failure=on_failure,
    )
