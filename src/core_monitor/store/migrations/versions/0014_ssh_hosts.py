"""hosts reached over SSH: the sealed private key, its fingerprint, the pinned host key

Revision ID: 0014_ssh_hosts
Revises: 0013_stack_host
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_ssh_hosts"
down_revision = "0013_stack_host"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hosts") as batch:
        batch.add_column(sa.Column("ssh_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("ssh_key_fingerprint", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("ssh_host_key", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hosts") as batch:
        batch.drop_column("ssh_host_key")
        batch.drop_column("ssh_key_fingerprint")
        batch.drop_column("ssh_key")
