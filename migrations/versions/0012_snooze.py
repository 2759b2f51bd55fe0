"""snooze: nudges.pinged_user_ids and nudge_snoozes (each delivered nudge snoozed at most once)

Revision ID: 0012_snooze
Revises: 0011_wellbeing_pulse
Create Date: 2026-12-01 11:00:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision = "0012_snooze"
down_revision = "0011_wellbeing_pulse"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pinged_user_ids", sa.String(length=500), nullable=True))
    op.create_table(
        "nudge_snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("nudge_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("due_at", bot.db.types.UTCDateTime(), nullable=False),
        sa.Column("user_ids", sa.String(length=500), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["nudge_id"], ["nudges.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nudge_id", name="uq_nudge_snoozes_nudge"),
    )


def downgrade() -> None:
    op.drop_table("nudge_snoozes")
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.drop_column("pinged_user_ids")
