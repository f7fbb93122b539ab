"""Docker hosts as data: where an engine is, what it said it is, and whether to trust it."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from core_monitor.errors import FieldError

LOCAL_ID = "local"
SSH_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}", re.IGNORECASE)  # a login name


class HostState(StrEnum):
    REACHABLE = "reachable"
    UNREACHABLE = "unreachable"
    # the engine at the address is not the one first seen there: nothing is done on it
    # until an admin confirms (someone may have pointed the address at another machine)
    ENGINE_CHANGED = "engine_changed"
    # an SSH host showed another host key than the pinned one: nothing is sent to it (someone
    # may be in the middle) until an admin confirms the new key
    HOST_KEY_CHANGED = "host_key_changed"
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
    ssh: bool = False  # an SSH private key is stored (sealed) for this host
    ssh_key_fingerprint: str | None = None  # of that key's public half
    ssh_host_key_fingerprint: str | None = None  # the pinned host key (None: not yet pinned)
    engine_id: str | None = None  # the engine trusted at this address (first seen, or confirmed)
    facts: EngineFacts | None = None  # what the engine said at the last probe
    state: HostState = HostState.UNKNOWN
    problem: str | None = None
    last_seen: datetime | None = None
    created_at: datetime


def address_problems(address: str, *, tls: bool, ssh: bool = False) -> list[FieldError]:
    """Addresses Core Monitor drives: a unix socket, TCP with TLS client certificates (a
    plain TCP engine is root on its machine for anyone who reaches the port), or SSH with a
    private key."""
    parts = urlsplit(address)
    if parts.scheme == "ssh":
        return _ssh_problems(address, tls=tls, ssh=ssh)
    if ssh:
        return [FieldError("ssh", "an SSH key is for ssh:// addresses")]
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
    return [FieldError("address", "must start with unix://, tcp:// or ssh://")]


def _ssh_problems(address: str, *, tls: bool, ssh: bool) -> list[FieldError]:
    parts = urlsplit(address)
    try:
        port = parts.port
    except ValueError:
        port = -1
    problems = []
    if (
        not parts.username
        or not parts.hostname
        or parts.password is not None
        or port == -1
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or not SSH_NAME.fullmatch(parts.username)
    ):
        problems.append(
            FieldError("address", "ssh:// needs a user and a host, e.g. ssh://deploy@10.0.0.5:22")
        )
    if not ssh:
        problems.append(FieldError("ssh", "an ssh:// host needs a private key (ssh.private_key)"))
    if tls:
        problems.append(
            FieldError("tls", "TLS certificates are for tcp:// hosts: SSH logs in with its key")
        )
    return problems


def judge(
    trusted: str | None, facts: EngineFacts | None, *, host_key_changed: bool = False
) -> HostState:
    """The one rule of a host's state from its trusted engine id and the last probe."""
    if host_key_changed:
        return HostState.HOST_KEY_CHANGED
    if facts is None:
        return HostState.UNREACHABLE
    if trusted is not None and facts.engine_id != trusted:
        return HostState.ENGINE_CHANGED
    return HostState.REACHABLE


def key_fingerprint(public_line: str) -> str:
    """``SHA256:…`` of an OpenSSH public key line (``type base64``), as ``ssh-keygen -lf``
    prints it."""
    blob = base64.b64decode(public_line.split()[1])
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"
