"""version_pins, stack_delivery: images pinned to what ran, freezes, atomic defaults

Revision ID: 0011_delivery
Revises: 0010_wizard
Create Date: 2026-12-03 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_delivery"
down_revision = "0010_wizard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "version_pins",
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=1000), nullable=False),
        sa.Column("image_id", sa.String(length=200), nullable=False),
        sa.Column("repo_digest", sa.String(length=1000), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["stack_id"], ["stacks.stack_id"]),
        sa.PrimaryKeyConstraint("stack_id", "version", "service"),
    )
    op.create_table(
        "stack_delivery",
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("frozen_version", sa.Integer(), nullable=True),
        sa.Column("frozen_by", sa.String(length=200), nullable=True),
        sa.Column("frozen_reason", sa.Text(), nullable=True),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("atomic", sa.Boolean(), nullable=False),
        sa.Column("atomic_timeout", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["stack_id"], ["stacks.stack_id"]),
        sa.PrimaryKeyConstraint("stack_id"),
    )


def downgrade() -> None:
    op.drop_table("stack_delivery")
    op.drop_table("version_pins")
