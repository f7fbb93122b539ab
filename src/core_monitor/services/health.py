"""Readiness: do the database and the Docker engine answer (for probes)."""

from __future__ import annotations

from dataclasses import dataclass

from core_monitor.hosts.registry import Host
from core_monitor.store.db import Database

OK = "ok"


@dataclass(frozen=True)
class Readiness:
    database: str  # "ok", or why not
    engine: str

    @property
    def ready(self) -> bool:
        return self.database == OK and self.engine == OK


def _why(exc: Exception, limit: int) -> str:
    return str(exc).splitlines()[0][:limit] if str(exc) else type(exc).__name__


class HealthService:
    def __init__(self, db: Database, host: Host) -> None:
        self.db = db
        self.host = host

    def readiness(self) -> Readiness:
        database = engine = OK
        try:
            self.db.ping()
        except Exception as exc:
            database = _why(exc, 200)
        try:
            self.host.gateway.ping()
        except Exception as exc:
            engine = _why(exc, 300)
        return Readiness(database, engine)
