"""WRITE commands and the rules of their life cycle."""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from core_monitor.errors import TerminalError


class CommandType(StrEnum):
    """Command types the API enqueues. The worker dispatches on the type."""

    APPLY = "APPLY"
    ROLLBACK = "ROLLBACK"
    DEPLOY = "DEPLOY"
    DELETE = "DELETE"
    START = "START"
    STOP = "STOP"
    RESTART = "RESTART"
    MOVE = "MOVE"  # to another Docker host: DELETE there, APPLY of the current version here


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


class FailureCause(StrEnum):
    """Why a command FAILED, as far as the queue cares."""

    COMMAND = "command"  # its own work failed (a step, a wait, a policy, a bad version)
    HOST_UNREACHABLE = "host_unreachable"  # its stack's Docker host did not answer
    ENGINE_CHANGED = "engine_changed"  # its stack's host is not the engine trusted there


HOST_CAUSES = frozenset({FailureCause.HOST_UNREACHABLE, FailureCause.ENGINE_CHANGED})
"""Failures that say nothing of the command nor of what follows it, only of one host: they
never halt the queue, so one host down or replaced does not stop every other host's work."""


def blocking_statuses(on_failure: OnFailure) -> frozenset[CommandStatus]:
    """Statuses of a command that keep every later one from starting (a FAILED one only
    when its cause is not its host's: see ``halts``)."""
    if halts(CommandStatus.FAILED, on_failure):
        return frozenset({CommandStatus.PENDING, CommandStatus.RUNNING, CommandStatus.FAILED})
    return frozenset({CommandStatus.PENDING, CommandStatus.RUNNING})


def halts(status: CommandStatus, on_failure: OnFailure, cause: FailureCause | None = None) -> bool:
    """The one answer to "does this command, at the head, halt the queue?"."""
    return (
        status == CommandStatus.FAILED and on_failure == OnFailure.HALT and cause not in HOST_CAUSES
    )


class HostFailure(TerminalError):
    """The command cannot act on its stack's host (down, or another engine): FAILED at once,
    with a cause that does not halt the queue."""

    def __init__(self, message: str, cause: FailureCause) -> None:
        super().__init__(message)
        self.cause = cause


def retry_delay(attempts: int) -> timedelta:
    """How long a command that failed in a retryable way waits before its next attempt."""
    return timedelta(seconds=min(2.0**attempts, 30.0))


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def wire(self) -> dict[str, Any]:
        """As stored and shown: without ``type`` (the command carries it) or unset options."""
        return self.model_dump(mode="json", exclude={"type"}, exclude_none=True)


class ApplyPayload(_Payload):
    """Options left unset (None) are not stored: ``atomic`` and ``timeout`` then come from
    the stack's defaults when the command runs (see domain/delivery.py)."""

    type: Literal[CommandType.APPLY] = CommandType.APPLY
    version: int = Field(ge=1)
    atomic: bool | None = None  # health-gated: revert to the previous version on failure
    timeout: int | None = Field(None, ge=1, le=3600)  # the gate's timeout, seconds
    allow_repin: bool | None = None  # pinned images gone: run the tags, pin those
    force: bool | None = None  # apply although the stack is frozen


class RollbackPayload(_Payload):
    type: Literal[CommandType.ROLLBACK] = CommandType.ROLLBACK
    version: int = Field(ge=1)
    allow_repin: bool | None = None
    reason: str | None = Field(None, max_length=1000)  # why: the freeze says it


class DeletePayload(_Payload):
    type: Literal[CommandType.DELETE] = CommandType.DELETE
    remove_volumes: bool = False


class RuntimeActionPayload(_Payload):
    """START, STOP or RESTART: one service, or (``None``) every service of the stack."""

    type: Literal[CommandType.START, CommandType.STOP, CommandType.RESTART]
    service: str | None = None


class DeployPayload(_Payload):
    type: Literal[CommandType.DEPLOY] = CommandType.DEPLOY
    # its target, required here (not only by the request body): a DEPLOY into nothing
    # is refused when asked, naming the field, whichever executor runs it
    service: str = Field(min_length=1)
    artifact: str = Field(min_length=1)  # the artifact's sha256 in our store
    path: str = Field(min_length=1)  # a context path ("/app") or a site name
    # the deployment row, created (DEPLOYING) in the enqueue's transaction
    deployment_id: str = Field(min_length=1)
    comment: str | None = None
    redeploy_of: str | None = None  # the deployment whose artifact this puts back


class MovePayload(_Payload):
    """Remove the stack from its host, then apply ``version`` on ``host`` (named volumes
    are not carried over: removed with ``remove_volumes``, else left on the old host)."""

    type: Literal[CommandType.MOVE] = CommandType.MOVE
    host: str = Field(min_length=1, max_length=64)  # the target host's id
    version: int = Field(ge=1)  # the stack's current version when the move was asked
    remove_volumes: bool = False


CommandPayload = Annotated[
    ApplyPayload
    | RollbackPayload
    | DeletePayload
    | RuntimeActionPayload
    | DeployPayload
    | MovePayload,
    Field(discriminator="type"),
]
"""What a command carries, one model per type: built by the router, stored, run."""

_PAYLOAD: TypeAdapter[CommandPayload] = TypeAdapter(CommandPayload)


class UnreadablePayload(BaseModel):
    """A stored payload that is not valid for its type (written by hand or by another
    version): kept as stored so it can be shown, never run."""

    model_config = ConfigDict(frozen=True)

    stored: dict[str, Any]
    problem: str

    def wire(self) -> dict[str, Any]:
        return dict(self.stored)


def read_payload(type: CommandType, stored: dict[str, Any]) -> CommandPayload | UnreadablePayload:
    """A stored payload checked against its command's type."""
    try:
        return _PAYLOAD.validate_python({**stored, "type": type})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'][1:])) or 'payload'}: {e['msg']}" for e in exc.errors()
        )
        return UnreadablePayload(stored=stored, problem=problems)


P = TypeVar("P", bound=_Payload)


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str
    seq: int
    stack_id: str | None
    type: CommandType
    payload: CommandPayload | UnreadablePayload
    status: CommandStatus
    attempts: int
    requested_by: str
    cancel_requested: bool
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    not_before: datetime | None = None
    failure_cause: FailureCause | None = None  # set when FAILED

    @model_validator(mode="after")
    def _payload_of_its_type(self) -> Command:
        if not isinstance(self.payload, UnreadablePayload) and self.payload.type != self.type:
            raise ValueError(f"a {self.type} command cannot carry a {self.payload.type} payload")
        return self

    def payload_as(self, kind: builtins.type[P]) -> P:
        """The payload, as the executor of this type expects it; anything else (a stored
        payload that does not validate) is a terminal error, never a crash."""
        if isinstance(self.payload, kind):
            return self.payload
        problem = (
            self.payload.problem
            if isinstance(self.payload, UnreadablePayload)
            else f"it carries a {self.payload.type} payload"
        )
        raise TerminalError(f"the {self.type} command's payload is not valid: {problem}")


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
