"""Commands, their logs and the operator's verbs on them (cancel, retry, dismiss)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core_monitor.domain.commands import (
    FINISHED,
    ApplyPayload,
    Command,
    CommandLogLine,
    CommandPayload,
    CommandStatus,
    CommandType,
    FailureCause,
    RollbackPayload,
    UnreadablePayload,
    can_transition,
    read_payload,
)
from core_monitor.errors import Conflict, NotFound
from core_monitor.store.clock import aware, maybe_aware, utcnow
from core_monitor.store.tables import CommandLogRow, CommandRow
from core_monitor.vault import REDACTOR

# PostgreSQL hands out sequence numbers before commit; concurrent enqueues could then commit
# out of order and the worker would see seq 7 before seq 6 exists. Enqueues take this
# transaction-scoped lock so commit order equals seq order. (SQLite writes are serial already.)
ENQUEUE_LOCK_KEY = 0x636F72656D6F6E  # "coremon"


def enqueue(
    session: Session,
    *,
    stack_id: str | None,
    payload: CommandPayload,
    requested_by: str,
    idempotency_key: str | None = None,
) -> tuple[Command, bool]:
    """Persist a PENDING command (of its payload's type) at the end of the queue.
    Returns (command, created)."""
    type, stored = payload.type, payload.wire()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ENQUEUE_LOCK_KEY})
    idempotency_key = idempotency_key or None  # an empty header means none
    if idempotency_key:
        existing = session.scalars(
            select(CommandRow).where(CommandRow.idempotency_key == idempotency_key)
        ).first()
        if existing is not None:
            if (existing.type, existing.stack_id, existing.payload) != (type, stack_id, stored):
                raise Conflict("Idempotency-Key was already used for a different request")
            return to_command(existing), False
    now = utcnow()
    row = CommandRow(
        command_id=str(uuid.uuid4()),
        stack_id=stack_id,
        type=type,
        payload=stored,
        status=CommandStatus.PENDING,
        attempts=0,
        requested_by=requested_by,
        cancel_requested=False,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    add_log(session, row.command_id, "info", f"{type} queued by {requested_by}", attempt=0)
    return to_command(row), True


def get(session: Session, command_id: str) -> Command:
    return to_command(_row(session, command_id))


def list_commands(
    session: Session,
    *,
    stack_id: str | None,
    status: str | None,
    type: CommandType | None,
    limit: int,
    offset: int,
    only: frozenset[str] | None = None,
) -> tuple[list[Command], int]:
    """Newest first; ``only`` limits them to these stack ids (what a caller may see)."""
    query = select(CommandRow)
    if only is not None:
        query = query.where(CommandRow.stack_id.in_(only))
    if stack_id:
        query = query.where(CommandRow.stack_id == stack_id)
    if status:
        query = query.where(CommandRow.status == status)
    if type:
        query = query.where(CommandRow.type == type)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(CommandRow.seq.desc()).limit(limit).offset(offset))
    return [to_command(r) for r in rows], total


def changed_since(session: Session, since: datetime, limit: int = 1000) -> list[Command]:
    """Commands whose row changed at or after ``since`` (any process), oldest change first."""
    rows = session.scalars(
        select(CommandRow)
        .where(CommandRow.updated_at >= since)
        .order_by(CommandRow.updated_at, CommandRow.seq)
        .limit(limit)
    )
    return [to_command(row) for row in rows]


def cancel(session: Session, command_id: str, by: str) -> Command:
    """PENDING → CANCELLED at once; RUNNING → flagged, the executor stops at its next step."""
    row = _row(session, command_id, lock=True)
    if row.status == CommandStatus.PENDING:
        move(row, CommandStatus.CANCELLED, error=f"cancelled by {by}")
        add_log(session, command_id, "info", f"cancelled by {by}", attempt=row.attempts)
    elif row.status == CommandStatus.RUNNING:
        row.cancel_requested = True
        row.updated_at = utcnow()
        add_log(session, command_id, "info", f"cancellation requested by {by}", row.attempts)
    else:
        raise Conflict(f"command {command_id} is {row.status}; only PENDING or RUNNING cancel")
    return to_command(row)


def retry(session: Session, command_id: str, by: str) -> Command:
    """A FAILED command goes back to PENDING at its own place in the sequence."""
    row = _row(session, command_id, lock=True)
    if row.status != CommandStatus.FAILED:
        raise Conflict(f"command {command_id} is {row.status}; only FAILED commands retry")
    move(row, CommandStatus.PENDING)
    row.attempts = 0
    row.not_before = None
    row.cancel_requested = False
    add_log(session, command_id, "info", f"retry requested by {by}", attempt=0)
    return to_command(row)


def dismiss(session: Session, command_id: str, by: str, reason: str) -> Command:
    """A FAILED command is set aside (CANCELLED, with the reason) so the queue moves on."""
    row = _row(session, command_id, lock=True)
    if row.status != CommandStatus.FAILED:
        raise Conflict(f"command {command_id} is {row.status}; only FAILED commands dismiss")
    move(row, CommandStatus.CANCELLED, error=f"dismissed by {by}: {reason} (was: {row.error})")
    add_log(session, command_id, "warning", f"dismissed by {by}: {reason}", row.attempts)
    return to_command(row)


def add_log(
    session: Session,
    command_id: str,
    level: str,
    message: str,
    attempt: int,
    fields: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """One command log line (``at``: when it was said, if before now); a secret value never
    reaches the table (masked as ***)."""
    session.add(
        CommandLogRow(
            command_id=command_id,
            time=at or utcnow(),
            level=level,
            message=REDACTOR.mask(message),
            attempt=attempt,
            fields=_masked(fields or {}),
        )
    )


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return REDACTOR.mask(value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


def logs_after(
    session: Session, command_id: str, after_id: int, limit: int = 1000
) -> list[CommandLogLine]:
    rows = session.scalars(
        select(CommandLogRow)
        .where(CommandLogRow.command_id == command_id, CommandLogRow.id > after_id)
        .order_by(CommandLogRow.id)
        .limit(limit)
    )
    return [
        CommandLogLine(
            id=r.id,
            command_id=r.command_id,
            time=aware(r.time),
            level=r.level,
            message=r.message,
            attempt=r.attempt,
            fields=r.fields,
        )
        for r in rows
    ]


def _row(session: Session, command_id: str, *, lock: bool = False) -> CommandRow:
    query = select(CommandRow).where(CommandRow.command_id == command_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(f"no command {command_id!r}")
    return row


class _Keep:
    """The error a transition leaves as it is."""


KEEP = _Keep()


def move(row: CommandRow, new: CommandStatus, *, error: str | _Keep | None = KEEP) -> None:
    """The one way a command's status changes: checked against the domain's transition
    table (an illegal one is a Conflict), with the times that go with the new status."""
    old = CommandStatus(row.status)
    if not can_transition(old, new):
        raise Conflict(f"command {row.command_id} cannot go from {old} to {new}")
    now = utcnow()
    row.status = new
    row.updated_at = now
    if not isinstance(error, _Keep):
        row.error = REDACTOR.mask(error) if error else error
    if new != CommandStatus.FAILED:
        row.failure_cause = None  # a FAILED command's cause goes with its failure
    if new == CommandStatus.RUNNING:
        row.started_at = now
        row.not_before = None
    elif new in FINISHED:
        row.finished_at = now
    else:  # PENDING: waits for its next run
        row.started_at = None
        row.finished_at = None


COMMAND_TYPES = frozenset(str(t) for t in CommandType)


def unreadable(row: CommandRow) -> str | None:
    """Why a stored command cannot run (a type this version does not know, a payload not
    valid for its type), or None."""
    if row.type not in COMMAND_TYPES:
        return f"unknown command type {row.type!r}"
    payload = read_payload(CommandType(row.type), row.payload)
    return payload.problem if isinstance(payload, UnreadablePayload) else None


def to_command(row: CommandRow) -> Command:
    """The stored row as the domain's command, its payload validated against its type.
    A row of an unknown type raises Conflict (only a hand-made row can be one)."""
    if row.type not in COMMAND_TYPES:
        raise Conflict(f"command {row.command_id} has an unknown type {row.type!r}")
    type = CommandType(row.type)
    return Command(
        command_id=row.command_id,
        seq=row.seq,
        stack_id=row.stack_id,
        type=type,
        payload=read_payload(type, row.payload),
        status=CommandStatus(row.status),
        attempts=row.attempts,
        requested_by=row.requested_by,
        cancel_requested=row.cancel_requested,
        error=row.error,
        created_at=aware(row.created_at),
        started_at=maybe_aware(row.started_at),
        finished_at=maybe_aware(row.finished_at),
        updated_at=aware(row.updated_at),
        not_before=maybe_aware(row.not_before),
        failure_cause=FailureCause(row.failure_cause) if row.failure_cause else None,
    )


def failed_stacks(session: Session, stack_ids: Collection[str]) -> set[str]:
    """The stacks whose last command to finish FAILED: a later DONE one, or a dismiss
    (CANCELLED, left out), gives the stack back its status from what runs."""
    if not stack_ids:
        return set()
    finished = [CommandStatus.DONE, CommandStatus.FAILED]
    last = (
        select(CommandRow.stack_id, func.max(CommandRow.seq).label("seq"))
        .where(CommandRow.stack_id.in_(stack_ids), CommandRow.status.in_(finished))
        .group_by(CommandRow.stack_id)
        .subquery()
    )
    rows = session.scalars(
        select(CommandRow.stack_id)
        .join(last, CommandRow.seq == last.c.seq)
        .where(CommandRow.status == CommandStatus.FAILED)
    )
    return {stack_id for stack_id in rows if stack_id is not None}


def versions_on_their_way(session: Session, stack_id: str) -> list[int]:
    """The versions an APPLY or ROLLBACK of the stack, queued or running, is taking it to."""
    rows = session.scalars(
        select(CommandRow).where(
            CommandRow.stack_id == stack_id,
            CommandRow.type.in_([CommandType.APPLY, CommandType.ROLLBACK]),
            CommandRow.status.in_([CommandStatus.PENDING, CommandStatus.RUNNING]),
        )
    )
    return [
        payload.version
        for payload in (to_command(row).payload for row in rows)
        if isinstance(payload, ApplyPayload | RollbackPayload)
    ]
