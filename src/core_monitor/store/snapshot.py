"""Every table's rows as portable JSON lines, read in one snapshot, and loaded back.

The backup's database part. A logical dump (not ``pg_dump`` or a copy of the SQLite file)
because one format restores into either engine: SQLite → PostgreSQL is the migration path
the spec names. Tables are read from the database itself (reflection), so a dump matches
the database's own schema revision, and loaded into a database migrated to that revision.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, Table, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql import sqltypes

from core_monitor.store.db import Database

SKIPPED = frozenset({"alembic_version", "queue_lease", "login_failures"})
"""Not backed up: the schema revision is in the manifest; the worker lease and the login
throttle belong to the processes running now, not to the data."""

REPEATABLE_READ = "REPEATABLE READ"


@dataclass(frozen=True)
class TableDump:
    name: str
    rows: int
    lines: bytes  # one JSON object per row, columns by name


def schema_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def dump(db: Database) -> tuple[str | None, list[TableDump]]:
    """The schema revision and every table, all read in one transaction (one snapshot:
    SQLite's read transaction under WAL; PostgreSQL's REPEATABLE READ), so rows written by
    commands running meanwhile are in the dump whole or not at all."""
    options = {} if db.is_sqlite else {"isolation_level": REPEATABLE_READ}
    with db.engine.connect().execution_options(**options) as conn, conn.begin():
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        dumps = [_dump_table(conn, table) for table in _tables(conn)]
    return revision, dumps


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in _tables(conn)
        }


def load(
    db: Database, dumps: Mapping[str, bytes], *, expected: Mapping[str, int]
) -> dict[str, int]:
    """Insert every table's rows into an empty database at the dump's revision, in one
    transaction (all or nothing), then count them there: a count that differs from
    ``expected`` raises ValueError before anything is committed."""
    with db.engine.connect() as conn, conn.begin():
        tables = _tables(conn)
        unknown = set(dumps) - {t.name for t in tables}
        if unknown:
            raise ValueError(f"tables not in this schema: {', '.join(sorted(unknown))}")
        for table in tables:
            rows = [_decode(table, json.loads(line)) for line in _lines(dumps.get(table.name))]
            if rows:
                conn.execute(table.insert(), rows)
        if not db.is_sqlite:
            _advance_sequences(conn, tables)
        found = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables
        }
        wrong = {t: n for t, n in expected.items() if found.get(t) != n}
        if wrong:
            raise ValueError(
                "rows after loading differ from the manifest: "
                + ", ".join(f"{t} {found.get(t)} (manifest {n})" for t, n in sorted(wrong.items()))
            )
        return found


def _tables(conn: Connection) -> list[Table]:
    metadata = MetaData()
    metadata.reflect(bind=conn)
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED]


def _dump_table(conn: Connection, table: Table) -> TableDump:
    order = list(table.primary_key.columns) or list(table.columns)
    lines = [
        json.dumps(_encode(dict(row._mapping)), sort_keys=True, separators=(",", ":"))
        for row in conn.execute(select(table).order_by(*order))
    ]
    body = "".join(f"{line}\n" for line in lines).encode()
    return TableDump(table.name, len(lines), body)


def _encode(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _encode_value(value) for key, value in row.items()}


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite hands back naive values: they are UTC (store/clock.py writes UTC)
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    unknown = set(row) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name}: columns not in this schema: {', '.join(sorted(unknown))}")
    return {key: _decode_value(table.columns[key].type, value) for key, value in row.items()}


def _decode_value(kind: sqltypes.TypeEngine[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, sqltypes.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sqltypes.LargeBinary):
        return base64.b64decode(value)
    return value


def _lines(body: bytes | None) -> Iterator[str]:
    for line in (body or b"").decode().splitlines():
        if line.strip():
            yield line


def _advance_sequences(conn: Connection, tables: list[Table]) -> None:
    """Rows came with their ids: move each serial column's sequence past the largest, so
    the next insert does not collide (PostgreSQL does not do it for explicit values)."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sqltypes.Integer):
                continue
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            ).scalar()
            if sequence:
                conn.execute(
                    text(
                        f"SELECT setval(:s, COALESCE((SELECT MAX({column.name}) "
                        f"FROM {table.name}), 0) + 1, false)"
                    ),
                    {"s": sequence},
                )
