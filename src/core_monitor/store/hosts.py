"""Hosts, as stored: rows in, domain ``Host`` out; TLS and SSH ciphertext only on request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core_monitor.domain.hosts import EngineFacts, Host, HostState, key_fingerprint
from core_monitor.errors import Conflict, NotFound
from core_monitor.store.clock import aware, maybe_aware, utcnow
from core_monitor.store.tables import HostRow


@dataclass(frozen=True)
class SealedTls:
    """PEM material as ciphertext."""

    ca: str
    cert: str
    key: str


@dataclass(frozen=True)
class SealedSsh:
    """An SSH private key as ciphertext, its public half's fingerprint, and the pinned host
    key (public: ``type base64``; None until first seen)."""

    key: str
    fingerprint: str
    host_key: str | None


def insert(
    session: Session,
    host_id: str,
    name: str,
    address: str,
    labels: dict[str, str],
    tls: SealedTls | None,
    ssh: SealedSsh | None = None,
) -> Host:
    now = utcnow()
    row = HostRow(
        host_id=host_id,
        name=name,
        address=address,
        labels=labels,
        tls_ca=tls.ca if tls else None,
        tls_cert=tls.cert if tls else None,
        tls_key=tls.key if tls else None,
        ssh_key=ssh.key if ssh else None,
        ssh_key_fingerprint=ssh.fingerprint if ssh else None,
        ssh_host_key=ssh.host_key if ssh else None,
        state=HostState.UNKNOWN,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a host named {name!r} exists") from None
    return _host(row)


def update(session: Session, host_id: str, **values: Any) -> Host:
    """Set fields (name, address, labels, tls: SealedTls | None, ssh: SealedSsh | None)."""
    row = _row(session, host_id)
    if "ssh" in values:
        ssh: SealedSsh | None = values.pop("ssh")
        row.ssh_key, row.ssh_key_fingerprint, row.ssh_host_key = (
            (ssh.key, ssh.fingerprint, ssh.host_key) if ssh else (None, None, None)
        )
    if "tls" in values:
        tls: SealedTls | None = values.pop("tls")
        row.tls_ca, row.tls_cert, row.tls_key = (
            (tls.ca, tls.cert, tls.key) if tls else (None, None, None)
        )
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a host named {values.get('name')!r} exists") from None
    return _host(row)


def record_probe(
    session: Session,
    host_id: str,
    facts: EngineFacts | None,
    state: HostState,
    problem: str | None,
    *,
    trust: bool = False,
) -> Host:
    """Store a probe's result; ``trust`` makes its engine the trusted one (first seen, or
    confirmed by an admin)."""
    row = _row(session, host_id)
    row.state, row.problem = str(state), problem
    if facts is not None:
        row.facts = facts.model_dump()
        row.last_seen = utcnow()
        if trust:
            row.engine_id = facts.engine_id
    row.updated_at = utcnow()
    return _host(row)


def get(session: Session, host_id: str) -> Host:
    return _host(_row(session, host_id))


def sealed_tls(session: Session, host_id: str) -> SealedTls | None:
    row = _row(session, host_id)
    if row.tls_ca is None or row.tls_cert is None or row.tls_key is None:
        return None
    return SealedTls(row.tls_ca, row.tls_cert, row.tls_key)


def sealed_ssh(session: Session, host_id: str) -> SealedSsh | None:
    row = _row(session, host_id)
    if row.ssh_key is None or row.ssh_key_fingerprint is None:
        return None
    return SealedSsh(row.ssh_key, row.ssh_key_fingerprint, row.ssh_host_key)


def pin_host_key(session: Session, host_id: str, host_key: str) -> Host:
    """Trust this SSH host key (``type base64``) from now on: first seen, or confirmed."""
    row = _row(session, host_id)
    row.ssh_host_key = host_key
    row.updated_at = utcnow()
    return _host(row)


def list_hosts(session: Session) -> list[Host]:
    return [_host(r) for r in session.scalars(select(HostRow).order_by(HostRow.name))]


def delete(session: Session, host_id: str) -> None:
    session.delete(_row(session, host_id))


def _row(session: Session, host_id: str) -> HostRow:
    row = session.get(HostRow, host_id) or session.scalar(
        select(HostRow).where(HostRow.name == host_id)
    )
    if row is None:
        raise NotFound(f"no host {host_id!r}")
    return row


def _host(row: HostRow) -> Host:
    return Host(
        host_id=row.host_id,
        name=row.name,
        address=row.address,
        labels=dict(row.labels),
        tls=row.tls_key is not None,
        ssh=row.ssh_key is not None,
        ssh_key_fingerprint=row.ssh_key_fingerprint,
        ssh_host_key_fingerprint=key_fingerprint(row.ssh_host_key) if row.ssh_host_key else None,
        engine_id=row.engine_id,
        facts=EngineFacts.model_validate(row.facts) if row.facts else None,
        state=HostState(row.state),
        problem=row.problem,
        last_seen=maybe_aware(row.last_seen),
        created_at=aware(row.created_at),
    )
