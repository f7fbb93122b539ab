"""Docker hosts as data: where an engine is, what it said it is, and whether to trust it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from core_monitor.errors import FieldError

LOCAL_ID = "local"


class HostState(StrEnum):
    REACHABLE = "reachable"
    UNREACHABLE = "unreachable"
    # the engine at the address is not the one first seen there: nothing is done on it
    # until an admin confirms (someone may have pointed the address at another machine)
    ENGINE_CHANGED = "engine_changed"
    UNKNOWN = "unknown"  # never probed


class EngineFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    engine_id: str
    name: str
    version: str
    os: str
    cpus: int
    memory: int


class Host(BaseModel):
    model_config = ConfigDict(frozen=True)

    host_id: str
    name: str
    address: str
    labels: dict[str, str] = Field(default_factory=dict)
    tls: bool = False
    engine_id: str | None = None  # the engine trusted at this address (first seen, or confirmed)
    facts: EngineFacts | None = None  # what the engine said at the last probe
    state: HostState = HostState.UNKNOWN
    problem: str | None = None
    last_seen: datetime | None = None
    created_at: datetime


def address_problems(address: str, *, tls: bool) -> list[FieldError]:
    """Addresses Core Monitor drives: a unix socket, or TCP with TLS client certificates
    (a plain TCP engine is root on its machine for anyone who reaches the port)."""
    parts = urlsplit(address)
    if parts.scheme == "unix":
        return (
            []
            if parts.path.startswith("/")
            else [FieldError("address", "unix:// needs an absolute path")]
        )
    if parts.scheme == "tcp":
        if not parts.hostname or not parts.port:
            return [
                FieldError("address", "tcp:// needs a host and a port, e.g. tcp://10.0.0.5:2376")
            ]
        if not tls:
            return [
                FieldError(
                    "tls",
                    "a tcp:// engine needs TLS client certificates (ca, cert, key): plain TCP "
                    "hands root on that machine to whoever reaches the port",
                )
            ]
        return []
    if parts.scheme == "ssh":
        return [FieldError("address", "ssh:// hosts are not supported yet: use tcp:// with TLS")]
    return [FieldError("address", "must start with unix:// or tcp://")]


def judge(trusted: str | None, facts: EngineFacts | None) -> HostState:
    """The one rule of a host's state from its trusted engine id and the last probe."""
    if facts is None:
        return HostState.UNREACHABLE
    if trusted is not None and facts.engine_id != trusted:
        return HostState.ENGINE_CHANGED
    return HostState.REACHABLE
