"""adopted_containers: the containers an adoption found matching (or not) its first version

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-03 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adopted_containers",
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("container_id", sa.String(length=64), nullable=False),
        sa.Column("compose_hash", sa.String(length=128), nullable=False),
        sa.Column("our_hash", sa.String(length=128), nullable=False),
        sa.Column("differences", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["stack_id"], ["stacks.stack_id"]),
        sa.PrimaryKeyConstraint("stack_id", "container_id"),
    )


def downgrade() -> None:
    op.drop_table("adopted_containers")
