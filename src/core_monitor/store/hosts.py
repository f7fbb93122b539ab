"""Hosts, as stored: rows in, domain ``Host`` out; TLS ciphertext only on request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core_monitor.domain.hosts import EngineFacts, Host, HostState
from core_monitor.errors import Conflict, NotFound
from core_monitor.store.clock import aware, maybe_aware, utcnow
from core_monitor.store.tables import HostRow


@dataclass(frozen=True)
class SealedTls:
    """PEM material as ciphertext."""

    ca: str
    cert: str
    key: str


def insert(
    session: Session,
    host_id: str,
    name: str,
    address: str,
    labels: dict[str, str],
    tls: SealedTls | None,
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
    """Set fields (name, address, labels, tls: SealedTls | None) of a host."""
    row = _row(session, host_id)
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
        engine_id=row.engine_id,
        facts=EngineFacts.model_validate(row.facts) if row.facts else None,
        state=HostState(row.state),
        problem=row.problem,
        last_seen=maybe_aware(row.last_seen),
        created_at=aware(row.created_at),
    )
