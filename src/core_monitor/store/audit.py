"""The audit trail: who did what, from where, to what, with which outcome."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core_monitor.store.clock import utcnow
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
