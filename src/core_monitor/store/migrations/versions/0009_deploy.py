"""artifacts and deployments: application deploys into middleware (issue 16)

Revision ID: 0009_deploy
Revises: 0008
Create Date: 2026-12-03 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_deploy"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "artifacts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index("ix_artifacts_uploaded_at", "artifacts", ["uploaded_at"])
    op.create_table(
        "deployments",
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("artifact", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("command_id", sa.String(length=36), nullable=True),
        sa.Column("previous", sa.String(length=36), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("health", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["stack_id"], ["stacks.stack_id"]),
        sa.ForeignKeyConstraint(["artifact"], ["artifacts.sha256"]),
        sa.PrimaryKeyConstraint("deployment_id"),
    )
    op.create_index("ix_deployments_artifact", "deployments", ["artifact"])
    op.create_index(
        "ix_deployments_target", "deployments", ["stack_id", "service", "path", "requested_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_deployments_target", table_name="deployments")
    op.drop_index("ix_deployments_artifact", table_name="deployments")
    op.drop_table("deployments")
    op.drop_index("ix_artifacts_uploaded_at", table_name="artifacts")
    op.drop_table("artifacts")
