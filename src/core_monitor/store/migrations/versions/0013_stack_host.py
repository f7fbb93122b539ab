"""stacks.host_id: the Docker host a stack runs on (every existing stack is on ``local``)

Revision ID: 0013_stack_host
Revises: 0012_hosts
Create Date: 2026-12-03 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_stack_host"
down_revision = "0012_hosts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stacks") as batch:
        batch.add_column(
            sa.Column("host_id", sa.String(length=36), nullable=False, server_default="local")
        )


def downgrade() -> None:
    with op.batch_alter_table("stacks") as batch:
        batch.drop_column("host_id")
