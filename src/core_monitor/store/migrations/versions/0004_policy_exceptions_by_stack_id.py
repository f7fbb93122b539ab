"""policy exceptions keyed by stack id: they go with their stack

An exception belongs to the live stack of its name; one whose stack was deleted (or never
existed) is dropped, since it would otherwise pass to whoever takes that name next.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

EXCEPTIONS = sa.table(
    "policy_exceptions", sa.column("stack", sa.String), sa.column("stack_id", sa.String)
)
STACKS = sa.table(
    "stacks",
    sa.column("stack_id", sa.String),
    sa.column("name", sa.String),
    sa.column("deleted", sa.Boolean),
)


def upgrade() -> None:
    with op.batch_alter_table("policy_exceptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stack_id", sa.String(length=36), nullable=True))
    live = (
        sa.select(STACKS.c.stack_id)
        .where(STACKS.c.name == EXCEPTIONS.c.stack, STACKS.c.deleted == sa.false())
        .scalar_subquery()
    )
    op.execute(EXCEPTIONS.update().values(stack_id=live))
    op.execute(EXCEPTIONS.delete().where(EXCEPTIONS.c.stack_id.is_(None)))
    with op.batch_alter_table("policy_exceptions", schema=None) as batch_op:
        batch_op.alter_column("stack_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_constraint("uq_policy_exceptions_stack_rule", type_="unique")
        batch_op.create_unique_constraint(
            "uq_policy_exceptions_stack_id_rule", ["stack_id", "rule"]
        )
        batch_op.create_foreign_key(
            "fk_policy_exceptions_stack_id_stacks", "stacks", ["stack_id"], ["stack_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("policy_exceptions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_policy_exceptions_stack_id_stacks", type_="foreignkey")
        batch_op.drop_constraint("uq_policy_exceptions_stack_id_rule", type_="unique")
        batch_op.create_unique_constraint("uq_policy_exceptions_stack_rule", ["stack", "rule"])
        batch_op.drop_column("stack_id")
