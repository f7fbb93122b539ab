"""Run Alembic migrations programmatically (on every start)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from core_monitor.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
STARTUP_LOCK = 0x636F72656D6F6E  # "coremon": the start-up advisory lock's key


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    config = alembic_config(db)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision(db: Database) -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    assert head is not None
    return head


def knows_revision(db: Database, revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config(db)).get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown or malformed id
        return False


def table_names(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


@contextmanager
def startup_lock(url: str) -> Iterator[None]:
    """Processes starting at once on one PostgreSQL database take turns (replicas started
    together): the first migrates and creates what a first start creates (the `admin`, the
    host `local`), the next find it done, where two at once would both try and one fail.
    A session advisory lock on a connection of its own: a process killed meanwhile releases
    it with its connection. SQLite: nothing to take (one file, its own write lock)."""
    if make_url(url).get_backend_name() != "postgresql":
        yield
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})
    finally:
        engine.dispose()
