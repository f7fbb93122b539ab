"""The schema built by Alembic is the schema the models describe."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from core_monitor.store.db import Database
from core_monitor.store.migrate import alembic_config, table_names, upgrade
from core_monitor.store.stopped import stopped_services
from core_monitor.store.tables import Base, PolicyExceptionRow


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(db: Database) -> None:
    before = table_names(db)
    upgrade(db)
    assert table_names(db) == before
    assert {"stacks", "stack_versions", "commands", "command_logs", "queue_lease"} <= before


# the two tables as revision 0003 left them
STACKS_0003 = sa.table(
    "stacks",
    *map(sa.column, ("stack_id", "name", "status", "deleted", "latest_version")),
    *map(sa.column, ("created_at", "updated_at")),
)
EXCEPTIONS_0003 = sa.table(
    "policy_exceptions",
    *map(sa.column, ("stack", "rule", "reason", "granted_by", "created_at")),
)


def test_policy_exceptions_move_to_their_live_stack_and_orphans_are_dropped(
    database_url: str,
) -> None:
    """0004: an exception keyed by name goes to the live stack of that name; one of a
    deleted stack's name (or of a name no stack has) is dropped, not left for the next
    stack that takes the name."""
    db = Database(database_url)
    try:
        _upgrade_to(db, "0003")
        now = datetime.now(UTC)
        stamps = {"created_at": now, "updated_at": now}
        with db.engine.begin() as conn:
            for stack_id, deleted in (("id-old", True), ("id-new", False)):
                conn.execute(
                    STACKS_0003.insert().values(
                        stack_id=stack_id,
                        name="web",
                        status="RUNNING",
                        deleted=deleted,
                        latest_version=0,
                        **stamps,
                    )
                )
            for name in ("web", "gone"):
                conn.execute(
                    EXCEPTIONS_0003.insert().values(
                        stack=name, rule="privileged", reason="r", granted_by="a", created_at=now
                    )
                )
        upgrade(db)
        with db.read() as session:
            rows = session.scalars(select(PolicyExceptionRow)).all()
        assert [(r.stack_id, r.stack, r.rule) for r in rows] == [("id-new", "web", "privileged")]
    finally:
        db.dispose()


def _upgrade_to(db: Database, revision: str) -> None:
    config = alembic_config(db)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


STACKS_0005 = sa.table(
    "stacks",
    *map(sa.column, ("stack_id", "name", "status", "deleted", "latest_version")),
    *map(sa.column, ("current_version", "created_at", "updated_at")),
)
RUNTIME_0005 = sa.table(
    "version_runtime",
    *map(sa.column, ("stack_id", "version", "desired", "actual", "last_updated")),
    sa.column("mapping", sa.JSON),
)


def test_a_stack_stopped_before_0006_has_every_service_stopped_on_purpose(
    database_url: str,
) -> None:
    """0006: a stack recorded STOPPED was stopped whole; one RUNNING has nothing stopped."""
    db = Database(database_url)
    try:
        _upgrade_to(db, "0005")
        now = datetime.now(UTC)
        containers = {
            "s-web-1": {"id": "a", "service": "web", "number": 1},
            "s-db-1": {"id": "b", "service": "db", "number": 1},
        }
        with db.engine.begin() as conn:
            for stack_id, status in (("id-stopped", "STOPPED"), ("id-running", "RUNNING")):
                conn.execute(
                    STACKS_0005.insert().values(
                        stack_id=stack_id,
                        name=stack_id,
                        status=status,
                        deleted=False,
                        latest_version=1,
                        current_version=1,
                        created_at=now,
                        updated_at=now,
                    )
                )
                conn.execute(
                    RUNTIME_0005.insert().values(
                        stack_id=stack_id,
                        version=1,
                        desired=True,
                        actual=status,
                        last_updated=now,
                        mapping={"containers": containers},
                    )
                )
        upgrade(db)
        with db.read() as session:
            found = stopped_services(session, ["id-stopped", "id-running"])
        assert found == {"id-stopped": frozenset({"web", "db"})}
    finally:
        db.dispose()
