"""show events: shows.discord_event_id and guild_events (enabled, act name, Manage Events warning)

Revision ID: 0013_show_events
Revises: 0012_snooze
Create Date: 2026-12-01 11:05:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision = "0013_show_events"
down_revision = "0012_snooze"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discord_event_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "guild_events",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("act_name", sa.String(length=80), nullable=True),
        sa.Column("warned_at", bot.db.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("guild_id"),
    )


def downgrade() -> None:
    op.drop_table("guild_events")
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_column("discord_event_id")
