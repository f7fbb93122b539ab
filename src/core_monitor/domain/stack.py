"""Stacks and their immutable versions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core_monitor.domain.delivery import Freeze, Pin


class StackStatus(StrEnum):
    NEW = "NEW"  # created, never applied
    DEPLOYING = "DEPLOYING"
    RUNNING = "RUNNING"
    DEGRADED = "DEGRADED"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    DELETED = "DELETED"


class Variable(BaseModel):
    """A stack variable. A secret one is stored encrypted (``ciphertext``, ``value`` empty)
    and never echoed."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    value: str
    secret: bool = False
    ciphertext: str | None = None


class Stack(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack_id: str
    name: str
    current_version: int | None
    desired_version: int | None
    latest_version: int
    status: StackStatus
    deleted: bool
    created_at: datetime
    updated_at: datetime
    frozen: Freeze | None = None  # set by a rollback: APPLY of another version refused
    host_id: str = "local"  # the Docker host it runs on (domain.hosts.LOCAL_ID by default)


class VersionRuntime(BaseModel):
    """The mutable side of a version: what the engine made of it. Kept apart from the snapshot."""

    model_config = ConfigDict(frozen=True)

    desired: bool = False
    actual: str | None = None
    last_updated: datetime | None = None
    mapping: dict[str, Any] = Field(default_factory=dict)


class StackVersion(BaseModel):
    """An immutable snapshot of a stack's definition (stack = repository, version = commit)."""

    model_config = ConfigDict(frozen=True)

    stack_id: str
    version: int
    parent_version: int | None
    author: str
    comment: str
    created_at: datetime
    compose_text: str
    definition: dict[str, Any]
    variables: dict[str, Variable]
    content_hash: str
    runtime: VersionRuntime = Field(default_factory=VersionRuntime)
    pins: dict[str, Pin] = Field(default_factory=dict)  # service → the image it last ran
