"""Shared drafts: a reply or note draft shared with reviewers (issue 9).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_drafts",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_ids", sa.JSON(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=True),
        sa.Column("edited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("shared_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shared_drafts_ticket_id"), ["ticket_id"])
        batch_op.create_index(batch_op.f("ix_shared_drafts_version"), ["version"])


def downgrade() -> None:
    with op.batch_alter_table("shared_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_drafts_version"))
        batch_op.drop_index(batch_op.f("ix_shared_drafts_ticket_id"))
    op.drop_table("shared_drafts")
