"""stack_stopped_services: the services a STOP command stopped on purpose

A STOP of one service is a desired state, kept per service (START, RESTART or APPLY of it
clears it), so that the stack is not DEGRADED for it. Stacks recorded STOPPED before this
migration were stopped whole: every service their applied version runs is recorded.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 20:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STACKS = sa.table(
    "stacks",
    sa.column("stack_id", sa.String),
    sa.column("status", sa.String),
    sa.column("current_version", sa.Integer),
)
RUNTIME = sa.table(
    "version_runtime",
    sa.column("stack_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("mapping", sa.JSON),
)


def upgrade() -> None:
    stopped = op.create_table(
        "stack_stopped_services",
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["stack_id"], ["stacks.stack_id"]),
        sa.PrimaryKeyConstraint("stack_id", "service"),
    )
    found = op.get_bind().execute(
        sa.select(RUNTIME.c.stack_id, RUNTIME.c.mapping)
        .join(
            STACKS,
            (STACKS.c.stack_id == RUNTIME.c.stack_id)
            & (STACKS.c.current_version == RUNTIME.c.version),
        )
        .where(STACKS.c.status == "STOPPED")
    )
    rows = [
        {"stack_id": stack_id, "service": service}
        for stack_id, mapping in found
        for service in _services(mapping)
    ]
    if rows:
        op.bulk_insert(stopped, rows)


def _services(mapping: dict[str, Any] | None) -> list[str]:
    """The services an applied version's recorded containers belong to."""
    return sorted({c["service"] for c in (mapping or {}).get("containers", {}).values()})


def downgrade() -> None:
    op.drop_table("stack_stopped_services")
