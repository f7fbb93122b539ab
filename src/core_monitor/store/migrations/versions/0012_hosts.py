"""hosts: Docker hosts as data (address, trusted engine id, last probe, TLS ciphertext)

Revision ID: 0012_hosts
Revises: 0011_delivery
Create Date: 2026-12-03 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_hosts"
down_revision = "0011_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hosts",
        sa.Column("host_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("tls_ca", sa.Text(), nullable=True),
        sa.Column("tls_cert", sa.Text(), nullable=True),
        sa.Column("tls_key", sa.Text(), nullable=True),
        sa.Column("engine_id", sa.String(length=200), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("host_id"),
        sa.UniqueConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("hosts")
