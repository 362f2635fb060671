"""Ticket access losses: who may have lost sight of a ticket (pulls turn them into deletions).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:50:52.956435
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_access_losses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_access_losses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_access_losses_ticket_id"), ["ticket_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_access_losses_version"), ["version"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket_access_losses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_access_losses_version"))
        batch_op.drop_index(batch_op.f("ix_ticket_access_losses_ticket_id"))

    op.drop_table("ticket_access_losses")
