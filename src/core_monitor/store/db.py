"""Engine and sessions. SQLite gets WAL, synchronous=FULL and BEGIN IMMEDIATE for writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """An engine with its own connection pool; ``read()`` and ``write()`` hand out short
    transactions. A process holds one per role (requests, worker, read side), so that load
    on one never starves another.

    ``pool_size`` connections are kept, twice as many more are opened on bursts; a caller
    that finds none free within ``pool_timeout`` seconds gets sqlalchemy's TimeoutError
    (the API answers it 503 with Retry-After)."""

    def __init__(
        self, url: str, *, pool_size: int | None = None, pool_timeout: float | None = None
    ) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        in_memory = self.is_sqlite and parsed.database in (None, "", ":memory:")
        if self.is_sqlite and not in_memory:
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {"future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        if pool_size is not None and not in_memory:  # in memory: one connection per thread
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size * 2
        if pool_timeout is not None and not in_memory:
            kwargs["pool_timeout"] = pool_timeout
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _install_sqlite_hooks(self.engine)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        write_engine = self.engine.execution_options(coremon_write=True)
        self._write = sessionmaker(write_engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE),
        so a read that later writes never fails with SQLITE_BUSY halfway."""
        with self._write() as session, session.begin():
            yield session

    def ping(self) -> None:
        """Raises when the database does not answer (readiness)."""
        with self.read() as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is off; we emit BEGIN ourselves (SQLAlchemy recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a 202 promises the command is on disk, even across power loss.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("coremon_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
