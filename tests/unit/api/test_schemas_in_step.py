"""Response models that repeat a domain model stay in step with it, field by field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from core_monitor.api.schemas import CommandOut, StackOut
from core_monitor.domain.commands import Command
from core_monitor.domain.stack import Stack


def _fields(model: type[BaseModel], leave_out: set[str]) -> dict[str, Any]:
    return {
        name: field.annotation
        for name, field in model.model_fields.items()
        if name not in leave_out
    }


# what the stacks list adds of its own: who changed each stack last, and when
LIST_ONLY = {"latest_version_author", "latest_version_at"}


def test_stack_out_shows_every_field_of_a_stack_but_deleted() -> None:
    assert _fields(StackOut, LIST_ONLY) == _fields(Stack, {"deleted"})


def test_command_out_shows_every_field_of_a_command_its_payload_as_stored() -> None:
    assert _fields(CommandOut, {"payload"}) == _fields(Command, {"payload"})
    assert set(CommandOut.model_fields) == set(Command.model_fields)
