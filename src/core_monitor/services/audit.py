"""Reading the audit trail (each service writes its own entries where it changes things)."""

from __future__ import annotations

from dataclasses import replace

from core_monitor.store import audit
from core_monitor.store.audit import AuditEntry, AuditFilter
from core_monitor.store.clock import aware
from core_monitor.store.db import Database

__all__ = ["AuditEntry", "AuditFilter", "AuditTrail"]


class AuditTrail:
    def __init__(self, db: Database) -> None:
        self.db = db

    def entries(self, where: AuditFilter, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
        """Newest first. A time without a zone is UTC (the database stores UTC)."""
        where = replace(
            where,
            since=aware(where.since) if where.since else None,
            until=aware(where.until) if where.until else None,
        )
        with self.db.read() as session:
            return audit.list_entries(session, where, limit=limit, offset=offset)
