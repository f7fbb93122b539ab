"""wizard_provenance: what a wizard-made version came from

Revision ID: 0010_wizard
Revises: 0009_deploy
Create Date: 2026-12-03 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_wizard"
down_revision = "0009_deploy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wizard_provenance",
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("catalog_digest", sa.String(length=80), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["stack_id"], ["stacks.stack_id"]),
        sa.PrimaryKeyConstraint("stack_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("wizard_provenance")
