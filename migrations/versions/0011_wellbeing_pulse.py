"""wellbeing pulse: checkins.pulse (1-5, private) and pulse_alerts (one manager nudge per low streak)

Revision ID: 0011_wellbeing_pulse
Revises: 0010_nudge_batches
Create Date: 2026-12-01 10:55:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision = "0011_wellbeing_pulse"
down_revision = "0010_nudge_batches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pulse", sa.Integer(), nullable=True))
    op.create_table(
        "pulse_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", bot.db.types.UTCDateTime(), nullable=False),
        sa.Column("noticed_at", bot.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pulse_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_pulse_alerts_guild_noticed", ["guild_id", "noticed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_pulse_alerts_checkin_id"), ["checkin_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pulse_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pulse_alerts_checkin_id"))
        batch_op.drop_index("ix_pulse_alerts_guild_noticed")
    op.drop_table("pulse_alerts")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("pulse")
