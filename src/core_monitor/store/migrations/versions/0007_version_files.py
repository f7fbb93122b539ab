"""stack_version_files: the files a version carries with its compose file (issue 15)

Immutable like the versions themselves: the database refuses UPDATE and DELETE.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 23:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "stack_version_files"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["stack_id"], ["stacks.stack_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stack_id", "version", "path", name="uq_stack_version_files_path"),
    )
    _create_immutability_triggers()


def _create_immutability_triggers() -> None:
    """A version's files are part of its snapshot: the database refuses to change them."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{event.lower()} BEFORE {event} ON {TABLE} "
                "BEGIN SELECT RAISE(ABORT, 'stack versions are immutable'); END"
            )
        return
    # the function 0001 created for stack_versions says the same thing
    op.execute(
        f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION stack_versions_immutable()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE}")
    op.drop_table(TABLE)
