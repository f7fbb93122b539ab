"""The schema built by Alembic is the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core_monitor.store.db import Database
from core_monitor.store.migrate import table_names, upgrade
from core_monitor.store.tables import Base


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(db: Database) -> None:
    before = table_names(db)
    upgrade(db)
    assert table_names(db) == before
    assert {"stacks", "stack_versions", "commands", "command_logs", "queue_lease"} <= before
