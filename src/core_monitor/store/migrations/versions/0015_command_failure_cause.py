"""commands.failure_cause: why a command FAILED, as far as the queue cares (its host's
unreachability or changed engine does not halt the queue)

Revision ID: 0015_command_failure_cause
Revises: 0014_ssh_hosts
Create Date: 2026-12-03 08:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_command_failure_cause"
down_revision = "0014_ssh_hosts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commands") as batch:
        batch.add_column(sa.Column("failure_cause", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commands") as batch:
        batch.drop_column("failure_cause")
