"""WRITE commands and the rules of their life cycle."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class CommandType(StrEnum):
    """Command types the API enqueues. The worker dispatches on the type string."""

    APPLY = "APPLY"
    ROLLBACK = "ROLLBACK"
    DEPLOY = "DEPLOY"
    DELETE = "DELETE"
    START = "START"
    STOP = "STOP"
    RESTART = "RESTART"


class CommandStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


TERMINAL = frozenset({CommandStatus.DONE, CommandStatus.CANCELLED})
"""Statuses that let later commands start (FAILED too when the queue does not halt)."""

FINISHED = frozenset({CommandStatus.DONE, CommandStatus.FAILED, CommandStatus.CANCELLED})
"""Statuses a command's run ends in (it may still be retried or dismissed when FAILED)."""

ALLOWED_TRANSITIONS: dict[CommandStatus, frozenset[CommandStatus]] = {
    CommandStatus.PENDING: frozenset({CommandStatus.RUNNING, CommandStatus.CANCELLED}),
    # RUNNING -> RUNNING: a command orphaned by a dead worker is claimed again;
    # RUNNING -> PENDING: a retryable failure puts it back at the head, to run again later
    CommandStatus.RUNNING: frozenset(
        {
            CommandStatus.DONE,
            CommandStatus.FAILED,
            CommandStatus.CANCELLED,
            CommandStatus.RUNNING,
            CommandStatus.PENDING,
        }
    ),
    # retry puts a FAILED command back at its place in the sequence; dismiss cancels it
    CommandStatus.FAILED: frozenset({CommandStatus.PENDING, CommandStatus.CANCELLED}),
    CommandStatus.DONE: frozenset(),
    CommandStatus.CANCELLED: frozenset(),
}


def can_transition(old: CommandStatus, new: CommandStatus) -> bool:
    return new in ALLOWED_TRANSITIONS[old]


class OnFailure(StrEnum):
    """What a FAILED command does to the commands queued after it."""

    HALT = "halt"  # they wait until it is retried or dismissed
    CONTINUE = "continue"  # they run; it stays FAILED on its own


def blocking_statuses(on_failure: OnFailure) -> frozenset[CommandStatus]:
    """Statuses of a command that keep every later one from starting."""
    if halts(CommandStatus.FAILED, on_failure):
        return frozenset({CommandStatus.PENDING, CommandStatus.RUNNING, CommandStatus.FAILED})
    return frozenset({CommandStatus.PENDING, CommandStatus.RUNNING})


def halts(status: CommandStatus, on_failure: OnFailure) -> bool:
    """The one answer to "does this command, at the head, halt the queue?"."""
    return status == CommandStatus.FAILED and on_failure == OnFailure.HALT


def retry_delay(attempts: int) -> timedelta:
    """How long a command that failed in a retryable way waits before its next attempt."""
    return timedelta(seconds=min(2.0**attempts, 30.0))


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str
    seq: int
    stack_id: str | None
    type: str
    payload: dict[str, Any]
    status: CommandStatus
    attempts: int
    requested_by: str
    cancel_requested: bool
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


class CommandLogLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    command_id: str
    time: datetime
    level: str
    message: str
    attempt: int
    fields: dict[str, Any]


class QueueState(BaseModel):
    """What the queue is doing and, when it does nothing, why."""

    model_config = ConfigDict(frozen=True)

    head: Command | None
    running: Command | None
    depth: int
    halted: bool
    halted_reason: str | None
    on_failure: OnFailure
