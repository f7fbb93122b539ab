"""Why the queue is halted, as one caller may be told: the failed command, its stack, its
error, and who may retry or dismiss it (pure)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from core_monitor.domain.auth import Identity, Permission
from core_monitor.domain.commands import Command, CommandType


class Halt(BaseModel):
    """The FAILED command that blocks those behind it. To a caller who may not see its
    stack, only that it exists and who may act (the stack is not named: existence does not
    leak)."""

    model_config = ConfigDict(frozen=True)

    visible: bool
    command_id: str | None
    seq: int | None
    type: CommandType | None
    stack_id: str | None
    stack_name: str | None
    error: str | None
    may_act: str  # who may retry or dismiss it, in words
    you_may_act: bool


def halt_of(head: Command, stack_name: str | None, identity: Identity) -> Halt:
    """``stack_name`` None: the command belongs to no stack (only a global operator acts)."""
    stack_id = head.stack_id
    if stack_id is None:
        may_act = "an operator or admin (global role)"
    elif identity.sees(stack_id):
        may_act = f"an operator or admin of stack {stack_name!r}"
    else:
        may_act = "an operator or admin of the stack it belongs to"
    if stack_id is not None and not identity.sees(stack_id):
        return Halt(
            visible=False,
            command_id=None,
            seq=None,
            type=None,
            stack_id=None,
            stack_name=None,
            error=None,
            may_act=may_act,
            you_may_act=False,
        )
    return Halt(
        visible=True,
        command_id=head.command_id,
        seq=head.seq,
        type=head.type,
        stack_id=stack_id,
        stack_name=stack_name,
        error=head.error,
        may_act=may_act,
        you_may_act=identity.can(Permission.OPERATE, stack_id),
    )
