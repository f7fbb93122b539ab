"""The audit trail: who did what, from where, to what, with which outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core_monitor.store.clock import aware, utcnow
from core_monitor.store.tables import AuditRow


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    outcome: str = "ok",
    source: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditRow(
            time=utcnow(),
            actor=actor,
            source=source,
            action=action,
            target=target,
            outcome=outcome,
            details=details or {},
        )
    )


class Who(Protocol):
    """Whoever acts (domain.actor.Actor): a name and the address they came from."""

    @property
    def name(self) -> str: ...

    @property
    def source(self) -> str | None: ...


def record_by(
    session: Session,
    who: Who,
    action: str,
    target: str,
    *,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        actor=who.name,
        source=who.source,
        action=action,
        target=target,
        outcome=outcome,
        details=details,
    )


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending with '.' ("user.")
    target: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    time: datetime
    actor: str
    source: str | None
    action: str
    target: str
    outcome: str
    details: dict[str, Any]


def list_entries(
    session: Session, where: AuditFilter, *, limit: int, offset: int
) -> tuple[list[AuditEntry], int]:
    query = select(AuditRow)
    if where.actor:
        query = query.where(AuditRow.actor == where.actor)
    if where.action:
        query = query.where(
            AuditRow.action.startswith(where.action, autoescape=True)
            if where.action.endswith(".")
            else AuditRow.action == where.action
        )
    if where.target:
        query = query.where(AuditRow.target == where.target)
    if where.outcome:
        query = query.where(AuditRow.outcome == where.outcome)
    if where.since:
        query = query.where(AuditRow.time >= where.since)
    if where.until:
        query = query.where(AuditRow.time < where.until)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(AuditRow.id.desc()).limit(limit).offset(offset))
    return [_entry(row) for row in rows], total


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        time=aware(row.time),
        actor=row.actor,
        source=row.source,
        action=row.action,
        target=row.target,
        outcome=row.outcome,
        details=row.details,
    )
